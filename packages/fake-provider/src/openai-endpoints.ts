import { buildAnswer, countPromptTokens } from './content.js';
import { openaiError } from './errors.js';
import { responsesStream } from './openai-responses-stream.js';
import { answerModel, json, nowSeconds, type Handler } from './reply.js';

/** The smaller OpenAI endpoints: models, responses, moderations, images, audio. */

const MODEL_CREATED = 1_700_000_000;
const modelObject = (id: string) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'fake-provider' });

export const listModels: Handler = (_req, _b, ctx) => json(JSON.stringify({ object: 'list', data: ctx.models.map(modelObject) }));

export const getModel: Handler = (req, _b, ctx) => {
  const id = decodeURIComponent(req.param);
  if (!ctx.models.includes(id)) return json(openaiError(404, `The model '${id}' does not exist`, 'model_not_found'), 404);
  return json(JSON.stringify(modelObject(id)));
};

/** Minimal Responses API object (streamed by openai-responses-stream.ts). */
export const responses: Handler = (req, b, ctx) => {
  if (req.json?.stream === true) return responsesStream(req, b, ctx);
  const a = buildAnswer(b, 'call_');
  const output = a.tool
    ? [{ type: 'function_call', id: `fc_fake${req.seq}`, call_id: a.tool.id, name: a.tool.name, arguments: a.tool.arguments, status: 'completed' }]
    : [{ type: 'message', id: `msg_fake${req.seq}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: a.text, annotations: [] }] }];
  const input = b.promptTokens ?? countPromptTokens(req.json);
  const usage = b.noUsage || b.usage === false ? null : {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: a.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + a.completionTokens,
  };
  return json(JSON.stringify({
    id: `resp_fake${req.seq}`, object: 'response', created_at: nowSeconds(), status: 'completed', error: null,
    incomplete_details: null, instructions: req.json?.instructions ?? null, max_output_tokens: req.json?.max_output_tokens ?? null,
    model: answerModel(req, b, ctx), output, parallel_tool_calls: true, previous_response_id: null,
    temperature: 1, tool_choice: 'auto', tools: [], top_p: 1, usage,
  }));
};

const CATEGORIES = ['harassment', 'hate', 'self-harm', 'sexual', 'violence'];
const moderationResult = {
  flagged: false,
  categories: Object.fromEntries(CATEGORIES.map((c) => [c, false])),
  category_scores: Object.fromEntries(CATEGORIES.map((c) => [c, 0.0001])),
};

export const moderations: Handler = (req, b, ctx) => {
  const input = req.json?.input;
  const n = Array.isArray(input) ? Math.max(1, input.length) : 1;
  return json(JSON.stringify({ id: `modr-fake${req.seq}`, model: answerModel(req, b, ctx, 'omni-moderation-latest'), results: Array.from({ length: n }, () => moderationResult) }));
};

/** A 1×1 transparent PNG. */
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export const imageGenerations: Handler = (req) => {
  const n = Number.isInteger(req.json?.n) && req.json.n > 0 ? (req.json.n as number) : 1;
  const b64 = req.json?.response_format === 'b64_json';
  const data = Array.from({ length: n }, (_, i) =>
    b64 ? { b64_json: PNG_B64, revised_prompt: req.json?.prompt ?? '' } : { url: `https://fake-provider.invalid/images/${req.seq}-${i}.png`, revised_prompt: req.json?.prompt ?? '' },
  );
  return json(JSON.stringify({ created: nowSeconds(), data }));
};

/** An ID3 tag and a few silent MPEG frames: enough bytes to look like audio. */
const MP3 = (() => {
  const id3 = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return new Uint8Array(Buffer.concat([id3, frame, frame, frame, frame]));
})();

const AUDIO_TYPES: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };

export const audioSpeech: Handler = (req) => {
  const format = typeof req.json?.response_format === 'string' ? (req.json.response_format as string) : 'mp3';
  return { kind: 'body', status: 200, contentType: AUDIO_TYPES[format] ?? 'audio/mpeg', body: MP3 };
};

/** A multipart form field's text value (good enough for the small fields of a transcription form). */
function formField(body: Buffer, name: string): string | undefined {
  const text = body.toString('latin1');
  const m = new RegExp(`name="${name}"\\r\\n(?:[^\\r\\n]+\\r\\n)*\\r\\n([^\\r]*)\\r\\n`).exec(text);
  return m?.[1];
}

export const audioTranscriptions: Handler = (req, b) => {
  if (!req.contentType.startsWith('multipart/form-data')) {
    return json(openaiError(400, 'Expected a multipart/form-data body.', 'invalid_content_type'), 400);
  }
  const text = b.content ?? 'This is a fake transcription.';
  const format = formField(req.body, 'response_format') ?? 'json';
  if (format === 'text' || format === 'srt' || format === 'vtt') return { kind: 'body', status: 200, contentType: 'text/plain; charset=utf-8', body: text };
  if (format === 'verbose_json') return json(JSON.stringify({ task: 'transcribe', language: 'english', duration: 1, text, segments: [] }));
  return json(JSON.stringify({ text }));
};
