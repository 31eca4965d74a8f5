import { healthProblems, type Provider, type SubjectHealth } from '@llmgw/core';

/** One provider as `/status` reports it. */
export interface ProviderStatus {
  name: string;
  status: Provider['status'];
  /** `ok`: nothing wrong; `degraded`: something cooling down or misconfigured (see `problems`). */
  state: 'ok' | 'degraded';
  /** One readable line per problem, as `gwctl provider status` shows them; never a secret. */
  problems: string[];
}

export interface ProviderStatusSources {
  listProviders(): Promise<Provider[]>;
  /** The shared health of these providers (Redis; this pod's copy when Redis cannot answer). */
  readHealth(providers: string[]): Promise<Map<string, ReadonlyMap<string, SubjectHealth>>>;
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
      const problems = healthProblems(health.get(p.name) ?? new Map(), p.secrets, now);
      return { name: p.name, status: p.status, state: problems.length > 0 ? 'degraded' : 'ok', problems };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
