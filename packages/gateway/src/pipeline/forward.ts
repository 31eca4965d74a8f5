import { PROVIDER_SUBJECT } from '@llmgw/core';
import { setTimeout as sleep } from 'node:timers/promises';
// The module's binding, not the global: `globalThis.performance` is an accessor, which every
// `performance.now()` through the global calls again (a LoadGlobalIC miss each time).
import { performance } from 'node:perf_hooks';
import { Errors, type GatewayError } from '../errors/catalog.js';
import { CandidateCursor, type Candidate } from '../routing/candidates.js';
import { classifyFailure, type FailureClass } from '../routing/classify-failure.js';
import { targetId } from '../routing/policy.js';
import type { Plan } from '../routing/router.js';
import type { Routing } from '../routing/routing.js';
import type { GatewayStats } from '../stats.js';
import { newSpanId } from '../observability/trace-context.js';
import { runAttempt, type AttemptOutcome } from '../relay/relay-attempt.js';
import { respondUpstreamError } from '../relay/respond.js';
import type { UpstreamAgents } from '../upstream/agents.js';
import { attemptTimeouts, type TimeoutDefaults } from '../upstream/attempt-timeouts.js';
import { buildUpstreamRequest } from '../upstream/build-request.js';
import type { Attempt, RequestContext, Target } from '../request-context.js';

export interface ForwardDeps {
  routing: Routing;
  agents: UpstreamAgents;
  /** Used where neither the model nor the provider sets a timeout. */
  timeouts: TimeoutDefaults;
  exposeSelection: boolean;
  stats: GatewayStats;
}

type Failed = Extract<AttemptOutcome, { kind: 'failed' }>;

/** Streams that may carry usage ask the upstream for it even when the client did not. */
function usagePatch(ctx: RequestContext): { patch: Record<string, unknown> | null; clientWantsUsage: boolean } {
  if (!ctx.stream || !ctx.body) return { patch: null, clientWantsUsage: false };
  const path = ctx.endpoint.path;
  if (path !== '/chat/completions' && path !== '/completions') return { patch: null, clientWantsUsage: true };
  const so = ctx.body.stream_options as Record<string, unknown> | undefined;
  if (so && so.include_usage === true) return { patch: null, clientWantsUsage: true };
  return { patch: { stream_options: { ...(so ?? {}), include_usage: true } }, clientWantsUsage: false };
}


/** One upstream call with one secret, relayed to the client when it answers well. */
async function attempt(ctx: RequestContext, deps: ForwardDeps, c: Candidate, patch: Record<string, unknown> | null, clientWantsUsage: boolean): Promise<AttemptOutcome> {
  const { target, secretIndex } = c;
  const p = target.provider;
  const { health, targets } = deps.routing;
  const started = performance.now();
  const record: Attempt = { provider: p.name, model: target.model, secretIndex, startedAt: started };
  if (ctx.trace) record.spanId = newSpanId();
  ctx.attempts.push(record);
  if (deps.exposeSelection) {
    ctx.responseHeaders['x-gateway-provider'] = p.name;
    ctx.responseHeaders['x-gateway-upstream-model'] = target.model;
    ctx.responseHeaders['x-gateway-attempts'] = String(ctx.attempts.length);
  }
  const id = targetId(target);
  const subjects = c.secretSubject ? [PROVIDER_SUBJECT, c.targetSubject, c.secretSubject] : [PROVIDER_SUBJECT, c.targetSubject];
  let answered = false; // 2xx headers came in
  let streaming = false; // counted in stats.openStreams while the relay runs
  targets.begin(id);
  try {
    const outcome = await runAttempt(ctx, deps.agents.for(p), {
      target,
      request: buildUpstreamRequest(ctx, target, c.secret, patch),
      timeouts: attemptTimeouts(ctx.model, p, deps.timeouts),
      clientWantsUsage,
      secrets: p.secrets,
      onHeaders: (status) => {
        const now = performance.now();
        record.status = status;
        record.ttfbMs = now - ctx.t0;
        if (status >= 400) return;
        if (ctx.stream && !streaming) {
          streaming = true;
          deps.stats.openStreams++;
        }
        // A good answer ends a cooldown (and a half-open probe) at once…
        answered = true;
        targets.observeTtfb(id, now - started);
        health.recover(p.name, subjects);
      },
      onClientPause: (paused) => {
        const transport = ctx.req.transport ?? 'http';
        if (paused) {
          deps.stats.clientPauses[transport]++;
          deps.stats.streamsPausedForClient[transport]++;
        } else deps.stats.streamsPausedForClient[transport]--;
      },
    });
    // …and clears the failures counted so far only once it also ended well. A client that
    // left says nothing either way; an upstream failure after the first byte is the caller's.
    if (answered && outcome.kind === 'relayed' && !outcome.failure && !ctx.clientAborted) health.succeed(p.name, subjects);
    const failure = outcome.kind === 'failed' ? outcome.error : outcome.failure;
    if (failure) record.error = failure.code ?? 'error';
    if (outcome.timeout) record.timeout = outcome.timeout;
    return outcome;
  } finally {
    record.endedAt = performance.now();
    targets.end(id);
    if (streaming) deps.stats.openStreams--;
  }
}

