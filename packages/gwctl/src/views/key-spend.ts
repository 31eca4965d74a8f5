import type { ApiKey, KeySpend } from '@llmgw/core';

const usd = (v: number) => `$${Number(v.toFixed(6))}`;
const remaining = (budget: number | undefined, spent: number) => (budget === undefined ? null : Math.max(0, Math.round((budget - spent) * 1e9) / 1e9));

/** A key's live spend, budgets left and limit usage, as `key show --json` prints it under `usage`. */
export function toKeySpendView(k: ApiKey, s: KeySpend) {
  return {
    day: s.day,
    month: s.month,
    today: s.today,
    this_month: s.thisMonth,
    budget_daily_remaining: remaining(k.budget_daily, s.today.cost_usd),
    budget_monthly_remaining: remaining(k.budget_monthly, s.thisMonth.cost_usd),
    requests_last_minute: s.requestsInWindow,
    tokens_last_minute: s.tokensInWindow,
    in_flight: s.inFlight,
    reserved_usd: Math.round(s.reservedUsd * 1e9) / 1e9,
  };
}

export function toKeySpendFields(k: ApiKey, s: KeySpend): Array<[string, string | number]> {
  const v = toKeySpendView(k, s);
  const of = (used: number, limit?: number) => (limit === undefined ? String(used) : `${used} / ${limit}`);
  return [
    [`spend today (${s.day} UTC)`, `${usd(s.today.cost_usd)} (${s.today.requests} requests, ${s.today.prompt_tokens}+${s.today.completion_tokens} tokens)`],
    [`spend this month (${s.month})`, `${usd(s.thisMonth.cost_usd)} (${s.thisMonth.requests} requests)`],
    ['budget_daily remaining', v.budget_daily_remaining === null ? '-' : usd(v.budget_daily_remaining)],
    ['budget_monthly remaining', v.budget_monthly_remaining === null ? '-' : usd(v.budget_monthly_remaining)],
    ['reserved by requests in flight', usd(v.reserved_usd)],
    ['requests, last minute', of(s.requestsInWindow, k.rpm)],
    ['tokens, last minute', of(s.tokensInWindow, k.tpm)],
    ['in flight', of(s.inFlight, k.max_concurrency)],
  ];
}
