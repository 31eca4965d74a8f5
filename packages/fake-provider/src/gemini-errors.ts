/**
 * Gemini (Google API) error bodies: `{"error":{"code":<HTTP status>,"message":"…","status":"<gRPC code>","details"?:[…]}}`.
 */

const GEMINI_ERRORS: Record<number, [status: string, message: string]> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'],
  403: ['PERMISSION_DENIED', 'The caller does not have permission'],
  404: ['NOT_FOUND', 'Requested entity was not found.'],
  409: ['ABORTED', 'The operation was aborted.'],
  429: ['RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details (fake provider).'],
  499: ['CANCELLED', 'The operation was cancelled.'],
  500: ['INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'],
  501: ['UNIMPLEMENTED', 'Method not implemented.'],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  504: ['DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'],
};

export function geminiError(status: number, message?: string, details?: unknown[]): string {
  const [grpc, text] = GEMINI_ERRORS[status] ?? (status >= 500 ? GEMINI_ERRORS[500]! : GEMINI_ERRORS[400]!);
  return JSON.stringify({ error: { code: status, message: message ?? text, status: grpc, ...(details ? { details } : {}) } });
}

/** A scripted error; Google gives the wait in the body (`RetryInfo`), not in a `Retry-After` header. */
export function geminiScriptedError(status: number, retryAfter: number | undefined): string {
  const details: unknown[] = [];
  if (status === 429) details.push({ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] });
  if (retryAfter !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` });
  return geminiError(status, undefined, details.length > 0 ? details : undefined);
}

/** No key at all. */
export const GEMINI_NO_KEY = geminiError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");

/** A key Google does not know: a 400, not a 401. */
export const GEMINI_BAD_KEY = geminiError(400, 'API key not valid. Please pass a valid API key.', [
  { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
  { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
]);

/** A model Gemini does not serve. */
export function geminiUnknownModel(model: string, method: string): string {
  return geminiError(404, `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`);
}