/** What a failed attempt says about health: the secret's, the target's or the provider's. */
function recordHealth(ctx: RequestContext, deps: ForwardDeps, c: Candidate, outcome: Failed): FailureClass {
  const cls = classifyFailure(outcome, { endpoint: ctx.endpoint, body: ctx.body, target: c.target });
  const provider = c.target.provider.name;
  const health = deps.routing.health;
  if (cls.scope === 'secret' && c.secretSubject) {
    health.fail(provider, c.secretSubject, cls.health, { provider, what: `secret #${c.secretIndex + 1}` });
  } else if (cls.scope === 'target') {
    health.fail(provider, c.targetSubject, cls.health, { provider, what: `model ${c.target.model}` });
  } else if (cls.scope === 'secret' || cls.scope === 'provider') {
    health.fail(provider, PROVIDER_SUBJECT, cls.health, { provider, what: 'provider' });
  } else if (cls.scope === 'final' && outcome.status !== undefined && outcome.status < 500) {
    // A request-caused 4xx still shows the provider and the model are there: it ends a half-open probe like a success.
    health.succeed(provider, [PROVIDER_SUBJECT, c.targetSubject]);
  }
  return cls;
}

/** The client's error when the gateway's configuration caused the failure (never the upstream's 404/401 body). */
function misconfiguredError(ctx: RequestContext, c: Candidate, cls: FailureClass): GatewayError | null {
  if ((cls.scope !== 'target' && cls.scope !== 'secret') || !cls.misconfigured) return null;
  const detail = cls.scope === 'secret' && c.secretSubject ? `secret #${c.secretIndex + 1}: ${cls.misconfigured}` : cls.misconfigured;
  return Errors.upstreamMisconfigured(ctx.publicModel, c.target.provider.name, detail);
}

function logDecision(ctx: RequestContext, plan: Plan, cursor: CandidateCursor, c: Candidate, why: string): void {
  const now = Date.now();
  ctx.log.info(
    {
      routing: {
        policy: plan.policy,
        order: plan.targets.map((t: Target) => `${t.provider.name}/${t.model}`),
        skipped: cursor.skipped.map((s) => ({ target: `${s.provider}/${s.model}`, what: s.what, state: s.state, forMs: Math.max(0, s.until - now) })),
        pick: { target: `${c.target.provider.name}/${c.target.model}`, secretNo: c.secretIndex + 1, how: c.why },
        attempt: ctx.attempts.length + 1,
        why,
      },
    },
    'routing decision',
  );
}

/**
 * Stage: try the planned targets in order, each provider's secrets in rotation, until one
 * answers. Failover happens only before the first byte reaches the client (runAttempt
 * reports `failed` only then); an upstream failure after it still counts towards the
 * provider's cooldown. A request-caused error (400, 422, …) goes back as is; an upstream
 * 404/401/403 is the target's misconfiguration (routing/misconfiguration.ts): failover, and
 * when it was the last failure the client gets `upstream_misconfigured` instead.
 * Bounded by GW_MAX_ATTEMPTS and GW_RETRY_DEADLINE_MS; a short Retry-After is waited out
 * when nothing else is healthy.
 */
export async function forward(ctx: RequestContext, deps: ForwardDeps): Promise<void> {
  const { routing, stats } = deps;
  const { maxAttempts, deadlineMs, retryAfterMaxMs, debug } = routing.retry;
  const pending = routing.health.watch(ctx.targets.map((t) => t.provider.name));
  if (pending) await pending;
  const plan = routing.router.plan(ctx);
  const cursor = new CandidateCursor(plan.targets, routing.health, routing.rotation, { endpoint: ctx.endpoint, secrets: routing.secrets });
  const { patch, clientWantsUsage } = usagePatch(ctx);
  const deadline = ctx.t0 + deadlineMs;
  let last: Failed | null = null;
  let misconfigured: GatewayError | null = null;
  // Why the candidate was picked, for GW_DEBUG's routing decision; null: the first in policy order (built only when logged).
  let why: string | null = null;
  ctx.tUpstreamStart = performance.now();

  const first = cursor.next('target');
  let c = first instanceof Promise ? await first : first;
  let prev: Candidate | null = null;
  while (c && !ctx.res.aborted) {
    if (prev) {
      stats.failovers++;
      if (prev.target === c.target) stats.retries++;
    }
    if (debug) logDecision(ctx, plan, cursor, c, why ?? `first in ${plan.policy} order`);
    const outcome = await attempt(ctx, deps, c, patch, clientWantsUsage);
    if (outcome.kind === 'relayed') {
      ctx.served = c.target;
      // Failed after the first byte: too late to fail over, not too late to count against the provider.
      if (outcome.failure) recordHealth(ctx, deps, c, { kind: 'failed', error: outcome.failure });
      return;
    }
    last = outcome;
    const cls = recordHealth(ctx, deps, c, outcome);
    misconfigured = misconfiguredError(ctx, c, cls);
    if (cls.scope === 'final' || ctx.attempts.length >= maxAttempts || performance.now() >= deadline || ctx.res.aborted) break;
    prev = c;
    why = `${outcome.status ?? outcome.error.code} from ${c.target.provider.name} secret #${c.secretIndex + 1}`;
    c = await cursor.next(cls.scope === 'secret' ? 'secret' : 'target');
    const ra = outcome.retryAfterMs;
    if (!c && ra !== undefined && ra <= retryAfterMaxMs && performance.now() + ra < deadline) {
      // Nothing else is healthy and the upstream asked for a short pause: wait it out and retry.
      await sleep(ra);
      c = prev;
      why += `, nothing else healthy: retried after Retry-After ${ra} ms`;
    }
  }
  if (ctx.res.aborted) return;
  if (misconfigured) throw misconfigured;
  // The upstream's own error answer when it gave one; else why nothing could be tried.
  if (last?.status && last.body) return respondUpstreamError(ctx, { ...last, status: last.status, body: last.body });
  throw last?.error ?? ((!last && routing.secrets.nothingUsable(ctx.targets, ctx.publicModel)) || Errors.noTarget(ctx.publicModel));
}
