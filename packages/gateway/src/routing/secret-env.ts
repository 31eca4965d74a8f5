import { envVariable, resolveSecret, type Provider } from '@llmgw/core';
import { Errors, type GatewayError } from '../errors/catalog.js';
import type { Logger } from '../logger.js';
import type { Target } from '../request-context.js';

/** Resolves a provider's secret by index; undefined when it cannot be used here. */
export interface SecretResolver {
  resolve(p: Provider, index: number): string | undefined;
}

/** The `env:` secrets of a provider that this pod cannot resolve. */
export interface UnsetSecrets {
  /** Variable names, in the order of the provider's secrets (no duplicates). */
  variables: string[];
  /** 1-based numbers of those secrets. */
  secrets: number[];
}

/** How often a request that skips an unset secret may log it, per provider. */
const LOG_EVERY_MS = 60_000;

/**
 * Provider secrets as this pod's environment resolves them. An `env:NAME` reference whose
 * variable is unset here is passed over by routing like a cooling secret (another secret or
 * provider serves); requests that pass over one say so in a warn line at most once a minute
 * per provider. Names of variables only, never a value.
 */
export class SecretEnv implements SecretResolver {
  private readonly logged = new Map<string, number>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  resolve(p: Provider, index: number): string | undefined {
    const ref = p.secrets[index];
    if (ref === undefined) return undefined;
    const secret = resolveSecret(ref, this.env);
    if (secret === undefined) this.skipped(p);
    return secret;
  }

  /** The provider's `env:` secrets unset here; null when every one resolves. */
  unset(p: Provider): UnsetSecrets | null {
    let out: UnsetSecrets | null = null;
    p.secrets.forEach((ref, i) => {
      const name = envVariable(ref);
      if (name === null || resolveSecret(ref, this.env) !== undefined) return;
      out ??= { variables: [], secrets: [] };
      if (!out.variables.includes(name)) out.variables.push(name);
      out.secrets.push(i + 1);
    });
    return out;
  }

  /** True when the provider has secrets and none of them resolves here. */
  unusable(p: Provider): boolean {
    return p.secrets.length > 0 && p.secrets.every((ref) => resolveSecret(ref, this.env) === undefined);
  }

  /**
   * The client's 503 when nothing could be tried because every target's secrets are unset
   * here: it names the providers and the variables (never a value). Null when some target
   * has a usable secret (then something else stopped the request).
   */
  nothingUsable(targets: readonly Target[], model: string): GatewayError | null {
    const missing: Array<{ provider: string; variables: string[] }> = [];
    for (const t of targets) {
      if (!this.unusable(t.provider)) return null;
      if (missing.some((m) => m.provider === t.provider.name)) continue;
      missing.push({ provider: t.provider.name, variables: this.unset(t.provider)?.variables ?? [] });
    }
    return missing.length > 0 ? Errors.secretsUnset(model, missing) : null;
  }

  private skipped(p: Provider): void {
    const now = this.now();
    const last = this.logged.get(p.name);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    this.logged.set(p.name, now);
    const u = this.unset(p);
    this.log.warn(
      { provider: p.name, variables: u?.variables ?? [], secretNumbers: u?.secrets ?? [] },
      `provider ${p.name}: a request passed over secret(s) ${(u?.secrets ?? []).map((n) => `#${n}`).join(', ')}: environment variable(s) ${(u?.variables ?? []).join(', ')} unset on this pod (logged at most once a minute)`,
    );
  }
}
