import { randomBytes } from 'node:crypto';
import { costOf, type ApiKey, type RedisClient, type UsageEvent } from '@llmgw/core';
import { Errors, GatewayError } from '../errors/catalog.js';
import type { Logger } from '../logger.js';
import type { RequestContext, Usage } from '../request-context.js';
import type { GatewayStats } from '../stats.js';
import { tokenizer } from '../tokenizer.js';
import { admissionPromptTokens, completionCap, promptForCount } from './estimate-tokens.js';
import { defineGovernanceCommands } from './limit-scripts.js';
import { hasLimits, KeyLimiter, type Admission, type LimiterOptions } from './limits.js';
import { OutputCapture } from './output-capture.js';
import { RedisTurn } from './redis-turn.js';
import { pricedTargets, targetPrice, type UnpricedPolicy } from './target-prices.js';
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
  /** Completion tokens reserved for a request without max_tokens, unless its model sets its own. */
  reserveOutputTokens?: number;
  /** A key with a budget asking for a model with no price: refuse (default) or serve at cost 0. */
  unpricedModels?: UnpricedPolicy;
  /** How long usage rollup buckets are kept after they end (seconds), hours and days; null: no rollups. */
  usageRollupTtl?: { hourS: number; dayS: number } | null;
}

/** The `admit` stage and the end-of-request accounting, built once at boot. */
export interface Governance {
  /** Stage, right after authentication: this request's usage is recorded when it is over, refused or served. */
  account(ctx: RequestContext): void;
  /** Stage: limits and budgets of the key (reserving the request's cost). Sync for unlimited keys. */
  admit(ctx: RequestContext): Promise<void> | void;
  /** An MCP tool call: the key's tool-call limit (`mcp_rpm`), then `admit` (rpm, concurrency, budgets). */
  admitToolCall(ctx: RequestContext): Promise<void> | void;
  /** Write buffered usage (shutdown calls it before closing Redis). */
  flush(): Promise<boolean>;
  close(): void;
  readonly recorder: UsageRecorder | null;
}

/** What governance keeps of one request (`ctx.accounting`). */
interface Accounting {
  /** Admission passed (limits taken, or none to take): its usage is billed. */
  admitted: boolean;
  adm: Admission | null;
  capture: OutputCapture | null;
}

const DEFAULT_RESERVE_OUTPUT_TOKENS = 4096;

/** Did an upstream start answering 2xx (so tokens were processed and may be billed)? */
function upstreamAnswered(ctx: RequestContext): boolean {
  for (const a of ctx.attempts) if (a.status !== undefined && a.status < 300) return true;
  return false;
}

