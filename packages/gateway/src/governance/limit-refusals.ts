import type { ApiKey } from '@llmgw/core';
import { Errors, type GatewayError } from '../errors/catalog.js';
import { formatResetDuration, retryAfterHeaders, setRateLimitHeaders } from './rate-limit-headers.js';

// The 429s of the admission script's refusals, in OpenAI's words and headers.

/**
 * A refusal over rpm, tpm or concurrency (`kind` as the script says it: requests, tokens,
 * too_large, concurrency), with `Retry-After` and the rate-limit headers of the limit hit.
 */
export function rateLimitRefusal(key: ApiKey, kind: string, retryMs: number, used: number, requested: number): GatewayError {
  const wait = formatResetDuration(retryMs);
  const headers: Record<string, string> = kind === 'too_large' ? {} : retryAfterHeaders(retryMs);
  if (kind === 'requests') {
    setRateLimitHeaders(headers, { limit: key.rpm!, remaining: 0, resetMs: retryMs }, null);
    return Errors.rateLimited('requests', `Rate limit reached for requests per min (RPM) on this key: Limit ${key.rpm}, Used ${used}, Requested 1. Please try again in ${wait}.`, headers);
  }
  if (kind === 'concurrency') {
    return Errors.rateLimited('requests', `Too many concurrent requests on this key: Limit ${key.max_concurrency}, In flight ${used}. Please try again when one of them finishes.`, headers);
  }
  if (kind === 'too_large') {
    return Errors.rateLimited('tokens', `Request too large for tokens per min (TPM) on this key: Limit ${key.tpm}, Requested ${requested}. The input or max_tokens must be reduced in order to run successfully.`, headers);
  }
  setRateLimitHeaders(headers, null, { limit: key.tpm!, remaining: Math.max(0, key.tpm! - used), resetMs: retryMs });
  return Errors.rateLimited('tokens', `Rate limit reached for tokens per min (TPM) on this key: Limit ${key.tpm}, Used ${used}, Requested ${requested}. Please try again in ${wait}.`, headers);
}

/**
 * A refusal over a budget (amounts in micro-USD as the script says them): spent already
 * (`held` < 0), or this request's reservation does not fit what is left besides `held`.
 */
export function budgetRefusal(key: ApiKey, period: 'daily' | 'monthly', spent: number, held: number, need: number): GatewayError {
  if (held < 0) return Errors.insufficientQuota(period);
  const budget = (period === 'daily' ? key.budget_daily : key.budget_monthly) ?? 0;
  return Errors.budgetTooSmall(period, need / 1e6, Math.max(0, budget - spent / 1e6), held / 1e6);
}
