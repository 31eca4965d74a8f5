import { API_SHAPES, type ApiShape } from './api-shapes.js';
import { keysIn } from './auth.js';
import { DEFAULT_AZURE_DEPLOYMENTS } from './azure-openai.js';
import { BehaviourHeaderError, DEFAULT_BEHAVIOUR, mergeBehaviour, parseBehaviourHeader } from './behaviour.js';
import { DEFAULT_GEMINI_MODELS } from './gemini-models.js';
import { cutAfterContent } from './sse.js';
import { listen, type Header, type Incoming, type RequestListener, type Writer } from './http-io.js';
import { Recorder } from './recorder.js';
import type { FakeRequest, Reply, RouteContext } from './reply.js';
import { apiOfPath, ROUTES } from './routes.js';
import type { Behaviour, FakeProvider, FakeProviderOptions, RecordedRequest } from './types.js';

export const DEFAULT_MODELS: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'claude-3-5-haiku-latest'];


/** Start a fake upstream. See `FakeProviderOptions` and `Behaviour`. */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const host = options.host ?? '127.0.0.1';
  const record = options.record !== false;
  const initial = mergeBehaviour({ ...DEFAULT_BEHAVIOUR }, options.behaviour);
  const keys = options.requireKey === undefined ? undefined : new Set([options.requireKey].flat());
  const ctx: RouteContext = {
    models: options.models ?? DEFAULT_MODELS,
    azureDeployments: options.azureDeployments ?? DEFAULT_AZURE_DEPLOYMENTS,
    geminiModels: options.geminiModels ?? DEFAULT_GEMINI_MODELS,
    strictModels: options.strictModels === true,
  };
  const recorder = new Recorder(options.maxRecorded);
  let behaviour = initial;
  const queue: Partial<Behaviour>[] = [];
  let seq = 0;

  // Benchmarks send the same x-fake-behaviour header on every request: keep one merged object per
  // header value, so the canned answers memoised per behaviour object are built once.
  let byHeader = new Map<string, Behaviour>();
  const effectiveBehaviour = (oneShot: Partial<Behaviour> | undefined, header: string | undefined): Behaviour => {
    if (!header) return mergeBehaviour(behaviour, oneShot);
    if (oneShot) return mergeBehaviour(behaviour, oneShot, parseBehaviourHeader(header));
    let b = byHeader.get(header);
    if (!b) {
      b = mergeBehaviour(behaviour, parseBehaviourHeader(header));
      if (byHeader.size >= 256) byHeader = new Map();
      byHeader.set(header, b);
    }
    return b;
  };

  const onRequest: RequestListener = (inc, w) => {
    const id = ++seq;
    const oneShot = queue.shift();
    const rec = record ? newRecord(id, inc) : undefined;
    if (rec) {
      recorder.add(rec);
      w.onClientAbort(() => {
        rec.aborted = true;
        rec.endedAt = Date.now();
        recorder.changed(rec);
      });
    }
    return (body) => {
      const text = body.length > 0 && (rec || inc.route?.jsonBody || isJson(inc.headers['content-type'])) ? body.toString() : '';
      const json = text && (inc.route?.jsonBody || isJson(inc.headers['content-type'])) ? tryParse(text) : undefined;
      if (rec) {
        rec.rawBody = body;
        rec.body = text;
        if (json !== undefined) rec.json = json;
        recorder.changed(rec);
      }
      const shape = API_SHAPES[inc.route?.api ?? apiOfPath(inc.path)];
      const done = (status: number) => {
        if (!rec) return;
        rec.status = status;
        rec.endedAt = Date.now();
        recorder.changed(rec);
      };
      const dropped = () => {
        if (!rec) return;
        rec.dropped = true;
        rec.endedAt = Date.now();
        recorder.changed(rec);
      };
      const blockedByClient = (blocked: boolean) => {
        if (!rec) return;
        rec.blockedByClient = blocked;
        if (blocked) rec.clientBlocks = (rec.clientBlocks ?? 0) + 1;
        recorder.changed(rec);
      };
      let b: Behaviour;
      try {
        b = effectiveBehaviour(oneShot, inc.headers['x-fake-behaviour']);
      } catch (e) {
        if (!(e instanceof BehaviourHeaderError)) throw e;
        w.send(400, [], 'application/json', shape.error(400, e.message));
        return done(400);
      }
      if (b.hang) return w.hold();
      const go = () => {
        if (b.dropBeforeHeaders) {
          w.drop();
          return dropped();
        }
        respond({ inc, w, id, body, json, b, shape, done, dropped, blockedByClient });
      };
      if (b.headersDelayMs && b.headersDelayMs > 0) w.later(b.headersDelayMs, go);
      else go();
    };
  };

  interface Exchange {
    inc: Incoming;
    w: Writer;
    id: number;
    body: Buffer;
    json: unknown;
    b: Behaviour;
    shape: ApiShape;
    done: (status: number) => void;
    dropped: () => void;
    blockedByClient: (blocked: boolean) => void;
  }

  const respond = ({ inc, w, id, body, json, b, shape, done, dropped, blockedByClient }: Exchange): void => {
    const headers: Header[] = record ? [['x-fake-request-id', String(id)]] : [];
    if (b.retryAfter !== undefined) headers.push(...shape.retryHeaders(b.retryAfter));
    const fail = (status: number, text: string) => {
      if (b.dropAfterChunks !== undefined) {
        w.sendTruncated(status, headers, 'application/json', text);
        return dropped();
      }
      w.send(status, headers, 'application/json', text);
      done(status);
    };

    if (keys) {
      const presented = options.requireKeyIn ? keysIn(inc.headers, options.requireKeyIn) : shape.keysOf(inc.headers, inc.query);
      if (!presented.some((k) => keys.has(k))) {
        const refusal = shape.refuseKey(presented.length > 0);
        return fail(refusal.status, refusal.body);
      }
    }
    if (b.status !== undefined && b.status >= 400) {
      const custom = b.errorBody === undefined ? undefined : typeof b.errorBody === 'string' ? b.errorBody : JSON.stringify(b.errorBody);
      return fail(b.status, custom ?? shape.scriptedError(b.status, b.retryAfter));
    }
    const route = inc.route;
    if (!route) return fail(404, shape.notFound(inc.method, inc.path));
    if (route.jsonBody && (json === undefined || json === null || typeof json !== 'object')) {
      return fail(400, shape.error(400, 'We could not parse the JSON body of your request.', 'invalid_json'));
    }
    const model = (json as { model?: unknown } | undefined)?.model;
    if (ctx.strictModels && shape.modelInBody && route.method === 'post' && typeof model === 'string' && !ctx.models.includes(model)) {
      return fail(404, shape.unknownModel(model));
    }

    const req: FakeRequest = { seq: id, path: inc.path, param: inc.param, query: inc.query, contentType: inc.headers['content-type'] ?? '', body, json };
    let reply: Reply;
    try {
      reply = route.handler(req, b, ctx);
    } catch (e) {
      return fail(500, shape.error(500, `fake provider bug: ${(e as Error).message}`));
    }
    if (reply.kind === 'body') {
      if (reply.status >= 400) return fail(reply.status, String(reply.body));
      if (b.dropAfterChunks !== undefined) {
        w.sendTruncated(reply.status, headers, reply.contentType, reply.body);
        return dropped();
      }
      w.send(reply.status, headers, reply.contentType, reply.body);
      return done(reply.status);
    }
    const frames = b.errorEventAfterChunks === undefined ? reply.frames : withErrorEvent(reply, shape, b.errorEventAfterChunks, b.errorEvent);
    w.stream(200, headers, frames, {
      contentType: reply.contentType,
      delayMs: b.chunkDelayMs,
      dropAfter: b.dropAfterChunks,
      stallAfter: b.stallAfterChunks,
      onEnd: (how) => (how === 'done' ? done(200) : dropped()),
      onBlocked: blockedByClient,
    });
  };

  const server = await listen({ host, port: options.port ?? 0, routes: ROUTES, headerNames: keys ? ['x-fake-behaviour', 'content-type', 'authorization', 'x-api-key', 'api-key', 'x-goog-api-key', ...(options.requireKeyIn ? [options.requireKeyIn.header.toLowerCase()] : [])] : ['x-fake-behaviour', 'content-type'], allHeaders: record, onRequest });
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${server.port}/v1`,
    origin: `http://${urlHost}:${server.port}`,
    port: server.port,
    received: recorder.received,
    setBehaviour(b) {
      behaviour = mergeBehaviour({ ...behaviour }, b);
      byHeader = new Map();
    },
    enqueue(...b) {
      queue.push(...b);
    },
    waitFor: (pred, timeoutMs) => recorder.waitFor(pred, timeoutMs),
    reset() {
      recorder.clear();
      queue.length = 0;
      behaviour = initial;
      byHeader = new Map();
    },
    async close() {
      server.close();
    },
  };
}

function newRecord(id: number, inc: Incoming): RecordedRequest {
  return { id, method: inc.method, path: inc.path, query: inc.query, headers: inc.headers, body: '', rawBody: Buffer.alloc(0), aborted: false, dropped: false, startedAt: Date.now() };
}

/** The stream cut after `n` content frames and ended by an in-band error event, framed as the stream frames it. */
function withErrorEvent(reply: Extract<Reply, { kind: 'stream' }>, shape: ApiShape, n: number, custom: unknown) {
  const data = custom === undefined ? shape.streamErrorData : typeof custom === 'string' ? custom : JSON.stringify(custom);
  const kept = Math.min(n, reply.frames.filter((f) => f.content).length);
  const frame = reply.errorFrame ? reply.errorFrame(data, kept) : shape.errorFrame(data);
  return cutAfterContent(reply.frames, n, frame);
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes('json');
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
