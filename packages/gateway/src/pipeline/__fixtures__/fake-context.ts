import { ApiKeySchema, followAliases, hashKey, ModelSchema, ProviderSchema, type ApiKey, type Model, type Provider } from '@llmgw/core';
import { pino } from 'pino';
import { ENDPOINTS, MODELS_ENDPOINT } from '../../api/endpoints.js';
import { KeyHashMemo } from '../../cache/key-hash-memo.js';
import type { RegistryReader } from '../../cache/registry-cache.js';
import { createContext, type RequestContext, type ResponseSink } from '../../request-context.js';

/** A response sink that keeps what was written, for stage tests without a server. */
export class FakeSink implements ResponseSink {
  aborted = false;
  headersSent = false;
  status = 0;
  headers: Record<string, string> = {};
  body = '';
  onAbort(): void {}
  onDrain(): void {}
  send(status: number, headers: Record<string, string>, body: string | Uint8Array): void {
    this.writeHead(status, headers);
    this.end(body);
  }
  writeHead(status: number, headers: Record<string, string>): void {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
  }
  write(chunk: string | Uint8Array): boolean {
    this.body += Buffer.from(chunk).toString();
    return true;
  }
  end(chunk?: string | Uint8Array): void {
    if (chunk !== undefined) this.write(chunk);
  }
  batch(fn: () => void): void {
    fn();
  }
  /** The body as JSON. */
  json(): any {
    return JSON.parse(this.body);
  }
}

/** A context for `POST /v1<path>` (or `GET /v1/models`) with this body and these headers. */
export function fakeContext(o: { path?: string; body?: unknown; headers?: Record<string, string>; key?: ApiKey } = {}): { ctx: RequestContext; sink: FakeSink } {
  const path = o.path ?? '/chat/completions';
  const endpoint = path === '/models' ? MODELS_ENDPOINT : ENDPOINTS.get(path)!;
  const raw = o.body === undefined ? '' : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const sink = new FakeSink();
  const req = { method: endpoint.method, path: `/v1${path}`, query: '', headers: { 'content-type': 'application/json', ...o.headers }, body: Buffer.from(raw), receivedAt: performance.now() };
  const ctx = createContext('req_test', req, sink, endpoint, pino({ level: 'silent' }));
  if (o.key) ctx.key = o.key;
  return { ctx, sink };
}

/** A key record (validated like the registry's), with its raw key. */
export function fakeKey(fields: Partial<ApiKey> = {}, raw = 'gw-test-0123456789abcdef'): { key: ApiKey; raw: string } {
  const key = ApiKeySchema.parse({ id: 'key_test', name: 'test', hash: hashKey(raw), prefix: raw.slice(0, 10), ...fields });
  return { key, raw };
}

/** The registry reads the stages make, over plain lists of records. */
/** A model as a test writes it: a name, the rest optional (targets' weight and priority too), defaults from ModelSchema. */
type FakeModel = Partial<Omit<Model, 'targets'>> & { name: string; targets?: Array<Pick<Model['targets'][number], 'provider' | 'model'> & Partial<Model['targets'][number]>> };

export function fakeRegistry(o: { keys?: ApiKey[]; models?: FakeModel[]; providers?: Array<Partial<Provider> & { name: string }> } = {}): RegistryReader {
  const keys = new Map((o.keys ?? []).map((k) => [k.hash, k]));
  const models = new Map((o.models ?? []).map((m) => [m.name, ModelSchema.parse(m)]));
  const providers = new Map((o.providers ?? []).map((p) => [p.name, ProviderSchema.parse({ base_url: 'http://127.0.0.1:1/v1', ...p })]));
  return {
    keyHashes: new KeyHashMemo(),
    getKey: async (hash) => keys.get(hash) ?? null,
    getProvider: async (name) => providers.get(name) ?? null,
    resolveModel: (name) => followAliases(name, async (n) => models.get(n) ?? null),
    listModels: async () => [...models.values()],
    // Never cached: the stages' tests take the path of a registry read.
    peekKey: () => undefined,
    peekProvider: () => undefined,
    peekResolved: () => undefined,
  };
}
