import { randomBytes } from 'node:crypto';
import type { RedisClient, UsageEvent } from '@llmgw/core';
import type { Logger } from '../logger.js';
import type { RequestContext, Usage } from '../pipeline/context.js';
import type { GatewayStats } from '../stats.js';
import { tokenizer } from '../tokenizer.js';
import { estimateRequestTokens, promptForCount, TOKEN_ENDPOINTS } from './estimate-tokens.js';
import { defineGovernanceCommands } from './limit-scripts.js';
import { hasLimits, KeyLimiter, type Admission, type LimiterOptions } from './limits.js';
import { OutputCapture } from './output-capture.js';
import { RedisTurn } from './redis-turn.js';
import { computeCost } from './pricing.js';
import { UsageRecorder } from './usage-recorder.js';
import { utcPeriod } from './utc-period.js';

export interface GovernanceOptions extends LimiterOptions {
  /** Record usage events and spend counters (budgets need them). */
  usageEnabled: boolean;
  usageBufferMax: number;
  usageStreamMaxLen: number;
  usageRetryMs: number;
  /** Longest wait before usage is written (0 = end of the turn). */
  usageFlushMs?: number;
}

/** The `admit` stage and the end-of-request accounting, built once at boot. */
export interface Governance {
  /** Stage: limits and budgets of the key; registers the accounting hook. Sync for unlimited keys. */
  admit(ctx: RequestContext): Promise<void> | void;
  /** Write buffered usage (shutdown calls it before closing Redis). */
  flush(): Promise<boolean>;
  close(): void;
  readonly recorder: UsageRecorder | null;
}

/** Did an upstream start answering 2xx (so tokens were processed and may be billed)? */
function upstreamAnswered(ctx: RequestContext): boolean {
  for (const a of ctx.attempts) if (a.status !== undefined && a.status < 300) return true;
  return false;
}

/** Usage counted with the tokenizer (in its worker), or chars/4 when it cannot load. */
async function estimateUsage(ctx: RequestContext, capture: OutputCapture | null, onError: (e: Error) => void): Promise<Usage> {
  const prompt = promptForCount(ctx.body);
  const output = capture ? capture.text : '';
  const overflow = capture ? capture.overflowTokens : 0;
  const counts = await tokenizer.count([prompt.text, output]).catch((e: Error) => {
    onError(e);
    return [Math.ceil(prompt.text.length / 4), Math.ceil(output.length / 4)];
  });
  return { promptTokens: counts[0]! + prompt.overhead, completionTokens: counts[1]! + overflow, cachedTokens: 0, estimated: true };
}

