import { describe, expect, it } from 'vitest';
import { convertEmbeddingsRequestToGemini, convertGeminiEmbeddingsToOpenai } from './convert-embeddings.js';

describe('embeddings through Gemini', () => {
  it('one batchEmbedContents request per input text, naming the model as the URL does; dimensions as outputDimensionality', () => {
    expect(convertEmbeddingsRequestToGemini({ model: 'emb', input: ['a', 'b'], dimensions: 4, encoding_format: 'base64', user: 'u' }, 'gemini-embedding-001')).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] }, outputDimensionality: 4 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] }, outputDimensionality: 4 },
      ],
    });
    expect(convertEmbeddingsRequestToGemini({ input: 'one' }, 'models/text-embedding-004')).toEqual({ requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'one' }] } }] });
  });

  it('refuses token arrays and empty input with a 400', () => {
    for (const input of [[1, 2, 3], [[1, 2]], [], undefined]) {
      expect(() => convertEmbeddingsRequestToGemini({ input }, 'm'), JSON.stringify(input)).toThrow(/must be a string or a list of strings/);
    }
  });

  it('the answer as an OpenAI list, as floats or as float32 base64 (what the openai SDKs ask for and decode)', () => {
    const res = { embeddings: [{ values: [0.5, -0.25] }, { values: [1, 0] }] };
    expect(convertGeminiEmbeddingsToOpenai(res, 'pub', false)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, -0.25] },
        { object: 'embedding', index: 1, embedding: [1, 0] },
      ],
      model: 'pub',
    });
    const b64 = convertGeminiEmbeddingsToOpenai(res, 'pub', true).data as Array<{ embedding: string }>;
    const floats = (s: string) => Array.from(new Float32Array(new Uint8Array(Buffer.from(s, 'base64')).buffer));
    expect(b64.map((d) => floats(d.embedding))).toEqual([[0.5, -0.25], [1, 0]]);
  });
});
