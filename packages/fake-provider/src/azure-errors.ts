import { FILTERED_PROMPT_RESULTS } from './azure-content-filter.js';

/**
 * Azure OpenAI error bodies: `{"error":{"code":"…","message":"…"}}` from the Azure front end
 * (auth, deployments, rate limits, server errors), OpenAI's own shape for a request the model
 * service rejects (400), and the content-filter refusal with its `innererror`.
 */

const AZURE_ERRORS: Record<number, { code: string; message: string }> = {
  401: {
    code: '401',
    message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
  403: { code: '403', message: 'Access denied (fake provider).' },
  404: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' },
  408: { code: 'Timeout', message: 'The operation was timeout.' },
  500: { code: 'InternalServerError', message: 'The server had an error while processing your request (fake provider).' },
  502: { code: 'BadGateway', message: 'Bad gateway (fake provider).' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unable to process your request. Please try again later (fake provider).' },
  504: { code: 'Timeout', message: 'The operation was timeout (fake provider).' },
};

export function azureError(status: number, message?: string, code?: string | null): string {
  if (status === 400) {
    // What the model service itself says about a bad request: OpenAI's shape.
    return JSON.stringify({ error: { message: message ?? 'Bad request (fake provider).', type: 'invalid_request_error', param: null, code: code ?? null } });
  }
  if (status === 429) return JSON.stringify({ error: { code: code ?? '429', message: message ?? rateLimitMessage(1) } });
  const e = AZURE_ERRORS[status] ?? (status >= 500 ? AZURE_ERRORS[500]! : { code: String(status), message: `Request failed with status ${status} (fake provider).` });
  return JSON.stringify({ error: { code: code ?? e.code, message: message ?? e.message } });
}

/** Azure's 429 wording, with the wait it also sends as `retry-after`. */
export function rateLimitMessage(seconds: number): string {
  return `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after ${seconds} second${seconds === 1 ? '' : 's'}. (fake provider)`;
}

/** The 404 of a path Azure does not know, or of a request without `api-version`. */
export const RESOURCE_NOT_FOUND = JSON.stringify({ error: { code: '404', message: 'Resource not found' } });

/** The 400 of a prompt the content filter refuses (`Behaviour.blockPrompt`). */
export const PROMPT_FILTERED = JSON.stringify({
  error: {
    message:
      "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
    type: null,
    param: 'prompt',
    code: 'content_filter',
    status: 400,
    innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: FILTERED_PROMPT_RESULTS },
  },
});
