import { performance } from 'node:perf_hooks';
import type { ApiKey } from '@llmgw/core';

// Per-pod leases of a key's capacity. Without them every request of a key with limits asks
// Redis (one admission script call per key per event-loop turn) before it is served. With
// them, a pod whose key is busy takes a slice of the key's capacity along with a batch —
// `s` requests and `t` tokens counted in the current window bucket, `c` concurrency slots,
// `m` nano-USD reserved against the budgets — and admits the next requests from it with no
// round trip, until the bucket ends (≤ one bucket, 1 s with the default window) or the slice
// runs out. What it did not spend goes back (GIVE_BACK_LUA). Near the end of its bucket, the
// first request admitted from a lease asks for the next one, counted in the next bucket (see
// ADMIT_BATCH_LUA), so that the key's requests do not wait for a round trip when it turns.
// The slice is taken exactly as admissions are (atomically, against what all pods hold), so
// limits and budgets are never passed by more than without leases; what changes is the other
// side: a key may be refused early by what other pods hold and have not spent yet (see
// docs/guarantees.md).

/** What a request holds after admission, given back by `KeyLimiter.release`. */
export interface Admission {
  /** The key record it was admitted under. */
  key: ApiKey;
  keyId: string;
  /** Its concurrency slot (zset member), or its id. */
  member: string;
  /** Tokens the tpm window counts for this request until it is reconciled (0 without tpm). */
  estimate: number;
  /** The window bucket the admission counts in (its tokens are reconciled there). */
  bucket: number;
  concurrency: boolean;
  /** Its budget reservation (`<member>|<nano-USD>`), '' when none: released when its spend is written. */
  reservation: string;
  /** The lease it was admitted from with no Redis call, or null. */
  lease: Lease | null;
  /** Its usage went to the recorder (`LeaseBook.billed`). */
  billed: boolean;
  /** Its place among the admissions `LeaseRenewal` keeps alive, -1 when none. Owned by it. */
  heldAt: number;
}

/** A slice of one key's capacity held by this pod. */
export interface Lease {
  readonly id: string;
  readonly key: ApiKey;
  /** The window bucket its requests and tokens were counted in. */
  readonly bucket: number;
  /** performance.now() from which it admits nothing: the end of its bucket, seen conservatively. */
  readonly deadline: number;
  /** Left to spend: requests, tpm tokens, nano-USD of the budgets. */
  requests: number;
  tokens: number;
  usd: number;
  /** Its concurrency slots not in use (zset members), and all of them. */
  readonly slots: string[];
  readonly allSlots: readonly string[];
  /** `<id>|<nano-USD>` while its budget reservation is held, else ''. */
  budgetMember: string;
  /** Requests admitted from it whose usage is not with the recorder yet. */
  open: number;
  closed: boolean;
  /** Σ (real − estimated) tokens of its requests that ended while it was open. */
  tokenDelta: number;
  /** For the rate-limit headers: what the key had left besides this lease, and when its window resets. */
  readonly rpmLeft: number;
  readonly tpmLeft: number;
  readonly resetAt: number;
  timer: NodeJS.Timeout | null;
}

/** What a pod asks for along with a batch (see ADMIT_BATCH_LUA). */
export interface LeaseAsk {
  id: string;
  s: number;
  t: number;
  c: number;
  m: number;
}

/** Per key record: its lease, and what sizes the next ask. */
interface KeyState {
  lease: Lease | null;
  asking: boolean;
  /** Requests seen in the current second (`second`) and the one before. */
  second: number;
  seen: number;
  seenPrev: number;
  /** Requests holding a concurrency slot now, and the most in this second and the one before. */
  inflight: number;
  peak: number;
  peakPrev: number;
  /** Running averages of a request's token estimate and cost reservation (nano-USD). */
  estAvg: number;
  usdAvg: number;
  /** What the key had left at the last reply (-1: no such limit), or null before one. */
  left: { rpm: number; tpm: number; conc: number; usd: number } | null;
  /** The bucket of the last lease a lease was asked ahead of (once per bucket). */
  aheadOf: number;
}

/** A key seen less often than this (requests in a second) is admitted per request: a lease would save little. */
const MIN_RATE = 8;
/** The smallest slice worth a lease, in requests: below it (near a limit) the key is admitted per request. */
const MIN_REQUESTS = 4;
/** A grant with less life than this left is given back at once. */
const MIN_LIFE_MS = 10;
/** Slices are sized for this much more than the last second's traffic. */
const HEADROOM = 1.25;

export interface LeaseEffects {
  /** Give back what a closed lease did not spend (one script call). */
  giveBack(keyId: string, leaseId: string, bucket: number, requests: number, tokens: number, slots: string[]): void;
  /** Free a lease's budget reservation once the usage recorded so far is written. */
  freeBudget(keyId: string, member: string): void;
}

