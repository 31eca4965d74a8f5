import { BehaviourHeaderError, DEFAULT_BEHAVIOUR, mergeBehaviour, parseBehaviourHeader } from './behaviour.js';
import { errorBody, type ErrorFlavour } from './errors.js';
import { cutAfterContent, dataFrame, eventFrame, type Frame } from './sse.js';
import { listen, type Header, type Incoming, type RequestListener, type Writer } from './http-io.js';
import { Recorder } from './recorder.js';
import type { FakeRequest, Reply, RouteContext } from './reply.js';
import { flavourOfPath, ROUTES } from './routes.js';
import type { Behaviour, FakeProvider, FakeProviderOptions, RecordedRequest } from './types.js';

export const DEFAULT_MODELS: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'claude-3-5-haiku-latest'];


/** Start a fake upstream. See `FakeProviderOptions` and `Behaviour`. */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const host = options.host ?? '127.0.0.1';
  const record = options.record !== false;
  const initial = mergeBehaviour({ ...DEFAULT_BEHAVIOUR }, options.behaviour);
  const keys = options.requireKey === undefined ? undefined : new Set([options.requireKey].flat());
  const ctx: RouteContext = { models: options.models ?? DEFAULT_MODELS };
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
      const flavour = inc.route?.flavour ?? flavourOfPath(inc.path);
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
      let b: Behaviour;
      try {
        b = effectiveBehaviour(oneShot, inc.headers['x-fake-behaviour']);
      } catch (e) {
        if (!(e instanceof BehaviourHeaderError)) throw e;
        w.send(400, [], 'application/json', errorBody(flavour, 400, e.message));
        return done(400);
      }
      if (b.hang) return w.hold();
      const go = () => {
        if (b.dropBeforeHeaders) {
          w.drop();
          return dropped();
        }
        respond({ inc, w, id, body, json, b, flavour, done, dropped });
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
    flavour: ErrorFlavour;
    done: (status: number) => void;
    dropped: () => void;
  }

  const respond = ({ inc, w, id, body, json, b, flavour, done, dropped }: Exchange): void => {
    const headers: Header[] = record ? [['x-fake-request-id', String(id)]] : [];
    if (b.retryAfter !== undefined) headers.push(['retry-after', String(b.retryAfter)]);
    const fail = (status: number, text: string) => {
      if (b.dropAfterChunks !== undefined) {
        w.sendTruncated(status, headers, 'application/json', text);
        return dropped();
      }
      w.send(status, headers, 'application/json', text);
      done(status);
    };

    if (keys && !authorised(inc.headers, keys)) return fail(401, errorBody(flavour, 401));
    if (b.status !== undefined && b.status >= 400) {
      const custom = b.errorBody === undefined ? undefined : typeof b.errorBody === 'string' ? b.errorBody : JSON.stringify(b.errorBody);
      return fail(b.status, custom ?? errorBody(flavour, b.status));
    }
    const route = inc.route;
    if (!route) return fail(404, errorBody(flavour, 404, `Unknown path ${inc.method} ${inc.path} (fake provider)`, 'unknown_url'));
    if (route.jsonBody && (json === undefined || json === null || typeof json !== 'object')) {
      return fail(400, errorBody(flavour, 400, 'We could not parse the JSON body of your request.', 'invalid_json'));
    }
    const model = (json as { model?: unknown } | undefined)?.model;
    if (options.strictModels && route.method === 'post' && typeof model === 'string' && !ctx.models.includes(model)) {
      return fail(404, unknownModelBody(flavour, model));
    }

    const req: FakeRequest = { seq: id, path: inc.path, param: inc.param, contentType: inc.headers['content-type'] ?? '', body, json };
    let reply: Reply;
    try {
      reply = route.handler(req, b, ctx);
    } catch (e) {
      return fail(500, errorBody(flavour, 500, `fake provider bug: ${(e as Error).message}`));
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
    const frames = b.errorEventAfterChunks === undefined ? reply.frames : cutAfterContent(reply.frames, b.errorEventAfterChunks, errorEventFrame(flavour, b.errorEvent));
    w.stream(200, headers, frames, {
      delayMs: b.chunkDelayMs,
      dropAfter: b.dropAfterChunks,
      stallAfter: b.stallAfterChunks,
      onEnd: (how) => (how === 'done' ? done(200) : dropped()),
    });
  };

  const server = await listen({ host, port: options.port ?? 0, routes: ROUTES, headerNames: keys ? ['x-fake-behaviour', 'content-type', 'authorization', 'x-api-key'] : ['x-fake-behaviour', 'content-type'], allHeaders: record, onRequest });
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

function authorised(headers: Record<string, string>, keys: Set<string>): boolean {
  const auth = headers['authorization'];
  if (auth && /^bearer /i.test(auth) && keys.has(auth.slice(7).trim())) return true;
  const x = headers['x-api-key'];
  return x !== undefined && keys.has(x);
}

/** The in-band error event of `errorEventAfterChunks`, in the stream's own API. */
function errorEventFrame(flavour: ErrorFlavour, custom: unknown): Frame {
  const anthropic = flavour === 'anthropic';
  const fallback = anthropic ? errorBody(flavour, 529, 'Overloaded (fake provider).') : errorBody(flavour, 500, 'The model failed while generating (fake provider).');
  const data = custom === undefined ? fallback : typeof custom === 'string' ? custom : JSON.stringify(custom);
  return anthropic ? eventFrame('error', data) : dataFrame(data);
}

/** What OpenAI and Anthropic answer for a model they do not serve. */
function unknownModelBody(flavour: ErrorFlavour, model: string): string {
  return flavour === 'anthropic'
    ? errorBody(flavour, 404, `model: ${model}`)
    : errorBody(flavour, 404, `The model \`${model}\` does not exist or you do not have access to it.`, 'model_not_found');
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
