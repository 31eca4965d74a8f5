import { nanoUsd, RT_KEYS } from '@llmgw/core';
import { USAGE_MARK_TTL_MS } from './usage-scripts.js';

const DAY_TTL_S = 40 * 86_400;
const MONTH_TTL_S = 400 * 86_400;

/** What the spend calls read of a queued usage record (usage-recorder.ts): its event's numbers by their names, and its periods. */
export interface SpendRecord {
  key_id: string;
  cost_usd: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  day: string;
  month: string;
  spend?: boolean;
  reservation?: string | undefined;
  accounted?: boolean;
  seq: number;
  /** Writes sent so far, this one counted: more than 1 is a resend. */
  sends: number;
}

/** One ACCOUNT_ONCE_LUA call: its keys and arguments, and the records it carries (positions in the batch). */
export interface SpendCall {
  keys: string[];
  argv: Array<string | number>;
  members: number[];
}

/** The spend records of one key in a batch (in seq order), and the periods they add to. */
interface SpendGroup {
  keyId: string;
  /** `day\nmonth` → period number (1-based) in the script call. */
  periods: Map<string, number>;
  keys: string[];
  /** Per period: cost (nano-USD), records, prompt, completion, cached (the aggregate form). */
  sums: number[][];
  /** The period of each record (by position in `members`), for the one-by-one form. */
  recordPeriods: number[];
  reservations: string[];
  /** Some record was sent before: the script must check each against the mark. */
  resent: boolean;
  first: number;
  last: number;
  members: number[];
}

/**
 * The spend counter calls of a batch (after its send is counted in each record's `sends`): one
 * per key for the whole batch, whatever periods it spans (around midnight UTC). Records already
 * accounted, and refused requests (`spend: false`), are in none. A key none of whose records
 * was sent before gets the aggregate form (its sums per period); otherwise each record goes one
 * by one, for the script to check against this pod's mark.
 */
export function spendCalls(batch: readonly SpendRecord[], pod: string): SpendCall[] {
  const groups = new Map<string, SpendGroup>();
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i]!;
    if (r.accounted || r.spend === false) continue;
    const seq = r.seq;
    let g = groups.get(r.key_id);
    if (!g) {
      const id = r.key_id;
      const keys = [RT_KEYS.keyApplied(id, pod), RT_KEYS.keyReservations(id), RT_KEYS.keyReserved(id)];
      groups.set(id, (g = { keyId: id, periods: new Map(), keys, sums: [], recordPeriods: [], reservations: [], resent: false, first: seq, last: seq, members: [] }));
    }
    const period = `${r.day}\n${r.month}`;
    let p = g.periods.get(period);
    if (p === undefined) {
      g.periods.set(period, (p = g.periods.size + 1));
      g.keys.push(RT_KEYS.keySpendDay(g.keyId, r.day), RT_KEYS.keySpendMonth(g.keyId, r.month));
      g.sums.push([0, 0, 0, 0, 0]);
    }
    const sum = g.sums[p - 1]!;
    sum[0]! += nanoUsd(r.cost_usd);
    sum[1]! += 1;
    sum[2]! += r.prompt_tokens;
    sum[3]! += r.completion_tokens;
    sum[4]! += r.cached_tokens;
    g.recordPeriods.push(p);
    if (r.reservation) g.reservations.push(r.reservation);
    if (r.sends > 1) g.resent = true;
    g.last = seq;
    g.members.push(i);
  }
  return [...groups.values()].map((g) => {
    const argv: Array<string | number> = [DAY_TTL_S, MONTH_TTL_S, USAGE_MARK_TTL_MS];
    if (g.resent) {
      argv.push('r');
      g.members.forEach((i, k) => {
        const r = batch[i]!;
        argv.push(r.seq, g.recordPeriods[k]!, nanoUsd(r.cost_usd), r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.reservation ?? '');
      });
    } else {
      argv.push('a', g.first, g.last, g.sums.length);
      for (const sum of g.sums) argv.push(...sum);
      argv.push(...g.reservations);
    }
    return { keys: g.keys, argv, members: g.members };
  });
}
