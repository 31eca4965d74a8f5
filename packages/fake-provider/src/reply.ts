import type { Frame } from './sse.js';
import type { Behaviour } from './types.js';

/** What a route handler sees: a plain request, never uWS objects. */
export interface FakeRequest {
  /** Sequence number of the request (also the recorded id). */
  seq: number;
  path: string;
  /** Route parameter (`/v1/models/:id`, Azure's deployment, Gemini's `model:method`), '' when none. */
  param: string;
  /** Raw query string ('' when none). */
  query: string;
  contentType: string;
  body: Buffer;
  /** Parsed JSON body, undefined when not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- whatever a client sent; handlers probe its fields defensively
  json: any;
  /** The model serving this request when the API decides it, not the body (Azure: the deployment's model). */
  model?: string;
}

/** Server-wide settings a handler may read. */
export interface RouteContext {
  models: readonly string[];
  /** Azure deployment name → model. */
  azureDeployments: Readonly<Record<string, string>>;
  geminiModels: readonly string[];
  strictModels: boolean;
}

/** What a route handler answers; the server turns it into bytes on the wire. */
export type Reply =
  | { kind: 'body'; status: number; contentType: string; body: string | Uint8Array }
  | {
      kind: 'stream';
      frames: Frame[];
      /** Default `text/event-stream; charset=utf-8`. */
      contentType?: string;
      /** How this stream frames an in-band error event sent after `afterContent` content frames (`errorEventAfterChunks`). Default: the API's own. */
      errorFrame?: (data: string, afterContent: number) => Frame;
    };

export type Handler = (req: FakeRequest, b: Behaviour, ctx: RouteContext) => Reply;

export function json(body: string, status = 200): Reply {
  return { kind: 'body', status, contentType: 'application/json', body };
}

/** The response's `model`: the API's choice (`req.model`), else the request's own (default) or the first configured one. */
export function answerModel(req: FakeRequest, b: Behaviour, ctx: RouteContext, fallback = 'fake-model'): string {
  if (req.model !== undefined) return req.model;
  const asked = req.json && typeof req.json.model === 'string' ? (req.json.model as string) : undefined;
  if (b.echoModel && asked) return asked;
  return ctx.models[0] ?? asked ?? fallback;
}

let lastModel = '';
let lastModelJson = '""';
/** JSON string literal for a model name; the same model comes back request after request. */
export function modelJson(model: string): string {
  if (model !== lastModel) {
    lastModel = model;
    lastModelJson = JSON.stringify(model);
  }
  return lastModelJson;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Per-behaviour memo: the instance behaviour is one object, so its canned parts are computed once. */
export function memoByBehaviour<T>(build: (b: Behaviour) => T): (b: Behaviour) => T {
  const cache = new WeakMap<Behaviour, T>();
  return (b) => {
    let v = cache.get(b);
    if (v === undefined) {
      v = build(b);
      cache.set(b, v);
    }
    return v;
  };
}
