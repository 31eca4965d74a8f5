import { azureKeys, geminiKeys, openaiOrAnthropicKeys } from './auth.js';
import { azureError, rateLimitMessage, RESOURCE_NOT_FOUND } from './azure-errors.js';
import { anthropicError, openaiError } from './errors.js';
import { GEMINI_BAD_KEY, GEMINI_NO_KEY, geminiError, geminiScriptedError } from './gemini-errors.js';
import { crlfDataFrame, dataFrame, eventFrame, type Frame } from './sse.js';

/** A response header, name and value. */
export type Header = readonly [string, string];

/** The upstream APIs the fake provider speaks; each route answers in one of them. */
export type Api = 'openai' | 'anthropic' | 'azure' | 'gemini';

/** How one API says the things every route may have to say: errors, refusals, retry hints. */
export interface ApiShape {
  /** An error body for `status` in this API's shape. */
  error(status: number, message?: string, code?: string | null): string;
  /** The body of a scripted `Behaviour.status`. */
  scriptedError(status: number, retryAfter: number | undefined): string;
  /** The headers that carry `Behaviour.retryAfter`. */
  retryHeaders(seconds: number): Header[];
  /** The 404 of a path no route matched. */
  notFound(method: string, path: string): string;
  /** Every key the request presents, where this API carries keys. */
  keysOf(headers: Readonly<Record<string, string>>, query: string): string[];
  /** The answer when `requireKey` is set and no presented key matches (`presented`: some key was sent). */
  refuseKey(presented: boolean): { status: number; body: string };
  /** `strictModels` reads the JSON body's `model` (false: the route checks the model itself, or has none). */
  modelInBody: boolean;
  /** The 404 body for a model it does not serve (when `modelInBody`). */
  unknownModel(model: string): string;
  /** The default data of the in-band error event (`errorEventAfterChunks`), and how a stream frames it. */
  streamErrorData: string;
  errorFrame(data: string): Frame;
}

const unknownPath = (method: string, path: string) => `Unknown path ${method} ${path} (fake provider)`;
const retryAfterHeader = (s: number): Header[] => [['retry-after', String(s)]];

const openai: ApiShape = {
  error: openaiError,
  scriptedError: (status) => openaiError(status),
  retryHeaders: retryAfterHeader,
  notFound: (m, p) => openaiError(404, unknownPath(m, p), 'unknown_url'),
  keysOf: openaiOrAnthropicKeys,
  refuseKey: () => ({ status: 401, body: openaiError(401) }),
  modelInBody: true,
  unknownModel: (model) => openaiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'model_not_found'),
  streamErrorData: openaiError(500, 'The model failed while generating (fake provider).'),
  errorFrame: (data) => dataFrame(data),
};

const anthropic: ApiShape = {
  error: (status, message) => anthropicError(status, message),
  scriptedError: (status) => anthropicError(status),
  retryHeaders: retryAfterHeader,
  notFound: (m, p) => anthropicError(404, unknownPath(m, p)),
  keysOf: openaiOrAnthropicKeys,
  refuseKey: () => ({ status: 401, body: anthropicError(401) }),
  modelInBody: true,
  unknownModel: (model) => anthropicError(404, `model: ${model}`),
  streamErrorData: anthropicError(529, 'Overloaded (fake provider).'),
  errorFrame: (data) => eventFrame('error', data),
};

const azure: ApiShape = {
  error: azureError,
  scriptedError: (status, retryAfter) => (status === 429 ? azureError(429, rateLimitMessage(retryAfter ?? 1)) : azureError(status)),
  // openai-node and Azure's own SDKs read the milliseconds first.
  retryHeaders: (s) => [...retryAfterHeader(s), ['retry-after-ms', String(s * 1000)]],
  notFound: () => RESOURCE_NOT_FOUND,
  keysOf: azureKeys,
  refuseKey: () => ({ status: 401, body: azureError(401) }),
  // The URL names the deployment; a body's `model` is ignored, as Azure does.
  modelInBody: false,
  unknownModel: () => azureError(404),
  streamErrorData: azureError(500, 'The model failed while generating (fake provider).'),
  errorFrame: (data) => dataFrame(data),
};

const gemini: ApiShape = {
  error: (status, message) => geminiError(status, message),
  scriptedError: geminiScriptedError,
  retryHeaders: () => [],
  notFound: (m, p) => geminiError(404, unknownPath(m, p)),
  keysOf: geminiKeys,
  refuseKey: (presented) => (presented ? { status: 400, body: GEMINI_BAD_KEY } : { status: 403, body: GEMINI_NO_KEY }),
  // The URL names the model; the Gemini routes check it against `geminiModels`.
  modelInBody: false,
  unknownModel: () => geminiError(404),
  streamErrorData: geminiError(503),
  errorFrame: (data) => crlfDataFrame(data),
};

export const API_SHAPES = { openai, anthropic, azure, gemini } satisfies Record<Api, ApiShape>;
