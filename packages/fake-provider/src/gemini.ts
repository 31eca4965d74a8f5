import { buildAnswer, countPromptTokens } from './content.js';
import { geminiError } from './gemini-errors.js';
import { candidateCountOf, invalidGenerateRequest } from './gemini-request.js';
import { mapFinishReasonToGemini } from './map-gemini-finish-reason.js';
import { json, memoByBehaviour, type FakeRequest, type Handler, type Reply, type RouteContext } from './reply.js';
import { crlfDataFrame, type Frame } from './sse.js';
import type { Behaviour } from './types.js';

/**
 * Gemini `models/{model}:generateContent` and `:streamGenerateContent` (`?alt=sse`: SSE events
 * with no terminator; without it: one JSON array, streamed). A streamed answer is one chunk per
 * content piece; a function call comes whole in one chunk, as Gemini sends it.
 */

const FAKE_SIGNATURE = Buffer.from('fake-thought-signature').toString('base64');

const HARM = ['HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_DANGEROUS_CONTENT', 'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_SEXUALLY_EXPLICIT'];
const safetyRatings = (blocked: boolean) =>
  HARM.map((category) => (blocked && category === 'HARM_CATEGORY_DANGEROUS_CONTENT' ? { category, probability: 'HIGH', blocked: true } : { category, probability: 'NEGLIGIBLE' }));

interface Canned {
  /** The parts of the answer, one per streamed chunk. */
  pieces: Record<string, unknown>[];
  /** The whole answer's parts, for a plain body. */
  parts: Record<string, unknown>[];
  finishReason: string;
  /** Cut by the safety filter: the finishing candidate has no content, only ratings. */
  blocked: boolean;
  completionTokens: number;
}

const canned = memoByBehaviour((b: Behaviour): Canned => {
  const a = buildAnswer(b, 'call_');
  const signature = b.thoughtSignature === undefined || b.thoughtSignature === false ? undefined : b.thoughtSignature === true ? FAKE_SIGNATURE : b.thoughtSignature;
  const signed = (part: Record<string, unknown>, i: number) => (signature !== undefined && i === 0 ? { ...part, thoughtSignature: signature } : part);
  const finishReason = mapFinishReasonToGemini(a.finishReason);
  const blocked = finishReason === 'SAFETY';
  if (a.tool) {
    const call = [signed({ functionCall: { name: a.tool.name, args: parseArgs(a.tool.arguments) } }, 0)];
    return { pieces: call, parts: call, finishReason, blocked, completionTokens: a.completionTokens };
  }
  return {
    pieces: a.pieces.map((text, i) => signed({ text }, i)),
    parts: [signed({ text: a.text }, 0)],
    finishReason,
    blocked,
    completionTokens: a.completionTokens,
  };
});

function parseArgs(args: string): unknown {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** What one request's answers share: ids, sizes, the model it reports. */
interface Turn {
  b: Behaviour;
  c: Canned;
  candidates: number;
  prompt: number;
  usage: boolean;
  modelVersion: string;
  responseId: string;
}

function usageMetadata(t: Turn, candidatesTokens: number) {
  const thoughts = t.b.reasoningTokens;
  return {
    promptTokenCount: t.prompt,
    ...(candidatesTokens > 0 ? { candidatesTokenCount: candidatesTokens } : {}),
    totalTokenCount: t.prompt + candidatesTokens + (thoughts ?? 0),
    ...(t.b.cachedTokens !== undefined ? { cachedContentTokenCount: t.b.cachedTokens } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: t.prompt }],
    ...(thoughts !== undefined ? { thoughtsTokenCount: thoughts } : {}),
  };
}

/** One GenerateContentResponse: `parts` for every candidate (none: no content), `finish` on the last. */
function response(t: Turn, parts: Record<string, unknown>[] | undefined, finish: boolean, candidatesTokens: number): string {
  const candidates = Array.from({ length: t.candidates }, (_, index) => ({
    ...(parts ? { content: { parts, role: 'model' } } : {}),
    ...(finish ? { finishReason: t.c.finishReason } : {}),
    index,
    ...(finish && t.c.blocked ? { safetyRatings: safetyRatings(true) } : {}),
  }));
  return JSON.stringify({
    candidates,
    ...(t.usage ? { usageMetadata: usageMetadata(t, candidatesTokens) } : {}),
    modelVersion: t.modelVersion,
    responseId: t.responseId,
  });
}

/** A prompt the safety filter refuses: 200, no candidates, `promptFeedback.blockReason`. */
function blockedPrompt(t: Turn): string {
  return JSON.stringify({
    promptFeedback: { blockReason: 'SAFETY', safetyRatings: safetyRatings(true) },
    ...(t.usage ? { usageMetadata: usageMetadata(t, 0) } : {}),
    modelVersion: t.modelVersion,
    responseId: t.responseId,
  });
}

/** The chunks of a streamed answer, flagged when they carry content; usage grows chunk by chunk, as Gemini reports it. */
function chunks(t: Turn): { data: string; content: boolean }[] {
  if (t.b.blockPrompt) return [{ data: blockedPrompt(t), content: false }];
  const { pieces, completionTokens, blocked } = t.c;
  const total = completionTokens * t.candidates;
  const out = pieces.map((p, i) => {
    const last = i === pieces.length - 1;
    const sofar = last ? total : Math.round((total * (i + 1)) / pieces.length);
    return { data: response(t, [p], last && !blocked, sofar), content: true };
  });
  if (blocked) out.push({ data: response(t, undefined, true, total), content: false });
  return out;
}

function turn(req: FakeRequest, b: Behaviour, ctx: RouteContext): Turn {
  const model = req.model ?? 'gemini-fake';
  return {
    b,
    c: canned(b),
    candidates: candidateCountOf(req.json),
    prompt: b.promptTokens ?? countPromptTokens(req.json),
    usage: !(b.noUsage || b.usage === false),
    modelVersion: b.echoModel ? model : (ctx.geminiModels[0] ?? model),
    responseId: `fakeResponse${req.seq}`,
  };
}

function checked(handler: (t: Turn) => Reply): Handler {
  return (req, b, ctx) => {
    const invalid = invalidGenerateRequest(req.json);
    if (invalid !== undefined) return json(geminiError(400, invalid), 400);
    return handler(turn(req, b, ctx));
  };
}

/** `:generateContent` (`req.model` is the URL's model). */
export const generateContent: Handler = checked((t) => {
  if (t.b.blockPrompt) return json(blockedPrompt(t));
  const total = t.c.completionTokens * t.candidates;
  return json(response(t, t.c.blocked ? undefined : t.c.parts, true, total));
});

/** `:streamGenerateContent`: SSE with `?alt=sse`, else a JSON array written element by element. */
export function streamGenerateContent(sse: boolean): Handler {
  return checked((t) => {
    const data = chunks(t);
    if (sse) return { kind: 'stream', frames: data.map((d) => crlfDataFrame(d.data, d.content)) };
    const frames: Frame[] = [{ text: '[', content: false }, ...data.map((d, i) => ({ text: i === 0 ? d.data : `,\r\n${d.data}`, content: d.content })), { text: ']', content: false }];
    return { kind: 'stream', frames, contentType: 'application/json; charset=UTF-8', errorFrame: (e, afterContent) => ({ text: `${afterContent > 0 ? ',\r\n' : ''}${e}]`, content: false }) };
  });
}