/** Count a request holding a concurrency slot (the most at once sizes the next slice's slots). */
function slotTaken(st: KeyState): void {
  if (++st.inflight > st.peak) st.peak = st.inflight;
}

/** This pod's leases, per key record. */
export class LeaseBook {
  private seq = 0;
  private readonly states = new WeakMap<ApiKey, KeyState>();
  /** Leases holding free slots or a budget member: renewed with the admissions. */
  readonly held = new Set<Lease>();
  /**
   * A lease with less life than this asks for the next one at its next admission (a quarter of
   * a bucket, at most 100 ms: time for the round trip). The script counts an ask in the next
   * bucket within twice this of the end (its clock is read after ours: see `answered`).
   */
  readonly aheadMs: number;

  constructor(
    private readonly pod: string,
    private readonly bucketMs: number,
    private readonly fx: LeaseEffects,
    /** Called by `take` when the key's lease ends within `aheadMs`: ask for its successor now (once per lease bucket; `ask` sizes it). */
    private readonly askAhead: (key: ApiKey) => void,
  ) {
    this.aheadMs = Math.min(100, Math.floor(bucketMs / 4));
  }

  private state(key: ApiKey): KeyState {
    let st = this.states.get(key);
    if (!st) {
      st = { lease: null, asking: false, second: 0, seen: 0, seenPrev: 0, inflight: 0, peak: 0, peakPrev: 0, estAvg: 0, usdAvg: 0, left: null, aheadOf: -1 };
      this.states.set(key, st);
    }
    return st;
  }

  /** A request of `key` arrives: count it for the next slice's size. */
  note(key: ApiKey, estimate: number, reserve: number): void {
    const st = this.state(key);
    const sec = Math.floor(performance.now() / 1000);
    if (sec !== st.second) {
      const next = sec === st.second + 1;
      st.seenPrev = next ? st.seen : 0;
      st.peakPrev = next ? st.peak : st.inflight;
      st.seen = 0;
      st.peak = st.inflight;
      st.second = sec;
    }
    st.seen++;
    st.estAvg = st.estAvg === 0 ? estimate : st.estAvg * 0.9 + estimate * 0.1;
    st.usdAvg = st.usdAvg === 0 ? reserve : st.usdAvg * 0.9 + reserve * 0.1;
  }

  /** Admit from the key's lease, or null when it has none that covers this request; near the lease's end, `askAhead` its successor. */
  take(key: ApiKey, estimate: number, reserve: number): Admission | null {
    const st = this.states.get(key);
    const l = st?.lease;
    if (!l) return null;
    const now = performance.now();
    if (now >= l.deadline) {
      this.close(l);
      return null;
    }
    const conc = key.max_concurrency !== undefined;
    if (l.requests < 1 || l.tokens < estimate || l.usd < reserve || (conc && l.slots.length === 0)) return null;
    l.requests--;
    l.tokens -= estimate;
    l.usd -= reserve;
    l.open++;
    if (conc) slotTaken(st);
    if (l.deadline - now <= this.aheadMs && !st.asking && st.aheadOf !== l.bucket) {
      st.aheadOf = l.bucket;
      this.askAhead(key);
    }
    return { key, keyId: key.id, member: conc ? l.slots.pop()! : l.id, estimate, bucket: l.bucket, concurrency: conc, reservation: '', lease: l, billed: false, heldAt: -1 };
  }

  /** A request of `key` took a concurrency slot from Redis (one from a lease is counted by `take`). */
  slotTaken(key: ApiKey): void {
    const st = this.states.get(key);
    if (st) slotTaken(st);
  }

  /**
   * A request ended: its slot and token correction stay with its lease while that is open (no
   * Redis call; true). False: the caller gives them back to Redis, as for an admission of its own.
   */
  release(adm: Admission, slot: boolean, tokenDelta: number): boolean {
    if (slot) {
      const st = this.states.get(adm.key);
      if (st && st.inflight > 0) st.inflight--;
    }
    const l = adm.lease;
    if (!l || l.closed) return false;
    if (slot) l.slots.push(adm.member);
    l.tokenDelta += tokenDelta;
    return true;
  }

  /**
   * The request's usage goes to the recorder now: the reservation its record frees with its
   * spend. A leased request carries its lease's budget member when it is the last of a closed
   * lease (the recorder writes in order, so every spend of the lease is written with it or before).
   */
  billed(adm: Admission): string {
    if (adm.billed) return '';
    adm.billed = true;
    const l = adm.lease;
    if (!l) return adm.reservation;
    l.open--;
    if (!l.closed || l.open > 0 || !l.budgetMember) return '';
    const member = l.budgetMember;
    l.budgetMember = '';
    this.held.delete(l);
    return member;
  }

