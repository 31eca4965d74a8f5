import { Errors, type GatewayError } from '../errors.js';
import type { Router } from '../routing/router.js';
import type { SecretRotation } from '../routing/secret-rotation.js';
import { runAttempt, type AttemptOutcome } from '../upstream/attempt.js';
import type { UpstreamAgents } from '../upstream/agents.js';
import { buildUpstreamRequest, providerSecret } from '../upstream/build-request.js';
import type { Attempt, RequestContext } from './context.js';

export interface ForwardDeps {
  router: Router;
  secrets: SecretRotation;
  agents: UpstreamAgents;
  /** Most upstream calls one request may make. */
  maxAttempts: number;
  defaultTimeoutMs: number;
  exposeSelection: boolean;
}

/** Streams that may carry usage ask the upstream for it even when the client did not. */
function usagePatch(ctx: RequestContext): { patch: Record<string, unknown> | null; clientWantsUsage: boolean } {
  if (!ctx.stream || !ctx.body) return { patch: null, clientWantsUsage: false };
  const path = ctx.endpoint.path;
  if (path !== '/chat/completions' && path !== '/completions') return { patch: null, clientWantsUsage: true };
  const so = ctx.body.stream_options as Record<string, unknown> | undefined;
  if (so && so.include_usage === true) return { patch: null, clientWantsUsage: true };
  return { patch: { stream_options: { ...(so ?? {}), include_usage: true } }, clientWantsUsage: false };
}

/** Send the error of the last failed attempt: the upstream's own body when it answered. */
function sendFailure(ctx: RequestContext, last: Extract<AttemptOutcome, { kind: 'failed' }> | null, fallback: GatewayError): void {
  if (last?.status && last.body) {
    ctx.status = last.status;
    ctx.error = last.error.message;
    const headers: Record<string, string> = { 'content-type': last.contentType ?? 'application/json', 'x-request-id': ctx.id, ...ctx.responseHeaders };
    if (last.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(last.retryAfterMs / 1000));
    ctx.res.send(last.status, headers, last.body);
    return;
  }
  throw last?.error ?? fallback;
}

/**
 * Stage: try the planned targets in order, each secret of a provider in rotation, until one
 * answers. Failover happens only before the first byte reaches the client; a request-caused
 * error (400, 404, 422, …) goes back as is.
 */
export async function forward(ctx: RequestContext, deps: ForwardDeps): Promise<void> {
  const plan = deps.router.plan(ctx);
  const { patch, clientWantsUsage } = usagePatch(ctx);
  let last: Extract<AttemptOutcome, { kind: 'failed' }> | null = null;
  ctx.tUpstreamStart = performance.now();
  outer: for (const target of plan) {
    const p = target.provider;
    for (const secretIndex of deps.secrets.order(p)) {
      if (ctx.attempts.length >= deps.maxAttempts || ctx.res.aborted) break outer;
      const secret = providerSecret(p, secretIndex);
      if (p.secrets.length > 0 && secret === undefined) continue; // env: ref unset on this pod
      const attempt: Attempt = { provider: p.name, model: target.model, secretIndex };
      ctx.attempts.push(attempt);
      if (deps.exposeSelection) {
        ctx.responseHeaders['x-gateway-provider'] = p.name;
        ctx.responseHeaders['x-gateway-upstream-model'] = target.model;
        ctx.responseHeaders['x-gateway-attempts'] = String(ctx.attempts.length);
      }
      const total = p.timeout_ms ?? deps.defaultTimeoutMs;
      const outcome = await runAttempt(ctx, deps.agents.for(p), {
        target,
        request: buildUpstreamRequest(ctx, target, secret, patch),
        timeouts: { firstByteMs: p.first_byte_timeout_ms ?? total, idleMs: p.idle_timeout_ms ?? total, totalMs: total },
        clientWantsUsage,
        secrets: p.secrets,
        onHeaders: (status) => {
          attempt.status = status;
          attempt.ttfbMs = performance.now() - ctx.t0;
        },
      });
      if (outcome.kind === 'relayed') {
        ctx.served = target;
        return;
      }
      attempt.error = outcome.error.message;
      if (outcome.status) attempt.status = outcome.status;
      last = outcome;
      if (!outcome.error.retryable) break outer;
      // A secret refused (401/403) → next secret of the same provider; anything else → next target.
      if (outcome.status !== 401 && outcome.status !== 403) continue outer;
    }
  }
  if (ctx.res.aborted) return;
  sendFailure(ctx, last, Errors.noTarget(ctx.publicModel));
}
