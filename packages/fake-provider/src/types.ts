/**
 * What a test (or a demo, or a benchmark) scripts about the fake upstream's next answers.
 *
 * A request's effective behaviour is merged from, in order (later wins):
 * the instance default (`setBehaviour`), the next one-shot behaviour (`enqueue`),
 * and the request's own `x-fake-behaviour: <JSON>` header.
 */
export interface Behaviour {
  /** Answer with this status and an error body in the route's API shape (OpenAI, Anthropic, Azure or Gemini). 2xx = normal answer. */
  status?: number;
  /**
   * Seconds, sent as `Retry-After` (with any status); Azure adds `retry-after-ms`. Gemini sends no
   * such header: the seconds go into the error body as `details[{"@type":"…RetryInfo","retryDelay":"Ns"}]`.
   */
  retryAfter?: number;
  /** Custom error body: an object is sent as JSON, a string as is. Only used with an error `status`. */
  errorBody?: unknown;
  /** Wait this long before sending the status line and headers. */
  headersDelayMs?: number;
  /** Number of content pieces: stream deltas, and the completion token count. Default 5. */
  chunks: number;
  /** Pause between two streamed events. Default 0 (the whole stream is written at once). */
  chunkDelayMs: number;
  /** Close the TCP connection abruptly once this many content deltas have been streamed (0 = right after the preamble). */
  dropAfterChunks?: number;
  /** Streams: once this many content deltas have been streamed (0 = right after the preamble), go silent and keep the connection open until the client leaves. */
  stallAfterChunks?: number;
  /**
   * Streams: once this many content deltas have been streamed (0 = right after the preamble),
   * send an error event and end the stream cleanly (no `[DONE]`, no `message_stop`), as
   * OpenRouter, vLLM and LiteLLM report a failure after their 200: `data: {"error":{…}}`
   * (Anthropic: `event: error` with an `overloaded_error`).
   */
  errorEventAfterChunks?: number;
  /** The data of that error event: an object is sent as JSON, a string as is. Default: an OpenAI-shaped (Anthropic-shaped on `/v1/messages`) server error. */
  errorEvent?: unknown;
  /** Close the TCP connection without sending anything (after `headersDelayMs`, if any). */
  dropBeforeHeaders?: boolean;
  /** Never answer; the request stays open until the client goes away or the server closes. */
  hang?: boolean;
  /**
   * Report usage. Default: always in non-stream bodies; in OpenAI streams only when the request sets
   * `stream_options.include_usage` (a last chunk with `choices: []`). `true` forces the usage chunk in
   * every stream, `false` omits usage everywhere.
   */
  usage?: boolean;
  /** Omit usage everywhere, Anthropic included (to test the gateway's estimation). Wins over `usage`. */
  noUsage?: boolean;
  /** Text to answer; split into `chunks` pieces. Default: `chunks` words of a canned sentence. */
  content?: string;
  /** Override `prompt_tokens`/`input_tokens`. Default: the number of words in the request's messages/input (at least 1). */
  promptTokens?: number;
  /** Override `completion_tokens`/`output_tokens`. Default: the number of content pieces. */
  completionTokens?: number;
  /** Answer with a call of this tool (plain and streamed) instead of text. */
  toolCall?: string | ToolCallBehaviour;
  /**
   * Finish reason in OpenAI terms, mapped to each API's own (Anthropic `stop_reason`, Gemini
   * `finishReason`). Default `stop`, or `tool_calls` with `toolCall`. Any other string is sent as is,
   * to script a provider's own value (`RECITATION`, `MALFORMED_FUNCTION_CALL`, `pause_turn`…).
   */
  finishReason?: FinishReason | (string & {});
  /**
   * The provider's safety filter refuses the prompt. Azure: 400 `content_filter` with an
   * `innererror` (`ResponsibleAIPolicyViolation`); Gemini: 200 with `promptFeedback.blockReason`
   * and no candidates. Ignored on OpenAI and Anthropic routes.
   */
  blockPrompt?: boolean;
  /** Prompt tokens served from cache: Gemini `cachedContentTokenCount`, OpenAI/Azure `prompt_tokens_details.cached_tokens`, Anthropic `cache_read_input_tokens`. */
  cachedTokens?: number;
  /** Hidden reasoning tokens, billed as output on top of `completionTokens`: Gemini `thoughtsTokenCount`, OpenAI/Azure `completion_tokens_details.reasoning_tokens`. */
  reasoningTokens?: number;
  /** Gemini: a `thoughtSignature` on the first answer part (the `functionCall` one with `toolCall`), as Gemini 2.5+ sends; a string is used as the signature. */
  thoughtSignature?: boolean | string;
  /** Answer `model` = the request's model (default true); otherwise the first configured model (Gemini: of `geminiModels`). Azure always answers its deployment's model. */
  echoModel: boolean;
  /** Anthropic: prompt tokens written to the cache with the default 5-minute TTL (`cache_creation.ephemeral_5m_input_tokens`). `cachedTokens` is the cache read. */
  cacheWrite5mTokens?: number;
  /** Anthropic: prompt tokens written to the cache with `ttl: "1h"` (`cache_creation.ephemeral_1h_input_tokens`). */
  cacheWrite1hTokens?: number;
  /**
   * Anthropic: a signed `thinking` block before the answer (plain and streamed with
   * `thinking_delta` and `signature_delta`); a string is its text. Default: only when the
   * request turns thinking on (`thinking.type` `enabled` or `adaptive`); `false`: never.
   */
  thinking?: boolean | string;
  /** Anthropic: the thinking block's signature (default `FAKE_THINKING_SIGNATURE`). */
  thinkingSignature?: string;
  /** Anthropic: a `redacted_thinking` block with this `data` before the answer. */
  redactedThinking?: string;
  /** OpenAI chat (and Azure): `message.reasoning_content`, streamed as `delta.reasoning_content` chunks before the content, as DeepSeek and vLLM send reasoning. */
  reasoningContent?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ToolCallBehaviour {
  name: string;
  /** The call's arguments; an object is serialised. Default `{"input":"fake"}`. */
  arguments?: string | Record<string, unknown>;
  /** Default: a generated `call_…` / `toolu_…` id. */
  id?: string;
}

/** One request as the fake provider received it. */
export interface RecordedRequest {
  /** Sequence number, from 1, also sent back as `x-fake-request-id`. */
  id: number;
  /** Upper case: `POST`, `GET`, … */
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Raw query string ('' when none). */
  query: string;
  /** Header names lower cased. */
  headers: Record<string, string>;
  /** The body decoded as UTF-8 ('' until fully received). */
  body: string;
  /** The body as received, byte for byte (multipart uploads). */
  rawBody: Buffer;
  /** The parsed body, when it was JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- whatever the client sent; tests read its fields directly
  json?: any;
  /** The client went away before the answer was complete. */
  aborted: boolean;
  /** The fake provider closed the connection on purpose (`dropBeforeHeaders`, `dropAfterChunks`). */
  dropped: boolean;
  /** A stream waits now for its client (the gateway) to read: the socket is full and a frame is buffered. */
  blockedByClient?: boolean;
  /** Times a stream had to wait for its client to read. */
  clientBlocks?: number;
  /** The status answered, once sent. */
  status?: number;
  /** `Date.now()` when the request arrived. */
  startedAt: number;
  /** `Date.now()` when the answer ended, the client aborted or the connection was dropped. */
  endedAt?: number;
}

export interface FakeProviderOptions {
  /** Default 0: any free port, read back into `port`. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The instance's default behaviour (merged over the built-in defaults). */
  behaviour?: Partial<Behaviour>;
  /** Record every request in `received`. Default true; turn it off for benchmarks. */
  record?: boolean;
  /** Keep only the last N recorded requests (default: all). */
  maxRecorded?: number;
  /** Models listed by `GET /v1/models`. */
  models?: string[];
  /**
   * Azure OpenAI deployments: name → the model it runs (what the answers report as `model`).
   * A deployment not listed answers 404 `DeploymentNotFound`, as Azure does. Default `DEFAULT_AZURE_DEPLOYMENTS`.
   */
  azureDeployments?: Record<string, string>;
  /** Models listed by `GET /v1beta/models` (Gemini). Default `DEFAULT_GEMINI_MODELS`. */
  geminiModels?: string[];
  /**
   * When set, requests must carry one of these keys, else the API's own refusal:
   * OpenAI/Anthropic `Authorization: Bearer <k>` or `x-api-key: <k>` (401);
   * Azure `api-key: <k>` or `Authorization: Bearer <k>` (401);
   * Gemini `x-goog-api-key: <k>` or `?key=<k>` (none: 403 `PERMISSION_DENIED`; a wrong one: 400 `API_KEY_INVALID`).
   */
  requireKey?: string | string[];
  /**
   * With `requireKey`: the key is read from this header only, after exactly this prefix
   * (case-sensitive, `''` by default), instead of where the API carries it: an upstream with its
   * own auth form (`api-key: <k>`, `x-goog-api-key: <k>`, `Authorization: Token <k>`). A
   * request in another form is refused like a wrong key.
   */
  requireKeyIn?: { header: string; prefix?: string };
  /**
   * Answer a request naming a model it does not serve with 404, as real upstreams do
   * (OpenAI: `model_not_found`; Anthropic: `not_found_error`; Gemini: `NOT_FOUND`, against `geminiModels`).
   * Default false: any model is served. Azure deployments are always checked.
   */
  strictModels?: boolean;
}

export interface FakeProvider {
  /** OpenAI-style base URL, `/v1` included: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /**
   * `http://127.0.0.1:PORT`, for clients that add their own prefix: the Anthropic SDK (`/v1`),
   * Azure (`endpoint`; the routes are under `/openai`), Gemini (`baseUrl`; the routes are under `/v1beta`).
   */
  readonly origin: string;
  readonly port: number;
  /** Every request received so far (live array), unless `record: false`. */
  readonly received: RecordedRequest[];
  /** Change the instance default (merged over the current one). */
  setBehaviour(b: Partial<Behaviour>): void;
  /** One-shot behaviours for the next requests, consumed in order, one per request. */
  enqueue(...b: Partial<Behaviour>[]): void;
  /** Resolves with the first recorded request (already there or to come) that matches; rejects after `timeoutMs` (default 5000). */
  waitFor(pred: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Forget recorded requests and queued behaviours; restore the behaviour given at start. */
  reset(): void;
  /** Stop listening and close every open connection. */
  close(): Promise<void>;
}
