import { z } from 'zod';

/**
 * Which `env:` secrets of a provider each gateway pod cannot resolve from its own
 * environment. gwctl cannot see a pod's environment, so every pod publishes it: one hash per
 * provider (`RT_KEYS.providerUnsetSecrets`), one field per pod, a JSON report that is valid
 * until `until` (the pod refreshes it well before; a pod that died simply stops counting).
 * Names of variables only, never a value.
 */

const UnsetSecretReportSchema = z.object({
  /** Variable names, e.g. `OPENAI_API_KEY`. */
  variables: z.array(z.string()),
  /** 1-based numbers of the provider's secrets that read them (as `gwctl provider show` numbers them). */
  secrets: z.array(z.number().int().positive()),
  /** Epoch ms after which the report no longer counts. */
  until: z.number(),
});

export type UnsetSecretReport = z.infer<typeof UnsetSecretReportSchema>;

export function encodeUnsetReport(r: UnsetSecretReport): string {
  return JSON.stringify(r);
}

/** The reports still valid at `now`, by pod name (invalid or expired fields are ignored). */
export function parseUnsetReports(hash: Record<string, string>, now: number): Map<string, UnsetSecretReport> {
  const out = new Map<string, UnsetSecretReport>();
  for (const [pod, raw] of Object.entries(hash)) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue;
    }
    const r = UnsetSecretReportSchema.safeParse(json);
    if (r.success && r.data.until > now) out.set(pod, r.data);
  }
  return out;
}

/** `secret #1: environment variable OPENAI_KEY is unset on pods a, b`: one line per secret. */
export function unsetSecretProblems(byPod: ReadonlyMap<string, UnsetSecretReport>, secrets: readonly string[]): string[] {
  const pods = new Map<number, string[]>();
  for (const [pod, r] of [...byPod].sort(([a], [b]) => a.localeCompare(b))) {
    for (const n of r.secrets) pods.set(n, [...(pods.get(n) ?? []), pod]);
  }
  return [...pods]
    .sort(([a], [b]) => a - b)
    .flatMap(([n, on]) => {
      const ref = secrets[n - 1];
      if (!ref?.startsWith('env:')) return [];
      return [`secret #${n}: environment variable ${ref.slice(4)} is unset on ${on.length === 1 ? 'pod' : 'pods'} ${on.join(', ')}`];
    });
}
