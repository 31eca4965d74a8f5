import { parseHealthHash, parseTargetSubject, PROVIDER_SUBJECT, secretSubject, subjectState, type SubjectHealth } from './provider-health.js';
import { healthProblems } from './provider-problems.js';
import { parseUnsetReports, unsetSecretProblems } from './unset-secrets.js';
import { maskSecret } from './secrets.js';
import { RT_KEYS } from './redis-keys.js';
import type { RedisClient } from './redis-connect.js';
import type { Provider } from './schemas.js';

/*
 * What `gwctl provider status` and the console's provider health show: the health the
 * gateways share in Redis, per provider, per secret (masked) and per upstream model.
 */

/** Health of a provider or of one of its secrets, as the gateways share it in Redis. */
export interface HealthView {
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

/** Status of each provider, read from its two runtime hashes (concurrent reads: providers live in different Cluster slots). */
export async function readProviderStatus(redis: RedisClient, providers: readonly Provider[], now: number): Promise<ProviderStatusView[]> {
  const read = (p: Provider) => Promise.all([redis.hgetall(RT_KEYS.providerHealth(p.name)), redis.hgetall(RT_KEYS.providerUnsetSecrets(p.name))]);
  const hashes = await Promise.all(providers.map(read));
  return providers.map((p, i) => toStatusView(p, hashes[i]![0], now, hashes[i]![1]));
}
