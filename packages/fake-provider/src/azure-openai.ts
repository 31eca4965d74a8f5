import { FILTERED_CHOICE_RESULTS, PROMPT_FILTER_CHUNK, PROMPT_FILTER_RESULTS_FIELD, SAFE_CHOICE_RESULTS } from './azure-content-filter.js';
import { azureError, PROMPT_FILTERED, RESOURCE_NOT_FOUND } from './azure-errors.js';
import { embeddings } from './embeddings.js';
import { chatHandlers, type ChatDialect } from './openai-chat.js';
import { responses } from './openai-endpoints.js';
import { json, type FakeRequest, type Handler } from './reply.js';
import { dataFrame } from './sse.js';

/**
 * Azure OpenAI's classic data plane: `/openai/deployments/{deployment}/…?api-version=…`.
 * The answers are OpenAI's plus content-filter annotations; the URL's deployment decides the
 * model (a body's `model` is ignored), and the answers report the deployment's model.
 */

/** Deployments of a default instance: name → the model it runs, as Azure reports it (versioned). */
export const DEFAULT_AZURE_DEPLOYMENTS: Readonly<Record<string, string>> = Object.freeze({
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-11-20',
  'text-embedding-3-small': 'text-embedding-3-small',
});

const SAFE = `,"content_filter_results":${JSON.stringify(SAFE_CHOICE_RESULTS)}`;
const FILTERED = `,"content_filter_results":${JSON.stringify(FILTERED_CHOICE_RESULTS)}`;

const AZURE_DIALECT: ChatDialect = {
  choiceExtra(place, finishReason) {
    const cut = finishReason === 'content_filter';
    if (place === 'first') return ',"content_filter_results":{}';
    if (place === 'finish') return cut ? FILTERED : ',"content_filter_results":{}';
    return place === 'plain' && cut ? FILTERED : SAFE;
  },
  bodyExtra: `,${PROMPT_FILTER_RESULTS_FIELD}`,
  // Azure's first event rates the prompt and has no choices (nor id, model or object).
  preamble: [dataFrame(PROMPT_FILTER_CHUNK)],
  usageDetails: true,
};

const openaiShaped = chatHandlers(AZURE_DIALECT);

function hasApiVersion(query: string): boolean {
  return /(?:^|&)api-version=[^&]/.test(query);
}

/** What Azure checks before the model sees a request: the api-version, the deployment, the prompt filter. */
function onDeployment(inner: Handler, filtersPrompt: boolean, deploymentOf: (req: FakeRequest) => unknown): Handler {
  return (req, b, ctx) => {
    if (!hasApiVersion(req.query)) return json(RESOURCE_NOT_FOUND, 404);
    const name = deploymentOf(req);
    const model = typeof name === 'string' && Object.hasOwn(ctx.azureDeployments, name) ? ctx.azureDeployments[name] : undefined;
    if (model === undefined) return json(azureError(404), 404);
    if (filtersPrompt && b.blockPrompt) return json(PROMPT_FILTERED, 400);
    return inner({ ...req, model }, b, ctx);
  };
}

const fromPath = (req: FakeRequest) => decodeURIComponent(req.param);
// The Responses API has no deployment in its path: the body's `model` names it.
const fromBody = (req: FakeRequest) => req.json?.model;

export const azureChatCompletions: Handler = onDeployment(openaiShaped.chat, true, fromPath);
export const azureCompletions: Handler = onDeployment(openaiShaped.completions, true, fromPath);
export const azureEmbeddings: Handler = onDeployment(embeddings, false, fromPath);
export const azureResponses: Handler = onDeployment(responses, true, fromBody);
