import { healthProblems, type Provider, type SubjectHealth } from '@llmgw/core';
import type { SecretEnv } from '../routing/secret-env.js';

/** One provider as `/status` reports it. */
export interface ProviderStatus {
  name: string;
  status: Provider['status'];
  /**
   * `ok`: nothing wrong; `degraded`: something cooling down, misconfigured or unset here (see
   * `problems`); `unusable`: none of its secrets resolves on this pod, so it never routes here.
   */
  state: 'ok' | 'degraded' | 'unusable';
  /** Names of the environment variables its `env:` secrets read that are unset on this pod. */
  secretsUnset: string[];
  /** One readable line per problem, as `gwctl provider status` shows them; never a secret. */
  problems: string[];
}

export interface ProviderStatusSources {
  listProviders(): Promise<Provider[]>;
  /** The shared health of these providers (Redis; this pod's copy when Redis cannot answer). */
  readHealth(providers: string[]): Promise<Map<string, ReadonlyMap<string, SubjectHealth>>>;
  secrets: Pick<SecretEnv, 'unset' | 'unusable'>;
}

/** Every provider of the registry with its problems, by name; null when the registry cannot be read. */
export async function providersStatus(s: ProviderStatusSources, now: number): Promise<ProviderStatus[] | null> {
  let providers: Provider[];
  try {
    providers = await s.listProviders();
  } catch {
    return null;
  }
  const health = await s.readHealth(providers.map((p) => p.name));
  return providers
    .map((p): ProviderStatus => {
      const unset = s.secrets.unset(p);
      const problems = [
        ...(unset?.secrets.map((n) => `secret #${n}: environment variable ${p.secrets[n - 1]!.slice(4)} is unset on this pod`) ?? []),
        ...healthProblems(health.get(p.name) ?? new Map(), p.secrets, now),
      ];
      const state = s.secrets.unusable(p) ? 'unusable' : problems.length > 0 ? 'degraded' : 'ok';
      return { name: p.name, status: p.status, state, secretsUnset: unset?.variables ?? [], problems };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