  /** What to ask for along with a batch of `waiting` admissions of `key`, or null (admit per request). */
  ask(key: ApiKey, waiting: number): LeaseAsk | null {
    const st = this.states.get(key);
    if (!st || st.asking) return null;
    const rate = Math.max(st.seenPrev, st.seen);
    if (rate < MIN_RATE) return null;
    let s = Math.ceil(rate * HEADROOM);
    const left = st.left;
    const quarter = (have: number | undefined, limit: number) => Math.floor((left && have !== undefined && have >= 0 ? have : limit) / 4);
    if (key.rpm !== undefined) s = Math.min(s, quarter(left?.rpm, key.rpm));
    if (s < MIN_REQUESTS) return null;
    let t = 0;
    if (key.tpm !== undefined && st.estAvg > 0) {
      t = Math.min(Math.ceil(s * st.estAvg * HEADROOM), quarter(left?.tpm, key.tpm));
      if (t < MIN_REQUESTS * st.estAvg) return null;
    }
    let c = 0;
    if (key.max_concurrency !== undefined) {
      c = Math.min(s, Math.ceil(Math.max(st.peak, st.peakPrev, st.inflight + waiting) * HEADROOM) + 1, quarter(left?.conc, key.max_concurrency));
      if (c < 1) return null;
    }
    let m = 0;
    if (st.usdAvg > 0) {
      // Budgets (the only reason for a reservation): the last reply says what is left.
      m = Math.ceil(s * st.usdAvg * HEADROOM);
      if (left && left.usd >= 0) m = Math.min(m, Math.floor(left.usd / 4));
      if (!left || m < MIN_REQUESTS * st.usdAvg) return null;
    }
    st.asking = true;
    return { id: `${this.pod}.L${(++this.seq).toString(36)}`, s, t, c, m };
  }

  /** The members an ask takes if granted: its slots, and its budget member ('' = none). */
  static members(ask: LeaseAsk): { slots: string[]; budget: string } {
    return { slots: Array.from({ length: ask.c }, (_, i) => `${ask.id}.${i + 1}`), budget: ask.m > 0 ? `${ask.id}|${ask.m}` : '' };
  }

  /**
   * The reply of a batch that asked (`tail`: the 9 values after its admissions). A grant
   * becomes the key's lease (the one before it closes); it lasts until the end of the bucket it
   * was counted in (this one, or the next when asked near the end), counted from `sentAt`
   * (before Redis read its clock: conservative).
   */
  answered(key: ApiKey, ask: LeaseAsk | null, tail: Array<number | string>, sentAt: number): boolean {
    const st = this.state(key);
    const [, granted, now, rpmLeft, tpmLeft, concLeft, usdLeft, reset, bucket] = tail.map(Number) as [number, number, number, number, number, number, number, number, number];
    st.left = { rpm: rpmLeft, tpm: tpmLeft, conc: concLeft, usd: usdLeft };
    if (!ask) return false;
    st.asking = false;
    if (granted !== 1) return false;
    const { slots, budget } = LeaseBook.members(ask);
    const deadline = sentAt + ((bucket + 1) * this.bucketMs - now);
    const l: Lease = {
      id: ask.id,
      key,
      bucket,
      deadline,
      requests: ask.s,
      tokens: key.tpm !== undefined ? ask.t : Infinity,
      usd: ask.m > 0 ? ask.m : 0,
      slots: slots.slice().reverse(),
      allSlots: slots,
      budgetMember: budget,
      open: 0,
      closed: false,
      tokenDelta: 0,
      rpmLeft,
      tpmLeft,
      resetAt: performance.now() + reset,
      timer: null,
    };
    this.held.add(l);
    const life = deadline - performance.now();
    if (life < MIN_LIFE_MS) {
      this.close(l);
      return true;
    }
    if (st.lease) this.close(st.lease);
    st.lease = l;
    l.timer = setTimeout(() => this.close(l), Math.ceil(life));
    l.timer.unref();
    return true;
  }

  /** The ask went unanswered (error, timeout): the next batch may ask again. */
  unanswered(key: ApiKey): void {
    const st = this.states.get(key);
    if (st) st.asking = false;
  }

  /** Stop admitting from `l` and give back what it did not spend. */
  close(l: Lease): void {
    if (l.closed) return;
    l.closed = true;
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
    const st = this.states.get(l.key);
    if (st?.lease === l) st.lease = null;
    const tokens = (l.key.tpm !== undefined ? -l.tokens : 0) + l.tokenDelta;
    const slots = l.slots.splice(0);
    if (l.requests > 0 || tokens !== 0 || slots.length > 0) this.fx.giveBack(l.key.id, l.id, l.bucket, l.requests, tokens, slots);
    l.requests = 0;
    l.tokens = 0;
    l.usd = 0;
    l.tokenDelta = 0;
    if (l.budgetMember && l.open === 0) {
      this.fx.freeBudget(l.key.id, l.budgetMember);
      l.budgetMember = '';
    }
    if (!l.budgetMember) this.held.delete(l);
  }

  /** Close every lease (shutdown). */
  closeAll(): void {
    for (const l of [...this.held]) this.close(l);
  }
}
