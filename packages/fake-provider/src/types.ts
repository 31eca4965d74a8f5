/**
 * What a test (or a demo, or a benchmark) scripts about the fake upstream's next answers.
 *
 * A request's effective behaviour is merged from, in order (later wins):
 * the instance default (`setBehaviour`), the next one-shot behaviour (`enqueue`),
 * and the request's own `x-fake-behaviour: <JSON>` header.
 */
export interface Behaviour {
  /** Answer with this status and an error body (OpenAI-shaped, or Anthropic-shaped on `/v1/messages*`). 2xx = normal answer. */
  status?: number;
  /** Seconds, sent as `Retry-After` (with any status). */
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
  /** Finish reason in OpenAI terms (mapped to Anthropic's `stop_reason`). Default `stop`, or `tool_calls` with `toolCall`. */
  finishReason?: FinishReason;
  /** Answer `model` = the request's model (default true); otherwise the first configured model. */
  echoModel: boolean;
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
  /** When set, requests must carry one of these keys as `Authorization: Bearer <k>` or `x-api-key: <k>`, else 401. */
  requireKey?: string | string[];
  /**
   * Answer a POST whose JSON `model` is not one of `models` with 404, as real upstreams do
   * (OpenAI: `model_not_found`; Anthropic routes: `not_found_error`). Default false: any model is served.
   */
  strictModels?: boolean;
}

export interface FakeProvider {
  /** OpenAI-style base URL, `/v1` included: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, for clients that add `/v1` themselves (the Anthropic SDK). */
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
