import { Command } from 'commander';
import type { Provider } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { UserError } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { callUpstream, modelsPath, NoAnswerError, parseModelIds, pickSecret, scrub, upstreamMessage, type UpstreamReply } from './list-upstream-models.js';
import { parseSecretNumber } from './reset.js';
import { mustGetProvider } from './show.js';

interface ProviderTestOptions {
  name: string;
  /** Upstream model for the completion (default: the first bound to the provider, else the first it declares). */
  model?: string;
  /** 1-based secret number (default: the first that resolves in this shell). */
  secret?: number;
  timeoutMs?: number;
  json?: boolean;
}

/** What is wrong, in one word; `ok` when nothing is. */
type Verdict = 'ok' | 'secret_unset' | 'unreachable' | 'tls' | 'timeout' | 'bad_secret' | 'base_url' | 'unknown_model' | 'refused' | 'upstream_error';

interface ProviderTestReport {
  provider: string;
  ok: boolean;
  verdict: Verdict;
  /** The one-line verdict, as printed. */
  message: string;
  base_url: string;
  model: string | null;
  /** The secret used, by number (never its value). */
  secret: number | null;
  checks: Array<{ check: 'models' | 'completion'; url: string; status: number | null; ms: number | null; detail: string | null }>;
}

type Check = ProviderTestReport['checks'][number];

/** The model to try: the option, else the first bound to the provider, else the first it declares. */
async function modelToTry(ctx: Context, p: Provider, asked?: string): Promise<string | null> {
  if (asked) return asked;
  const bound = (await ctx.registry.modelsBoundTo(p.name)).flatMap((m) => m.targets.filter((t) => t.provider === p.name).map((t) => t.model));
  return bound[0] ?? p.models[0] ?? null;
}

/** The 1-token request in the provider's own API; `tokensParam` for models that refuse `max_tokens`. */
function completion(p: Provider, model: string, tokensParam = 'max_tokens'): { path: string; body: Record<string, unknown> } {
  if (p.type === 'gemini') {
    const name = model.includes('/') ? model : `models/${model}`;
    return { path: `/${name}:generateContent`, body: { contents: [{ role: 'user', parts: [{ text: 'ping' }] }], generationConfig: { maxOutputTokens: 1 } } };
  }
  const body = { model, [tokensParam]: 1, messages: [{ role: 'user', content: 'ping' }] };
  return { path: p.type === 'anthropic' ? '/messages' : '/chat/completions', body };
}

/** OpenAI's newer models refuse `max_tokens` by name (`param`), asking for `max_completion_tokens`. */
function refusesMaxTokens(r: UpstreamReply): boolean {
  if (r.status !== 400) return false;
  try {
    return (JSON.parse(r.text) as { error?: { param?: unknown } }).error?.param === 'max_tokens';
  } catch {
    return false;
  }
}

const ok2xx = (r: UpstreamReply) => r.status >= 200 && r.status < 300;
/** The version segment a base URL ends with: `/v1beta` for Gemini, `/v1` for the others. */
const versionPath = (p: Provider) => (p.type === 'gemini' ? '/v1beta' : '/v1');
const lacksVersion = (p: Provider) => !(p.type === 'gemini' ? /\/v1(beta)?\/?$/ : /\/v1\/?$/).test(new URL(p.base_url).pathname);
/** Gemini refuses a key it does not know with a 400 whose reason is API_KEY_INVALID, not a 401. */
const refusedKey = (p: Provider, r: UpstreamReply) => r.status === 401 || r.status === 403 || (p.type === 'gemini' && r.status === 400 && r.text.includes('"API_KEY_INVALID"'));

function noAnswer(e: NoAnswerError): [Verdict, string] {
  if (e.kind === 'tls') return ['tls', `TLS failure talking to ${e.url} (${e.why})`];
  if (e.kind === 'timeout') return ['timeout', `${e.url}: ${e.why}`];
  return ['unreachable', `unreachable: cannot connect to ${e.url} (${e.why})`];
}