function hasBudget(k: ApiKey): boolean {
  return k.budget_daily !== undefined || k.budget_monthly !== undefined;
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

const countPrompt = (text: string) => tokenizer.count([text]).then((c) => c[0]!);

export function createGovernance(redis: RedisClient, o: GovernanceOptions, stats: GatewayStats, log: Logger): Governance {
  const r = defineGovernanceCommands(redis);
  // Names this process in Redis (lease members, exactly-once marks): unique across pods and restarts.
  const pod = o.pod ?? randomBytes(9).toString('base64url');
  // Admissions, releases and usage of one event-loop turn go to Redis in one write.
  const turn = new RedisTurn(r);
  const recorder = o.usageEnabled ? new UsageRecorder(r, turn, { pod, bufferMax: o.usageBufferMax, streamMaxLen: o.usageStreamMaxLen, retryMs: o.usageRetryMs, flushMs: o.usageFlushMs ?? 0, rollupTtl: o.usageRollupTtl }, stats, log) : null;
  const limiter = new KeyLimiter(r, turn, { ...o, pod, ...(recorder ? { usageWritten: () => recorder.written() } : {}) }, stats, log);
  const defaultReserve = o.reserveOutputTokens ?? DEFAULT_RESERVE_OUTPUT_TOKENS;
  const unpricedPolicy = o.unpricedModels ?? 'refuse';
  // Budgets are counted from recorded spend: without usage there is nothing to reserve against.
  const reserving = recorder !== null;

  function usageEvent(ctx: RequestContext, usage: Usage | null, cost: number): UsageEvent {
    const key = ctx.key!;
    const served = ctx.served;
    return {
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
      ts: Date.now(),
      cache_write_tokens: usage?.cacheWriteTokens ?? 0,
      cache_write_1h_tokens: usage?.cacheWrite1hTokens ?? 0,
      ...(ctx.endpoint.kind === 'mcp' ? { kind: 'mcp' as const, bytes: ctx.responseBytes ?? 0 } : {}),
    };
  }

  function bill(ctx: RequestContext, usage: Usage | null, adm: Admission | null, slotReleased: boolean): void {
    const price = ctx.served && ctx.model ? targetPrice(ctx.model, ctx.served) : null;
    const cost = usage ? costOf(price, { prompt: usage.promptTokens, completion: usage.completionTokens, cached: usage.cachedTokens, cacheWrite: usage.cacheWriteTokens, cacheWrite1h: usage.cacheWrite1hTokens }) : 0;
    ctx.costUsd = cost;
    if (adm) limiter.release(adm, usage ? usage.promptTokens + usage.completionTokens : 0, !slotReleased);
    const reservation = adm ? limiter.billed(adm) : '';
    if (!recorder) return;
    const event = usageEvent(ctx, usage, cost);
    const { day, month } = utcPeriod(event.ts);
    // The spend replaces the request's budget reservation (or its lease's, see leases.ts) in the same script call.
    recorder.record(reservation ? { event, day, month, reservation } : { event, day, month });
  }

  /** Refused before admission passed (bad body, unknown or forbidden model, limits, budget): in the stream at zero cost, no spend. */
  function recordRefused(ctx: RequestContext): void {
    ctx.costUsd = 0;
    if (!recorder) return;
    const event = usageEvent(ctx, null, 0);
    const { day, month } = utcPeriod(event.ts);
    recorder.record({ event, day, month, spend: false });
  }

  /** Estimates waiting for the tokenizer; flush() waits for them. */
  const estimating = new Set<Promise<void>>();
  let warned = false;
  const onTokenizerError = (e: Error) => {
    if (!warned) log.warn({ err: e.message }, 'gpt-tokenizer is not available; usage estimates fall back to chars/4');
    warned = true;
  };

  /** The accounting hook of every authenticated request (one function, state on the context). */
  function onFinish(ctx: RequestContext): void {
    const st = ctx.accounting as Accounting;
    if (!st.admitted) return recordRefused(ctx);
    const { adm, capture } = st;
    if (!ctx.usage && ctx.endpoint.tokens && upstreamAnswered(ctx)) {
      // No usage from the upstream: counted off the event loop. Free the slot now, bill after.
      if (adm) limiter.release(adm, null);
      const pending = estimateUsage(ctx, capture, onTokenizerError)
        .then((u) => {
          ctx.usage = u;
          bill(ctx, u, adm, true);
        })
        .catch((e: unknown) => accountingFailed(ctx, adm, e));
      estimating.add(pending);
      void pending.finally(() => estimating.delete(pending));
      return;
    }
    bill(ctx, ctx.usage, adm, false);
  }

  /**
   * An estimate or its accounting threw after the request was over. Not retried: bill()
   * may have done part of its work (tpm reconciled, usage queued), and running it again
   * would count that twice. The slot was released before the estimate, so nothing is held;
   * this request's usage is lost (its reservation runs out with its lease), which the log
   * and the counter say.
   */
  function accountingFailed(ctx: RequestContext, adm: Admission | null, e: unknown): void {
    stats.usageAccountingErrors++;
    if (adm) limiter.forget(adm);
    ctx.log.warn({ reqId: ctx.id, err: e instanceof Error ? e.message : String(e) }, 'usage accounting failed after the request; its usage is not recorded');
  }

  function admitted(ctx: RequestContext, adm: Admission | null): void {
    const st = ctx.accounting as Accounting;
    st.admitted = true;
    st.adm = adm;
    // Created on the first output the relay hands over: most upstreams report usage, and then none comes.
    if (ctx.endpoint.tokens) ctx.onOutput = (data) => (st.capture ??= new OutputCapture()).push(data);
  }

  /** An admission answered at once (from the key's lease) goes on without a promise; one Redis decides is awaited. */
  function settleAdmission(ctx: RequestContext, a: Admission | Promise<Admission | null>): Promise<void> | void {
    if (a instanceof Promise) return a.then((adm) => admitted(ctx, adm));
    admitted(ctx, a);
  }

  let unpricedWarnedAt = 0;
  function warnUnpriced(ctx: RequestContext, unpriced: NonNullable<ReturnType<typeof pricedTargets>['unpriced']>): void {
    stats.unpricedServed++;
    const now = Date.now();
    if (now - unpricedWarnedAt < 60_000) return;
    unpricedWarnedAt = now;
    log.warn(
      { model: ctx.publicModel, targets: unpriced.map((t) => `${t.provider.name}/${t.model}`) },
      'serving a model with no price to a key with a budget (GW_UNPRICED_MODELS=serve): its spend counts as 0; set a price with gwctl model price',
    );
  }

  /**
   * The request's reservation: tokens for the tpm window, USD for the budgets — its prompt (see
   * admissionPromptTokens) plus its completion cap, or the model's default reservation, priced
   * at the dearest target it may be sent to (the prompt at the dearer of input and cache write).
   */
  function reserve(ctx: RequestContext, key: ApiKey, prompt: number): { tokens: number; usd: number } {
    const cap = completionCap(ctx.body);
    const output = cap > 0 ? cap : (ctx.model?.reserve_output_tokens ?? defaultReserve);
    let tokens = prompt + output;
    // A default reservation never makes a request too large for the tpm limit on its own.
    if (cap === 0 && key.tpm !== undefined && prompt <= key.tpm) tokens = Math.min(tokens, key.tpm);
    let usd = 0;
    if (reserving && hasBudget(key) && ctx.model) {
      for (const t of ctx.targets) {
        const price = targetPrice(ctx.model, t);
        // The whole prompt could be a cache write (dearer than plain input at Anthropic), of either TTL.
        const asWrite = (write1h: number) => costOf(price, { prompt, completion: output, cacheWrite: prompt, cacheWrite1h: write1h });
        usd = Math.max(usd, costOf(price, { prompt, completion: output }), asWrite(0), asWrite(prompt));
      }
    }
    return { tokens, usd };
  }

  // The tool-call window of a key is a window of its own: the key's record with the tool-call
  // limit as its rpm and nothing else, under its own id (one per key record, like admissions).
  const toolCallKeys = new WeakMap<ApiKey, ApiKey>();
  function toolCallKey(key: ApiKey): ApiKey {
    let k = toolCallKeys.get(key);
    if (!k) {
      k = { ...key, id: `${key.id}.mcp`, rpm: key.mcp_rpm, tpm: undefined, max_concurrency: undefined, budget_daily: undefined, budget_monthly: undefined };
      toolCallKeys.set(key, k);
    }
    return k;
  }

  const api: Governance = {
    recorder,
    admitToolCall(ctx) {
      const key = ctx.key!;
      if (key.mcp_rpm === undefined) return api.admit(ctx);
      // Taken first: it holds nothing to give back when the key's own limits then refuse.
      return Promise.resolve(limiter.admit(toolCallKey(key), 0, {})).then(
        () => api.admit(ctx),
        (e: unknown) => {
          if (e instanceof GatewayError && e.status === 429) throw Errors.rateLimited('requests', `Rate limit reached for MCP tool calls per min on this key: Limit ${key.mcp_rpm}. ${e.message.replace(/^.*?(Please try again)/, '$1')}`, e.headers);
          throw e;
        },
      );
    },
    account(ctx) {
      ctx.accounting = { admitted: false, adm: null, capture: null } as Accounting;
      ctx.onFinish.push(onFinish);
    },
    admit(ctx) {
      const key = ctx.key!;
      if (reserving && hasBudget(key) && ctx.model) {
        const r = pricedTargets(ctx.model, ctx.publicModel, ctx.targets, unpricedPolicy);
        ctx.targets = r.targets;
        if (r.unpriced) warnUnpriced(ctx, r.unpriced);
      }
      if (!hasLimits(key)) return admitted(ctx, null); // zero Redis cost for unlimited keys: no script
      if (key.tpm === undefined && !(reserving && hasBudget(key))) return settleAdmission(ctx, limiter.admit(key, 0, ctx.responseHeaders));
      const take = (prompt: number) => {
        const { tokens, usd } = reserve(ctx, key, prompt);
        return settleAdmission(ctx, limiter.admit(key, tokens, ctx.responseHeaders, usd));
      };
      const prompt = admissionPromptTokens(ctx.body, countPrompt, key.tpm);
      return typeof prompt === 'number' ? take(prompt) : prompt.then(take);
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
  return api;
}
