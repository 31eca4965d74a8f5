import { countPromptTokens } from './content.js';
import { fakeVector } from './embeddings.js';
import { geminiError, geminiUnknownModel } from './gemini-errors.js';
import { generateContent, streamGenerateContent } from './gemini.js';
import { json, type Handler } from './reply.js';

/**
 * Gemini's `/v1beta/models` resource: the list, one model, and the POST methods on a model
 * (`models/{model}:{method}`): generateContent, streamGenerateContent, countTokens, embedContent,
 * batchEmbedContents.
 */

export const DEFAULT_GEMINI_MODELS: readonly string[] = ['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-embedding-001'];

const isEmbedding = (id: string) => id.includes('embedding');

function modelObject(id: string) {
  return {
    name: `models/${id}`,
    version: '001',
    displayName: id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' '),
    description: 'A fake Gemini model (fake provider).',
    inputTokenLimit: isEmbedding(id) ? 2048 : 1_048_576,
    outputTokenLimit: isEmbedding(id) ? 1 : 65_536,
    supportedGenerationMethods: isEmbedding(id) ? ['embedContent', 'countTextTokens', 'countTokens'] : ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    ...(isEmbedding(id) ? {} : { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2 }),
  };
}

export const listGeminiModels: Handler = (_req, _b, ctx) => json(JSON.stringify({ models: ctx.geminiModels.map(modelObject) }));

export const getGeminiModel: Handler = (req, _b, ctx) => {
  const id = decodeURIComponent(req.param);
  if (!ctx.geminiModels.includes(id)) return json(geminiError(404, `models/${id} is not found for API version v1beta.`), 404);
  return json(JSON.stringify(modelObject(id)));
};

const countTokens: Handler = (req, b) => {
  const body = req.json.generateContentRequest ?? req.json;
  const n = b.promptTokens ?? countPromptTokens(body);
  return json(JSON.stringify({ totalTokens: n, promptTokensDetails: [{ modality: 'TEXT', tokenCount: n }] }));
};

interface EmbedRequest {
  content?: { parts?: { text?: unknown }[] };
  outputDimensionality?: unknown;
}

function embedding(r: EmbedRequest): { values: number[] } | undefined {
  const parts = r.content?.parts;
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  const text = parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join(' ');
  const dims = Number.isInteger(r.outputDimensionality) && (r.outputDimensionality as number) > 0 ? (r.outputDimensionality as number) : 8;
  return { values: Array.from(fakeVector(text, dims)) };
}

const embedContent: Handler = (req) => {
  const e = embedding(req.json);
  return e ? json(JSON.stringify({ embedding: e })) : json(geminiError(400, '* EmbedContentRequest.content: contents is not specified\n'), 400);
};

const batchEmbedContents: Handler = (req) => {
  const requests: unknown = req.json.requests;
  if (!Array.isArray(requests) || requests.length === 0) return json(geminiError(400, '* BatchEmbedContentsRequest.requests: requests is not specified\n'), 400);
  const out = requests.map((r: EmbedRequest) => embedding(r));
  if (out.some((e) => e === undefined)) return json(geminiError(400, '* BatchEmbedContentsRequest.requests[].content: contents is not specified\n'), 400);
  return json(JSON.stringify({ embeddings: out }));
};

const sseStream = streamGenerateContent(true);
const arrayStream = streamGenerateContent(false);

const METHODS: Record<string, (query: string) => Handler> = {
  generateContent: () => generateContent,
  streamGenerateContent: (query) => (/(?:^|&)alt=sse(?:&|$)/.test(query) ? sseStream : arrayStream),
  countTokens: () => countTokens,
  embedContent: () => embedContent,
  batchEmbedContents: () => batchEmbedContents,
};

/** `POST /v1beta/models/{model}:{method}`: the URL names the model (`req.model` for the method's handler). */
export const geminiModelMethod: Handler = (req, b, ctx) => {
  const target = decodeURIComponent(req.param);
  const colon = target.lastIndexOf(':');
  const model = colon < 0 ? target : target.slice(0, colon);
  const method = colon < 0 ? '' : target.slice(colon + 1);
  const handler = Object.hasOwn(METHODS, method) ? METHODS[method]!(req.query) : undefined;
  if (!handler) return json(geminiError(404, `Method not found: models/${target} (fake provider).`), 404);
  if (ctx.strictModels && !ctx.geminiModels.includes(model)) return json(geminiUnknownModel(model, method), 404);
  return handler({ ...req, model }, b, ctx);
};
