import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Registry, type ApiKey } from '@llmgw/core';
import { Redis } from 'ioredis';
import { loadConfig } from '../../packages/gateway/src/config.js';
import { startGateway, type RunningGateway } from '../../packages/gateway/src/gateway.js';
import { workerRedisUrl } from './redis.js';

/** Log lines captured in memory so a test can assert on them (and on redaction). */
class LogSink extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  json(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestGateway {
  gw: RunningGateway;
  url: string;
  /** `http://127.0.0.1:PORT/v1`, for the OpenAI SDK's baseURL. */
  baseURL: string;
  logs: LogSink;
  close(): Promise<void>;
}

/**
 * An in-process gateway on port 0 against this worker's Redis database. `env` overrides
 * any configuration variable; the rev poll is fast so registry changes show up quickly.
 * `secretEnv` is the environment its `env:` provider secrets are read from (default process.env).
 */
export async function startTestGateway(env: Record<string, string> = {}, opts: { secretEnv?: NodeJS.ProcessEnv } = {}): Promise<TestGateway> {
  const logs = new LogSink();
  const config = loadConfig({ REDIS_URL: workerRedisUrl(), GW_PORT: '0', GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_REV_POLL_MS: '200', ...env });
  const gw = await startGateway(config, { logDestination: logs, ...opts });
  const url = `http://127.0.0.1:${gw.port}`;
  return { gw, url, baseURL: `${url}/v1`, logs, close: async () => void (await gw.shutdown(2000)) };
}

/** The access log line of the last finished request on `endpoint` (written just after the response). */
export async function lastAccessLine(t: TestGateway, endpoint: string): Promise<Record<string, any>> {
  for (let i = 0; i < 100; i++) {
    const line = t.logs.json().filter((l) => l.msg === 'request' && l.endpoint === endpoint).at(-1);
    if (line) return line as Record<string, any>;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no access line for ${endpoint}`);
}

/** A Registry on this worker's database, for seeding. Close with `registry.redis.quit()`. */
export function testRegistry(): Registry {
  return new Registry(new Redis(workerRedisUrl()));
}

/** Seed one provider at `baseUrl`, a model bound to it, and a key; returns the raw key. */
export async function seedBasic(
  registry: Registry,
  baseUrl: string,
  opts: { provider?: string; model?: string; upstreamModel?: string; secret?: string; key?: Record<string, unknown> } = {},
): Promise<{ rawKey: string; keyHash: string }> {
  const provider = opts.provider ?? 'fake';
  if (!(await registry.getProvider(provider))) {
    await registry.addProvider({ name: provider, base_url: baseUrl, secrets: [opts.secret ?? 'sk-upstream-test-secret-0001'] });
  }
  await registry.bindModel(opts.model ?? 'gpt-4o-mini', { provider, model: opts.upstreamModel ?? opts.model ?? 'gpt-4o-mini' });
  const { raw, key } = await registry.createKey({ name: `k-${Math.random().toString(36).slice(2, 10)}`, ...(opts.key ?? {}) });
  return { rawKey: raw, keyHash: key.hash };
}

/** seedBasic with these key fields (and, given `prices`, the model's USD per million tokens); returns the raw key and the key's id. */
export async function seedKeyWithId(
  registry: Registry,
  baseUrl: string,
  key: Partial<ApiKey> = {},
  prices?: { input: number; output: number },
): Promise<{ raw: string; id: string }> {
  const { rawKey, keyHash } = await seedBasic(registry, baseUrl, { key });
  if (prices) await registry.updateModel('gpt-4o-mini', () => ({ price_input: prices.input, price_output: prices.output }));
  return { raw: rawKey, id: (await registry.getKeyByHash(keyHash))!.id };
}

/** POST a chat completion for `gpt-4o-mini` ("hello world") to a gateway; `body` overrides fields of the request. */
export function postChat(t: { url: string }, key: string, body: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello world' }], ...body }),
    signal,
  });
}

/**
 * `n` chats spread over `gateways`, `workers` at a time on each (each worker sends its next
 * when its last is answered): every status, and the upstream's `total_tokens` of the served ones.
 */
export async function chatLoad(gateways: Array<{ url: string }>, key: string, n: number, workers: number, body: Record<string, unknown> = {}): Promise<{ statuses: number[]; tokens: number[] }> {
  const statuses: number[] = [];
  const tokens: number[] = [];
  let next = 0;
  const worker = async (t: { url: string }) => {
    while (next < n) {
      next++;
      const r = await postChat(t, key, body);
      const j = (await r.json()) as { usage?: { total_tokens: number } };
      statuses.push(r.status);
      if (r.status === 200) tokens.push(j.usage!.total_tokens);
    }
  };
  await Promise.all(gateways.flatMap((t) => Array.from({ length: workers }, () => worker(t))));
  return { statuses, tokens };
}

const MAIN = fileURLToPath(new URL('../../packages/gateway/dist/main.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The built gateway (`npm start`'s entry) as a real process; resolves once it listens. */
export async function spawnGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN], {
    // One worker unless a test asks for more (GW_WORKERS defaults to the cores).
    env: { ...process.env, REDIS_URL: workerRedisUrl(), GW_PORT: '0', GW_HOST: '127.0.0.1', GW_LOG_LEVEL: 'info', GW_REV_POLL_MS: '200', GW_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /"msg":"gateway listening"/.test(out) ? /"port":(\d+)/.exec(out) : null;
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`gateway exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // A process killed by a signal has no exit code but a signalCode; it will not exit again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
