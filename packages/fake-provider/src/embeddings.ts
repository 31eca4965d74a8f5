import { countPromptTokens } from './content.js';
import { answerModel, json, type Handler } from './reply.js';
import { openaiError } from './errors.js';

/** `/v1/embeddings`: deterministic unit vectors seeded by the input, `dimensions` honoured (default 8). */

/** FNV-1a, then xorshift32: the same input always gives the same vector. */
export function fakeVector(input: string, dims: number): Float32Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) h = Math.imul(h ^ input.charCodeAt(i), 0x01000193);
  let x = h >>> 0 || 1;
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const f = (x / 0xffffffff) * 2 - 1;
    v[i] = f;
    norm += f * f;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i] = v[i]! / norm;
  return v;
}

function inputsOf(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  // A flat array of numbers is one tokenised input; an array of strings or of token arrays is several.
  if (input.every((x) => typeof x === 'number')) return [input.join(',')];
  if (input.every((x) => typeof x === 'string' || (Array.isArray(x) && x.every((t) => typeof t === 'number')))) {
    return input.map((x) => (typeof x === 'string' ? x : x.join(',')));
  }
  return undefined;
}

export const embeddings: Handler = (req, b, ctx) => {
  const body = req.json;
  const inputs = inputsOf(body?.input);
  if (!inputs) return json(openaiError(400, "'input' must be a string or an array of strings or token arrays", 'invalid_input'), 400);
  const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 ? (body.dimensions as number) : 8;
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => {
    const v = fakeVector(text, dims);
    const embedding = base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  const prompt = b.promptTokens ?? countPromptTokens(body);
  const usage = b.noUsage || b.usage === false ? undefined : { prompt_tokens: prompt, total_tokens: prompt };
  return json(JSON.stringify({ object: 'list', data, model: answerModel(req, b, ctx), usage }));
};
