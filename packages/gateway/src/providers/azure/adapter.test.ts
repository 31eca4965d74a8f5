import { ProviderSchema } from '@llmgw/core';
import { describe, expect, it } from 'vitest';
import { upstreamUrl } from '../index.js';
import { azureAdapter } from './adapter.js';
import { mapAzureError } from './map-azure-error.js';

const provider = (fields: Record<string, unknown> = {}) => ProviderSchema.parse({ name: 'az', type: 'azure', base_url: 'https://r.openai.azure.com', secrets: ['k'], ...fields });

describe('azure adapter', () => {
  it('addresses a deployment with api-version (the provider\'s or the default) and sends the key as api-key', () => {
    expect(upstreamUrl({ provider: provider(), upstreamModel: 'gpt 4o', endpoint: '/chat/completions', stream: true, query: 'x=1' })).toBe(
      '/openai/deployments/gpt%204o/chat/completions?api-version=2024-10-21',
    );
    expect(upstreamUrl({ provider: provider({ api_version: '2025-04-01-preview' }), upstreamModel: 'emb', endpoint: '/embeddings', stream: false, query: '' })).toBe(
      '/openai/deployments/emb/embeddings?api-version=2025-04-01-preview',
    );
    expect(azureAdapter.authHeaders(provider(), 'k1')).toEqual({ 'api-key': 'k1' });
    expect(azureAdapter.authHeaders(provider({ auth_type: 'header', auth_header: 'Authorization' }), 'Bearer t')).toEqual({ authorization: 'Bearer t' });
    expect(() => provider({ api_version: 'latest' })).toThrow(/2024-10-21/);
  });

  it("maps Azure's content-filter refusal and its own codes to OpenAI-shaped errors", () => {
    const filtered = JSON.stringify({
      error: {
        message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null, param: 'prompt', code: 'content_filter', status: 400,
        innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: false, severity: 'safe' }, violence: { filtered: true, severity: 'medium' } } },
      },
    });
    expect(JSON.parse(mapAzureError(400, filtered))).toEqual({
      error: { message: expect.stringMatching(/content management policy\. \(content filter: violence\)$/), type: 'invalid_request_error', param: 'prompt', code: 'content_filter' },
    });
    expect(JSON.parse(mapAzureError(404, '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}')).error).toMatchObject({ code: 'DeploymentNotFound', type: 'invalid_request_error' });
    expect(JSON.parse(mapAzureError(502, '<html>bad gateway</html>')).error).toMatchObject({ message: '<html>bad gateway</html>', type: 'server_error' });
  });
});
