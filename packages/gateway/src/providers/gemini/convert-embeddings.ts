import { Errors } from '../../errors/catalog.js';
import { isObject, type Json } from '../../formats/anthropic-messages/types.js';
import { modelResource } from './model-resource.js';

/** The texts to embed: a string or a list of strings. Token arrays cannot be sent: Gemini takes text only. */
function textsOf(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string')) return input;
  throw Errors.invalidBody('`input` must be a string or a list of strings for a model served by a Gemini provider (token arrays cannot be sent).', 'input');
}

/**
 * An OpenAI embeddings request as a Gemini `batchEmbedContents` request for `model`: one
 * request per input text, `dimensions` as `outputDimensionality`. `encoding_format` shapes the
 * answer (convertGeminiEmbeddingsToOpenai); `user` has no Gemini counterpart.
 */
export function convertEmbeddingsRequestToGemini(body: Json, model: string): Json {
  const name = modelResource(model);
  const dims = typeof body.dimensions === 'number' ? { outputDimensionality: body.dimensions } : {};
  return { requests: textsOf(body.input).map((text) => ({ model: name, content: { parts: [{ text }] }, ...dims })) };
}

/** Float32 little-endian bytes in base64: OpenAI's `encoding_format: "base64"` (what the openai SDKs ask for and decode). */
function base64Floats(values: unknown[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(typeof v === 'number' ? v : 0, i * 4));
  return buf.toString('base64');
}

/**
 * A Gemini `batchEmbedContents` answer (`{"embeddings":[{"values":[…]}]}`) as an OpenAI
 * embeddings list, as floats or as base64 as the client asked. Gemini reports no token
 * counts: the answer has no `usage`, and the gateway estimates the prompt's.
 */
export function convertGeminiEmbeddingsToOpenai(res: Json, publicModel: string, base64: boolean): Json {
  const embeddings = Array.isArray(res.embeddings) ? res.embeddings : [];
  const data = embeddings.map((e, index) => {
    const values = isObject(e) && Array.isArray(e.values) ? e.values : [];
    return { object: 'embedding', index, embedding: base64 ? base64Floats(values) : values };
  });
  return { object: 'list', data, model: publicModel };
}
