import type { ApiKey } from '@llmgw/core';
import { summarize } from './provider.js';

/** `active`, `disabled`, or `expired` when active but past expires_at. */
function keyState(k: ApiKey, now: Date): string {
  if (k.status === 'active' && k.expires_at && Date.parse(k.expires_at) <= now.getTime()) return 'expired';
  return k.status;
}

function formatLimits(k: ApiKey): string {
  const parts = [k.rpm && `rpm ${k.rpm}`, k.tpm && `tpm ${k.tpm}`, k.max_concurrency && `conc ${k.max_concurrency}`].filter(Boolean);
  return parts.length ? parts.join(', ') : '-';
}

function formatBudgets(k: ApiKey): string {
  const parts = [
    k.budget_daily !== undefined && `$${k.budget_daily}/day`,
    k.budget_monthly !== undefined && `$${k.budget_monthly}/month`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : '-';
}

const day = (iso?: string) => (iso ? iso.slice(0, 10) : '-');

export const KEY_LIST_HEAD = ['name', 'id', 'prefix', 'status', 'models', 'providers', 'limits', 'budgets', 'expires', 'created'];

export function toKeyRow(k: ApiKey, now: Date): string[] {
  return [
    k.name,
    k.id,
    `${k.prefix}…`,
    keyState(k, now),
    summarize(k.models),
    k.providers.length ? summarize(k.providers) : 'all',
    formatLimits(k),
    formatBudgets(k),
    k.expires_at ? day(k.expires_at) : 'never',
    day(k.created_at),
  ];
}

export const KEY_WIDE_HEAD = ['name', 'id', 'prefix', 'status', 'models', 'providers', 'policy', 'limits', 'budgets', 'expires', 'created', 'updated'];

/** `-o wide`: every model and provider, the policy, and when it last changed. */
export function toKeyWideRow(k: ApiKey, now: Date): string[] {
  return [
    k.name,
    k.id,
    `${k.prefix}…`,
    keyState(k, now),
    k.models.join(', '),
    k.providers.length ? k.providers.join(', ') : 'all',
    k.policy ?? '-',
    formatLimits(k),
    formatBudgets(k),
    k.expires_at ?? 'never',
    k.created_at ?? '-',
    k.updated_at ?? '-',
  ];
}

/** A key as --json shows it: the record (hash included, never a raw key) plus its state. */
export function toKeyView(k: ApiKey, now: Date): ApiKey & { state: string } {
  return { ...k, state: keyState(k, now) };
}

export function toKeyFields(k: ApiKey, now: Date): Array<[string, string | number]> {
  return [
    ['name', k.name],
    ['id', k.id],
    ['prefix', `${k.prefix}…`],
    ['hash (sha256)', k.hash],
    ['status', keyState(k, now)],
    ['models', k.models.join(', ')],
    ['providers', k.providers.length ? k.providers.join(', ') : 'all'],
    ['policy', k.policy ?? '(model default)'],
    ['rpm', k.rpm ?? '-'],
    ['tpm', k.tpm ?? '-'],
    ['max_concurrency', k.max_concurrency ?? '-'],
    ['mcp_tools', k.mcp_tools.length ? k.mcp_tools.join(', ') : '(none)'],
    ['mcp_resources', k.mcp_resources.length ? k.mcp_resources.join(', ') : '(none)'],
    ['mcp_prompts', k.mcp_prompts.length ? k.mcp_prompts.join(', ') : '(none)'],
    ['mcp_rpm', k.mcp_rpm ?? '-'],
    ['budget_daily', k.budget_daily !== undefined ? `$${k.budget_daily}` : '-'],
    ['budget_monthly', k.budget_monthly !== undefined ? `$${k.budget_monthly}` : '-'],
    ['expires_at', k.expires_at ?? 'never'],
    ['created_at', k.created_at ?? '-'],
    ['updated_at', k.updated_at ?? '-'],
  ];
}
