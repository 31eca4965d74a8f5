/**
 * The one error catalog of the data plane. Every failure becomes a GatewayError and is
 * rendered by `errorBody` into the OpenAI shape `{"error":{"message","type","param","code"}}`.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    /** May failover try another secret or target after this? */
    readonly retryable = false,
    /** Extra response headers (Retry-After, rate-limit headers). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export const Errors = {
  invalidJson: (detail: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_json', `We could not parse the JSON body of your request: ${detail}`),
  invalidBody: (message: string, param: string | null = null) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_request', message, param),
  missingModel: () =>
    new GatewayError(400, 'invalid_request_error', 'missing_model', 'you must provide a model parameter', 'model'),
  modelNotFound: (model: string) =>
    new GatewayError(404, 'invalid_request_error', 'model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`, 'model'),
  missingKey: () =>
    new GatewayError(401, 'invalid_request_error', 'missing_api_key', 'You didn\'t provide an API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".'),
  invalidKey: () => new GatewayError(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'),
  expiredKey: () => new GatewayError(401, 'invalid_request_error', 'expired_api_key', 'This API key has expired.'),
  disabledKey: () => new GatewayError(403, 'permission_denied', 'key_disabled', 'This API key is disabled.'),
  modelNotAllowed: (model: string) =>
    new GatewayError(403, 'permission_denied', 'model_not_allowed', `This API key is not allowed to use the model \`${model}\`.`, 'model'),
  conflictingContentLength: () =>
    new GatewayError(400, 'invalid_request_error', 'invalid_content_length', 'The request has several Content-Length headers with different values; it is refused and the connection closed.'),
  bodyTimeout: (ms: number) =>
    new GatewayError(408, 'invalid_request_error', 'request_timeout', `The request body was not received within ${ms} ms.`),
  bodyTooLarge: (limit: number) =>
    new GatewayError(413, 'invalid_request_error', 'request_too_large', `Request body exceeds the limit of ${limit} bytes.`),
  routeNotFound: (method: string, path: string) =>
    new GatewayError(404, 'invalid_request_error', 'unknown_url', `Invalid URL (${method} ${path})`),
  methodNotAllowed: (method: string, path: string) =>
    new GatewayError(405, 'invalid_request_error', 'method_not_allowed', `Method ${method} is not allowed on ${path}`),
  /** A CORS preflight from a page whose origin is not in GW_CORS_ORIGINS. */
  corsOriginNotAllowed: (origin: string | undefined) =>
    new GatewayError(403, 'invalid_request_error', 'cors_origin_not_allowed', `Origin ${origin ?? '(none)'} may not call this gateway from a browser (GW_CORS_ORIGINS).`),
  /** No target of the model is of a provider type that can serve the endpoint (adapters' `endpoints`). */
  unsupportedEndpoint: (path: string, model: string, types: readonly string[]) =>
    new GatewayError(
      400,
      'invalid_request_error',
      'unsupported_endpoint',
      `The model \`${model}\` cannot be used with ${path}: its providers are of type ${types.map((t) => `\`${t}\``).join(', ')}, which cannot serve this endpoint.`,
      'model',
    ),
  noTarget: (model: string) =>
    new GatewayError(503, 'server_error', 'no_available_provider', `No provider is available for the model \`${model}\`.`, 'model'),
  upstreamConnect: (provider: string) =>
    new GatewayError(502, 'server_error', 'upstream_unreachable', `The upstream provider "${provider}" could not be reached.`, null, true),
  /** The proxy in front of the upstreams refused the tunnel or failed (`proxy` without credentials; `reason` names no upstream host). */
  upstreamProxy: (provider: string, proxy: string, reason: string) =>
    new GatewayError(502, 'server_error', 'upstream_unreachable', `The upstream provider "${provider}" could not be reached through the proxy ${proxy}: ${reason}.`, null, true),
  upstreamTimeout: (provider: string, phase: string) =>
    new GatewayError(504, 'server_error', 'upstream_timeout', `The upstream provider "${provider}" timed out (${phase}).`, null, true),
  /** The upstream's certificate was refused, or the TLS exchange failed (`reason`: a fixed phrase and Node's code, no host names). */
  upstreamTls: (provider: string, kind: 'certificate' | 'handshake', reason: string) =>
    new GatewayError(
      502,
      'server_error',
      'upstream_tls_error',
      kind === 'certificate'
        ? `The TLS certificate of the upstream provider "${provider}" was rejected: ${reason}.`
        : `The TLS connection to the upstream provider "${provider}" failed: ${reason}.`,
      null,
      true,
    ),
  upstreamProtocol: (provider: string) =>
    new GatewayError(502, 'server_error', 'upstream_error', `The upstream provider "${provider}" closed the connection unexpectedly.`, null, true),
  /** An error event inside a 2xx stream: the stream (and its error event) went to the client as it came. */
  upstreamErrorEvent: (provider: string) =>
    new GatewayError(502, 'server_error', 'upstream_error_event', `The upstream provider "${provider}" reported an error mid-stream.`, null, true),
  /**
   * The last target tried failed by the gateway's configuration (an upstream 404 for its base
   * URL or model, a 401/403 for its secret): `detail` is the one readable line gwctl shows too,
   * never the upstream's body (which may echo the secret).
   */
  upstreamMisconfigured: (model: string, provider: string, detail: string) =>
    new GatewayError(502, 'server_error', 'upstream_misconfigured', `The model \`${model}\` could not be served: provider "${provider}" is misconfigured (${detail}).`),
  /** Every target's secrets come from environment variables unset on this pod: names them, never a value. */
  secretsUnset: (model: string, missing: ReadonlyArray<{ provider: string; variables: readonly string[] }>) => {
    const vars = missing.flatMap((m) => m.variables.map((v) => `${v} (provider "${m.provider}")`));
    const one = vars.length === 1;
    return new GatewayError(
      503,
      'server_error',
      'provider_secret_unset',
      `No provider can serve the model \`${model}\` on this gateway instance: the environment ${one ? 'variable' : 'variables'} ${vars.join(', ')} ${one ? 'is' : 'are'} unset here.`,
    );
  },
  registryUnavailable: () =>
    new GatewayError(503, 'server_error', 'registry_unavailable', 'The gateway cannot reach its registry right now; try again shortly.', null, true),
  shuttingDown: () => new GatewayError(503, 'server_error', 'shutting_down', 'The gateway is shutting down; retry on another instance.'),
  /** A key's rpm/tpm/concurrency limit; `type` is `requests` or `tokens`, as OpenAI answers. */
  rateLimited: (type: 'requests' | 'tokens', message: string, headers: Record<string, string>) =>
    new GatewayError(429, type, 'rate_limit_exceeded', message, null, false, headers),
  insufficientQuota: (period: 'daily' | 'monthly') =>
    new GatewayError(429, 'insufficient_quota', 'insufficient_quota', `You exceeded the ${period} budget of this API key. Please check its limits with your gateway administrator.`),
  /** The request's reserved cost does not fit what is left of a budget (`heldUsd`: reserved by requests in flight). */
  budgetTooSmall: (period: 'daily' | 'monthly', needUsd: number, leftUsd: number, heldUsd: number) =>
    heldUsd > 0 && needUsd <= leftUsd
      ? new GatewayError(
          429,
          'insufficient_quota',
          'insufficient_quota',
          `This request may cost up to $${usd(needUsd)}, and $${usd(heldUsd)} of the $${usd(leftUsd)} left of this API key's ${period} budget is reserved by its requests in flight. Please try again when they finish.`,
          null,
          false,
          { 'retry-after': '1' },
        )
      : new GatewayError(
          429,
          'insufficient_quota',
          'insufficient_quota',
          `This request may cost up to $${usd(needUsd)} (its prompt and max_tokens at the model's price), more than the $${usd(leftUsd)} left of this API key's ${period} budget. Lower max_tokens, or check the key's limits with your gateway administrator.`,
        ),
  /** A key with a budget asked for a model the gateway cannot price. */
  modelUnpriced: (model: string, upstreams: string) =>
    new GatewayError(
      403,
      'permission_denied',
      'model_unpriced',
      `The model \`${model}\` has no price (${upstreams}), so the budget of this API key cannot be enforced on it. An administrator can set one with \`gwctl model price ${model} --input <usd> --output <usd>\` (USD per million tokens), or allow unpriced models for keys with budgets with GW_UNPRICED_MODELS=serve.`,
      'model',
    ),
  limitsUnavailable: () =>
    new GatewayError(503, 'server_error', 'limits_unavailable', 'The gateway cannot check the rate limits of this key right now; try again shortly.', null, false, { 'retry-after': '1' }),
  internal: () => new GatewayError(500, 'server_error', 'internal_error', 'The gateway failed to process the request.'),
  responseNotFound: (id: string) =>
    new GatewayError(404, 'invalid_request_error', 'response_not_found', `No response found with id '${id}'.`),
  previousResponseNotFound: (id: string) =>
    new GatewayError(400, 'invalid_request_error', 'previous_response_not_found', `Previous response with id '${id}' not found.`, 'previous_response_id'),
  previousResponseTooLarge: (id: string, maxBytes: number) =>
    new GatewayError(400, 'invalid_request_error', 'previous_response_not_stored', `Previous response with id '${id}' was not stored: its conversation was larger than the gateway keeps (${maxBytes} bytes, GW_RESPONSES_MAX_BYTES). Send the conversation in \`input\` instead.`, 'previous_response_id'),
  storeUnavailable: () =>
    new GatewayError(503, 'server_error', 'store_unavailable', 'The gateway cannot read stored responses right now; try again shortly.', null, false, { 'retry-after': '1' }),
  /** WebSocket mode's `stream_id` (OpenAI's rule and wording). */
  invalidStreamId: () =>
    new GatewayError(400, 'invalid_request_error', 'invalid_stream_id', "The 'stream_id' field must be a non-empty string with at most 256 characters and may only contain letters, numbers, underscores, hyphens, and periods.", 'stream_id'),
  streamLimitReached: (max: number) =>
    new GatewayError(400, 'invalid_request_error', 'websocket_stream_limit_reached', `This WebSocket connection has reached its maximum number of distinct stream IDs (${max}). Reuse an existing stream_id or open a new WebSocket connection.`, 'stream_id'),
  tooManyWebSockets: (max: number) =>
    new GatewayError(503, 'server_error', 'too_many_websockets', `This gateway instance has ${max} WebSocket connections open (GW_WS_MAX_CONNECTIONS); retry later or use HTTP.`),
  wsQueueFull: (max: number) =>
    new GatewayError(400, 'invalid_request_error', 'websocket_queue_full', `This WebSocket connection already has ${max} response.create events waiting to start; wait for responses to finish before sending more.`),
  invalidWsEvent: (detail: string) =>
    new GatewayError(400, 'invalid_request_error', 'invalid_event', `Invalid WebSocket event: ${detail}`),
} as const;

/** Dollars for a message: up to 6 decimals, no trailing zeros. */
function usd(v: number): string {
  return (Math.round(v * 1e6) / 1e6).toFixed(6).replace(/\.?0+$/, '');
}

/** Map any thrown value to a GatewayError (unknown errors become a 500 without details). */
export function toGatewayError(e: unknown): GatewayError {
  return e instanceof GatewayError ? e : Errors.internal();
}

