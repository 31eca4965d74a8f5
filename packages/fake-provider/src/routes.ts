import { countTokens, messages } from './anthropic-messages.js';
import type { Api } from './api-shapes.js';
import { azureChatCompletions, azureCompletions, azureEmbeddings, azureResponses } from './azure-openai.js';
import { embeddings } from './embeddings.js';
import { geminiModelMethod, getGeminiModel, listGeminiModels } from './gemini-models.js';
import { chatCompletions, completions } from './openai-chat.js';
import { audioSpeech, audioTranscriptions, getModel, imageGenerations, listModels, moderations, responses } from './openai-endpoints.js';
import { validatedChat, validatedResponses } from './openai-validation.js';
import type { Handler } from './reply.js';

export interface Route {
  method: 'get' | 'post';
  /** uWS pattern; its one `:param` is read back as the request's `param`. */
  pattern: string;
  handler: Handler;
  /** Which API this path speaks (error shapes, where the key is, retry hints). */
  api: Api;
  /** The body must be JSON (malformed → 400). */
  jsonBody: boolean;
}

const post = (pattern: string, handler: Handler, api: Api = 'openai', jsonBody = true): Route => ({ method: 'post', pattern, handler, api, jsonBody });
const get = (pattern: string, handler: Handler, api: Api = 'openai'): Route => ({ method: 'get', pattern, handler, api, jsonBody: false });

export const ROUTES: readonly Route[] = [
  post('/v1/chat/completions', validatedChat(chatCompletions)),
  post('/v1/completions', completions),
  post('/v1/embeddings', embeddings),
  get('/v1/models', listModels),
  get('/v1/models/:id', getModel),
  post('/v1/responses', validatedResponses(responses)),
  post('/v1/moderations', moderations),
  post('/v1/images/generations', imageGenerations),
  post('/v1/audio/speech', audioSpeech),
  post('/v1/audio/transcriptions', audioTranscriptions, 'openai', false),
  post('/v1/messages', messages, 'anthropic'),
  post('/v1/messages/count_tokens', countTokens, 'anthropic'),
  post('/openai/deployments/:deployment/chat/completions', azureChatCompletions, 'azure'),
  post('/openai/deployments/:deployment/completions', azureCompletions, 'azure'),
  post('/openai/deployments/:deployment/embeddings', azureEmbeddings, 'azure'),
  post('/openai/responses', azureResponses, 'azure'),
  get('/v1beta/models', listGeminiModels, 'gemini'),
  get('/v1beta/models/:model', getGeminiModel, 'gemini'),
  post('/v1beta/models/:model', geminiModelMethod, 'gemini'),
];

/** The API of a path no route matched. */
export function apiOfPath(path: string): Api {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/openai/')) return 'azure';
  if (path.startsWith('/v1beta/')) return 'gemini';
  return 'openai';
}