export function createGovernance(redis: RedisClient, o: GovernanceOptions, stats: GatewayStats, log: Logger): Governance {
  const r = defineGovernanceCommands(redis);
  // Names this process in Redis (lease members, exactly-once marks): unique across pods and restarts.
  const pod = o.pod ?? randomBytes(9).toString('base64url');
  // Admissions, releases and usage of one event-loop turn go to Redis in one write.
  const turn = new RedisTurn(r);
  const limiter = new KeyLimiter(r, turn, { ...o, pod }, stats, log);
  const recorder = o.usageEnabled ? new UsageRecorder(r, turn, { pod, bufferMax: o.usageBufferMax, streamMaxLen: o.usageStreamMaxLen, retryMs: o.usageRetryMs, flushMs: o.usageFlushMs ?? 0 }, stats, log) : null;

  function account(ctx: RequestContext, usage: Usage | null, adm: Admission | null, slotReleased: boolean): void {
    const cost = computeCost(ctx.model, usage);
    ctx.costUsd = cost;
    if (adm) limiter.release(adm, usage ? usage.promptTokens + usage.completionTokens : 0, !slotReleased);
    if (!recorder) return;
    const key = ctx.key!;
    const served = ctx.served;
    const now = Date.now();
    const event: UsageEvent = {
      id: ctx.id,
      key_id: key.id,
      key_name: key.name,
      model: ctx.publicModel,
      provider: served?.provider.name ?? ctx.attempts.at(-1)?.provider ?? '',
      upstream_model: served?.model ?? ctx.attempts.at(-1)?.model ?? '',
      endpoint: ctx.endpoint.path,
      prompt_tokens: usage?.promptTokens ?? 0,
      completion_tokens: usage?.completionTokens ?? 0,
      cached_tokens: usage?.cachedTokens ?? 0,
      estimated: usage?.estimated ?? false,
      cost_usd: cost,
      latency_ms: Math.round(ctx.tEnd - ctx.t0),
      ttfb_ms: ctx.tFirstByte > 0 ? Math.round(ctx.tFirstByte - ctx.t0) : 0,
      status: ctx.status || (ctx.clientAborted ? 499 : 0),
      attempts: ctx.attempts.length,
      stream: ctx.stream,
      aborted: ctx.clientAborted,
      error: ctx.errorCode ?? (ctx.clientAborted ? 'client_aborted' : ''),
      ts: now,
    };
    const { day, month } = utcPeriod(now);
    recorder.record({ event, day, month });
  }

  /** Estimates waiting for the tokenizer; flush() waits for them. */
  const estimating = new Set<Promise<void>>();
  let warned = false;
  const onTokenizerError = (e: Error) => {
    if (!warned) log.warn({ err: e.message }, 'gpt-tokenizer is not available; usage estimates fall back to chars/4');
    warned = true;
  };

  function onFinish(ctx: RequestContext, adm: Admission | null, capture: OutputCapture | null): void {
    if (!ctx.usage && TOKEN_ENDPOINTS.has(ctx.endpoint.path) && upstreamAnswered(ctx)) {
      // No usage from the upstream: counted off the event loop. Free the slot now, bill after.
      if (adm) limiter.release(adm, null);
      const pending = estimateUsage(ctx, capture, onTokenizerError)
        .then((u) => finishEstimated(ctx, u, adm))
        .catch((e: unknown) => accountingFailed(ctx, e));
      estimating.add(pending);
      void pending.finally(() => estimating.delete(pending));
      return;
    }
    account(ctx, ctx.usage, adm, false);
  }

  function finishEstimated(ctx: RequestContext, usage: Usage, adm: Admission | null): void {
    ctx.usage = usage;
    account(ctx, usage, adm, true);
  }

  /**
   * An estimate or its accounting threw after the request was over. Not retried: account()
   * may have done part of its work (tpm reconciled, usage queued), and running it again
   * would count that twice. The slot was released before the estimate, so nothing is held;
   * this request's usage is lost, which the log and the counter say.
   */
  function accountingFailed(ctx: RequestContext, e: unknown): void {
    stats.usageAccountingErrors++;
    ctx.log.warn({ reqId: ctx.id, err: e instanceof Error ? e.message : String(e) }, 'usage accounting failed after the request; its usage is not recorded');
  }

  function attach(ctx: RequestContext, adm: Admission | null): void {
    let capture: OutputCapture | null = null;
    // Created on the first output the relay hands over: most upstreams report usage, and then none comes.
    if (TOKEN_ENDPOINTS.has(ctx.endpoint.path)) ctx.onOutput = (data) => (capture ??= new OutputCapture()).push(data);
    ctx.onFinish.push((c) => onFinish(c, adm, capture));
  }

  return {
    recorder,
    admit(ctx) {
      const key = ctx.key!;
      if (!hasLimits(key)) {
        if (recorder) attach(ctx, null); // zero Redis cost for unlimited keys: no script
        return;
      }
      return limiter.admit(key, key.tpm !== undefined ? estimateRequestTokens(ctx.body) : 0, ctx.responseHeaders).then((adm) => attach(ctx, adm));
    },
    async flush() {
      await Promise.all(estimating);
      return recorder ? recorder.flush() : true;
    },
    close: () => {
      limiter.close();
      recorder?.close();
    },
  };
}