/** The verdict of an HTTP error answer of either call. */
function httpError(p: Provider, r: UpstreamReply, models: UpstreamReply | null, model: string | null, secretNo: number | null): [Verdict, string] {
  const said = upstreamMessage(r.text);
  if (refusedKey(p, r)) {
    return ['bad_secret', `${r.status} from ${r.url}: the upstream refused ${secretNo ? `secret #${secretNo}` : 'the request without a secret'} (wrong, revoked or without access)`];
  }
  if (r.status === 404 && (!models || !ok2xx(models))) {
    const hint = lacksVersion(p) ? `the base URL probably lacks ${versionPath(p)} (try ${p.base_url.replace(/\/+$/, '')}${versionPath(p)})` : 'the base URL looks wrong';
    return ['base_url', `404 from ${r.url}: ${hint}`];
  }
  if (r.status === 404) return ['unknown_model', `unknown model ${model}: ${r.url} answered 404 for it while GET /models works${said ? ` (${said})` : ''}`];
  if (r.status === 429 || r.status >= 500) return ['upstream_error', `${r.status} from ${r.url}${said ? `: ${said}` : ''}`];
  return ['refused', `the 1-token test completion with ${model} was refused: ${r.status} from ${r.url}${said ? `: ${said}` : ''}`];
}

function modelIds(r: UpstreamReply): string[] | null {
  try {
    return parseModelIds(r);
  } catch {
    return null;
  }
}

/** Run the two calls with `secret`; every failure becomes a verdict, never a thrown error. */
async function runChecks(p: Provider, secret: string | undefined, o: ProviderTestOptions, report: ProviderTestReport): Promise<[Verdict, string]> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const call = async (check: Check['check'], path: string, body?: unknown): Promise<UpstreamReply> => {
    try {
      const r = await callUpstream(p, secret, { method: body === undefined ? 'GET' : 'POST', path, body, timeoutMs });
      report.checks.push({ check, url: r.url, status: r.status, ms: r.ms, detail: ok2xx(r) ? null : upstreamMessage(r.text) || r.statusText });
      return r;
    } catch (e) {
      if (e instanceof NoAnswerError) report.checks.push({ check, url: e.url, status: null, ms: null, detail: e.why });
      throw e;
    }
  };
  try {
    const models = await call('models', modelsPath(p));
    if (refusedKey(p, models)) return httpError(p, models, models, null, report.secret);
    const ids = ok2xx(models) ? modelIds(models) : null;
    const model = report.model;
    if (!model) {
      if (!ok2xx(models)) return httpError(p, models, null, null, report.secret);
      return ['ok', `ok: GET /models answered in ${models.ms} ms (${ids?.length ?? 0} models); no model is bound or declared, so no completion was tried (use --model)`];
    }
    let req = completion(p, model);
    let r = await call('completion', req.path, req.body);
    if (refusesMaxTokens(r)) {
      req = completion(p, model, 'max_completion_tokens');
      r = await call('completion', req.path, req.body);
    }
    if (!ok2xx(r)) return httpError(p, r, models, model, report.secret);
    const listed = ids === null ? '' : ids.includes(model) ? `, listed among ${ids.length} models` : `; not in the ${ids.length} models GET /models lists`;
    return ['ok', `ok: ${model} answered a 1-token completion in ${r.ms} ms${listed}`];
  } catch (e) {
    if (e instanceof NoAnswerError) return noAnswer(e);
    throw e;
  }
}

/**
 * One real call to the provider from this machine: its models list, then a 1-token
 * completion with one of its models, and a one-line verdict of what is wrong. Exit code 0
 * only when it is ok. Secrets never appear in the output (upstream messages are scrubbed).
 */
async function providerTest(ctx: Context, o: ProviderTestOptions): Promise<void> {
  const p = await mustGetProvider(ctx, o.name);
  const report: ProviderTestReport = { provider: p.name, ok: false, verdict: 'ok', message: '', base_url: p.base_url, model: await modelToTry(ctx, p, o.model), secret: null, checks: [] };
  const picked = pickSecret(p, ctx.env, o.secret);
  let secret: string | undefined;
  let verdict: [Verdict, string];
  if (picked && 'unset' in picked) {
    verdict = ['secret_unset', `environment variable ${picked.unset.join(', ')} is unset in this shell: gwctl reads env: secrets from its own environment (export it to test; the pods read theirs)`];
  } else {
    secret = picked?.secret;
    report.secret = picked ? picked.index + 1 : null;
    verdict = await runChecks(p, secret, o, report);
  }
  report.ok = verdict[0] === 'ok';
  report.verdict = verdict[0];
  report.message = scrub(verdict[1], secret);
  report.checks = report.checks.map((c) => ({ ...c, detail: c.detail === null ? null : scrub(c.detail, secret) }));
  const line = `${p.name}: ${report.message}`;
  if (o.json) ctx.out.json(report);
  else if (report.ok) ctx.out.line(line);
  // A failed check is the user's to fix: one `error:` line on stderr, exit code 1.
  if (!report.ok) throw new UserError(line);
}

export function testCommand(run: Runner): Command {
  return new Command('test')
    .description('call the provider once from this machine (models list, 1-token completion) and say what is wrong')
    .argument('<name>', 'provider name')
    .option('--model <upstream-model>', 'upstream model for the completion (default: the first bound to the provider, else the first it declares)')
    .option('--secret <N>', 'use secret number N (#N in provider show); default: the first that resolves here', parseSecretNumber)
    .option('--timeout-ms <ms>', 'deadline of each call (default 15000)', parseInteger)
    .option('--json', 'machine-readable report (secrets never included)')
    .addHelpText(
      'after',
      `
Verdicts: ok, secret_unset, unreachable, tls, timeout, bad_secret (401/403; Gemini: 400 API_KEY_INVALID),
base_url (404: probably lacks /v1, /v1beta for Gemini), unknown_model, refused (400/422), upstream_error
(429, 5xx). Exit code 0 only for ok.
env:NAME secrets are read from this shell's environment, not the pods'.

Examples:
  gwctl provider test openai
  gwctl provider test azure --model gpt-4o-mini --secret 2 --json`,
    )
    .action((name: string, opts: Omit<ProviderTestOptions, 'name'>, c: Command) => run(c, (ctx) => providerTest(ctx, { ...opts, name })));
}
