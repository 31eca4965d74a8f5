/** OpenAI and Anthropic error bodies, keyed by HTTP status (Azure and Gemini: `azure-errors.ts`, `gemini-errors.ts`). */

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Bad request (fake provider).' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided (fake provider).' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden (fake provider).' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'Not found (fake provider).' },
  408: { type: 'server_error', code: 'timeout', message: 'Request timed out (fake provider).' },
  409: { type: 'invalid_request_error', code: 'conflict', message: 'Conflict (fake provider).' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request too large (fake provider).' },
  422: { type: 'invalid_request_error', code: null, message: 'Unprocessable entity (fake provider).' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached (fake provider).' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request (fake provider).' },
  502: { type: 'server_error', code: 'bad_gateway', message: 'Bad gateway (fake provider).' },
  503: { type: 'server_error', code: 'service_unavailable', message: 'The engine is currently overloaded (fake provider).' },
  504: { type: 'server_error', code: 'timeout', message: 'Gateway timeout (fake provider).' },
};

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function openaiError(status: number, message?: string, code?: string | null): string {
  const e = OPENAI_ERRORS[status] ?? (status >= 500 ? OPENAI_ERRORS[500]! : OPENAI_ERRORS[400]!);
  return JSON.stringify({ error: { message: message ?? e.message, type: e.type, param: null, code: code === undefined ? e.code : code } });
}

export function anthropicError(status: number, message?: string): string {
  const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({ type: 'error', error: { type, message: message ?? `${type} (fake provider)` } });
}
