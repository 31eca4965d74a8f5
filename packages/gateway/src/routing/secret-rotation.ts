import type { Provider } from '@llmgw/core';

const ONLY_FIRST: readonly number[] = [0];

/** Round robin over a provider's secrets: the order in which to try them for one request. */
export class SecretRotation {
  private readonly counters = new Map<string, number>();

  order(provider: Provider): readonly number[] {
    const n = provider.secrets.length;
    if (n <= 1) return ONLY_FIRST;
    const c = this.counters.get(provider.name) ?? 0;
    this.counters.set(provider.name, (c + 1) % 1_000_000_007);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((c + i) % n);
    return out;
  }
}
