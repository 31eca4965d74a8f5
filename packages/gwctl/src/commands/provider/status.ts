import { Command } from 'commander';
import {
  healthProblems,
  maskSecret,
  parseHealthHash,
  parseTargetSubject,
  parseUnsetReports,
  PROVIDER_SUBJECT,
  RT_KEYS,
  secretSubject,
  subjectState,
  unsetSecretProblems,
  type Provider,
  type SubjectHealth,
} from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { mustGetProvider } from './show.js';

export interface ProviderStatusOptions extends FormatFlags {
  name?: string;
}

/** Health of a provider or of one of its secrets, as the gateways share it in Redis. */
interface HealthView {
  /** `ok`, `failing` (failures in the window), `cooling`, `half-open` (a probe may go), `probing`. */
  state: string;
  fails: number;
  window_ends_at: string | null;
  cooldown_until: string | null;
  cooldown_left_ms: number;
  /** Cooldowns in a row without a success (the next one lasts base·2^level). */
  level: number;
  probes: number;
  probe_until: string | null;
  last_reason: string | null;
}

export interface ProviderStatusView {
  provider: string;
  status: Provider['status'];
  health: HealthView;
  /**
   * `index` is 1-based, as `provider show` numbers secrets; `secret` is masked;
   * `unset_on_pods`: the gateway pods whose environment lacks its `env:` variable (they skip it).
   */
  secrets: Array<{ index: number; secret: string; unset_on_pods: string[] } & HealthView>;
  /** Upstream models that failed on an endpoint (an upstream 404: base URL or model wrong), by endpoint then model. */
  targets: Array<{ model: string; endpoint: string } & HealthView>;
  /** One readable line per problem: a secret unset on some pods, a subject cooling down or not recovered since (the gateway's /status shows the same). */
  problems: string[];
}

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

function toHealthView(h: SubjectHealth | undefined, now: number): HealthView {
  const st = subjectState(h, now);
  const fails = h && h.windowEnd > now ? h.fails : 0;
  const state = st.kind === 'cooling' ? (st.probe ? 'probing' : 'cooling') : st.kind === 'ok' && fails > 0 ? 'failing' : st.kind;
  return {
    state,
    fails,
    window_ends_at: fails > 0 ? iso(h!.windowEnd) : null,
    cooldown_until: h && h.until > now ? iso(h.until) : null,
    cooldown_left_ms: h && h.until > now ? h.until - now : 0,
    level: h?.level ?? 0,
    probes: h?.probes ?? 0,
    probe_until: h && h.probeUntil > now ? iso(h.probeUntil) : null,
    last_reason: h?.reason || null,
  };
}

/** A provider's view from its two runtime hashes: the shared health and the pods' unset-secret reports. */
function toStatusView(p: Provider, hash: Record<string, string>, now: number, unsetHash: Record<string, string> = {}): ProviderStatusView {
  const subjects = parseHealthHash(hash);
  const unset = parseUnsetReports(unsetHash, now);
  const podsLacking = (n: number) => [...unset].filter(([, r]) => r.secrets.includes(n)).map(([pod]) => pod).sort();
  const targets: ProviderStatusView['targets'] = [];
  for (const [subject, h] of subjects) {
    const t = parseTargetSubject(subject);
    if (t) targets.push({ ...t, ...toHealthView(h, now) });
  }
  targets.sort((a, b) => a.endpoint.localeCompare(b.endpoint) || a.model.localeCompare(b.model));
  return {
    provider: p.name,
    status: p.status,
    health: toHealthView(subjects.get(PROVIDER_SUBJECT), now),
    secrets: p.secrets.map((ref, i) => ({ index: i + 1, secret: maskSecret(ref), unset_on_pods: podsLacking(i + 1), ...toHealthView(subjects.get(secretSubject(ref)), now) })),
    targets,
    problems: [...unsetSecretProblems(unset, p.secrets), ...healthProblems(subjects, p.secrets, now)],
  };
}

const HEAD = ['provider', 'subject', 'state', 'fails', 'cooldown until', 'level', 'probes', 'last reason'];

function row(provider: string, subject: string, h: HealthView): Array<string | number | null> {
  const until = h.cooldown_until ? `${h.cooldown_until} (${Math.ceil(h.cooldown_left_ms / 1000)}s)` : null;
  return [provider, subject, h.state, h.fails, until, h.level, h.probes, h.last_reason];
}

export async function providerStatus(ctx: Context, o: ProviderStatusOptions): Promise<void> {
  const f = outputFormat(o);
  const providers = o.name ? [await mustGetProvider(ctx, o.name)] : await ctx.registry.listProviders();
  // Two keys per provider in one slot, providers in different Cluster slots: concurrent reads, not a pipeline.
  const read = (p: Provider) => Promise.all([ctx.redis.hgetall(RT_KEYS.providerHealth(p.name)), ctx.redis.hgetall(RT_KEYS.providerUnsetSecrets(p.name))]);
  const hashes = await Promise.all(providers.map(read));
  const now = ctx.now().getTime();
  const views = providers.map((p, i) => toStatusView(p, hashes[i]![0], now, hashes[i]![1]));
  if (isDataFormat(f)) return ctx.out.data(o.name ? views[0] : views, f);
  if (f === 'name') return views.forEach((v) => ctx.out.line(v.provider));
  if (views.length === 0) return ctx.out.info('no providers yet (add one with gwctl provider add)');
  ctx.out.table(
    HEAD,
    views.flatMap((v) => [
      row(v.provider, v.status === 'active' ? 'provider' : `provider (${v.status})`, v.health),
      ...v.secrets.map((s) => row(v.provider, `secret #${s.index} ${s.secret}`, s)),
      ...v.targets.map((t) => row(v.provider, `model ${t.model} POST ${t.endpoint}`, t)),
    ]),
    { wide: f === 'wide' },
  );
  const problems = views.flatMap((v) => v.problems.map((line) => `${v.provider}: ${line}`));
  if (problems.length > 0) ctx.out.line(['problems:', ...problems.map((l) => `  ${l}`)].join('\n'));
}

export function statusCommand(run: Runner): Command {
  const cmd = new Command('status')
    .description('health shared by the gateways: failures, cooldowns and probes per provider, per secret and per upstream model')
    .argument('[name]', 'provider name (default: all)');
  return withOutputFlags(cmd).action((name: string | undefined, opts: Omit<ProviderStatusOptions, 'name'>, c: Command) => run(c, (ctx) => providerStatus(ctx, { ...opts, ...(name ? { name } : {}) })));
}
