import { buildAnswer, countPromptTokens, wantsUsage } from './content.js';
import { reasoningPieces } from './openai-reasoning.js';
import { answerModel, json, memoByBehaviour, modelJson, nowSeconds, type Handler } from './reply.js';
import { DONE_FRAME, dataFrame, type Frame } from './sse.js';
import type { Behaviour } from './types.js';

/**
 * `/v1/chat/completions` and `/v1/completions`, and their Azure twins. Everything that depends
 * only on the behaviour is built once per behaviour object; a request only glues in its id, time,
 * model and prompt size.
 */

/** Where a choice sits in the answer. */
type ChoicePlace = 'plain' | 'first' | 'content' | 'finish';

/** What an OpenAI-compatible API adds to OpenAI's own answers (Azure: content-filter annotations). */
export interface ChatDialect {
  /** Fields appended inside a choice, each with its leading comma ('' for OpenAI). */
  choiceExtra(place: ChoicePlace, finishReason: string): string;
  /** Top-level fields appended to a plain body, with the leading comma. */
  bodyExtra: string;
  /** Frames sent before the first chunk. */
  preamble: readonly Frame[];
  /** Always break usage down (`prompt_tokens_details`, `completion_tokens_details`); otherwise only when cached or reasoning tokens are scripted. */
  usageDetails: boolean;
}

const OPENAI_DIALECT: ChatDialect = { choiceExtra: () => '', bodyExtra: '', preamble: [], usageDetails: false };

interface Canned {
  /** Plain body from `"choices"` on, without the usage object and closing brace. */
  plainTail: string;
  /** Stream chunk suffixes from `"choices"` on, without the closing brace; content ones flagged. */
  chunkTails: { tail: string; content: boolean }[];
  /** The usage object less `prompt_tokens`, from `"completion_tokens"` on (prompt size is per request). */
  usageTail: (prompt: number) => string;
}

const FP = ',"system_fingerprint":"fp_fake"';

function usageTail(b: Behaviour, completion: number, details: boolean): (prompt: number) => string {
  const reasoning = b.reasoningTokens ?? 0;
  const cached = b.cachedTokens ?? 0;
  const out = completion + reasoning;
  const breakdown = details || b.reasoningTokens !== undefined || b.cachedTokens !== undefined
    ? `,"prompt_tokens_details":{"cached_tokens":${cached},"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":${reasoning},"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}`
    : '';
  return (prompt) => `"completion_tokens":${out},"total_tokens":${prompt + out}${breakdown}}`;
}

function cannedChat(d: ChatDialect) {
  return memoByBehaviour((b: Behaviour): Canned => {
    const a = buildAnswer(b, 'call_');
    const fr = JSON.stringify(a.finishReason);
    const message: Record<string, unknown> = a.tool
      ? { role: 'assistant', content: null, tool_calls: [{ id: a.tool.id, type: 'function', function: { name: a.tool.name, arguments: a.tool.arguments } }], refusal: null }
      : { role: 'assistant', content: a.text, refusal: null };
    if (b.reasoningContent !== undefined) message.reasoning_content = b.reasoningContent;
    const choice = (delta: unknown, finish: string, place: ChoicePlace) =>
      `,"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish}${d.choiceExtra(place, a.finishReason)}}]`;
    const first = a.tool
      ? { role: 'assistant', content: null, tool_calls: [{ index: 0, id: a.tool.id, type: 'function', function: { name: a.tool.name, arguments: '' } }], refusal: null }
      : { role: 'assistant', content: '', refusal: null };
    const chunkTails = [{ tail: choice(first, 'null', 'first'), content: false }];
    for (const r of reasoningPieces(b)) chunkTails.push({ tail: choice({ reasoning_content: r }, 'null', 'content'), content: false });
    for (const p of a.pieces) {
      const delta = a.tool ? { tool_calls: [{ index: 0, function: { arguments: p } }] } : { content: p };
      chunkTails.push({ tail: choice(delta, 'null', 'content'), content: true });
    }
    chunkTails.push({ tail: choice({}, fr, 'finish'), content: false });
    return {
      plainTail: `,"choices":[{"index":0,"message":${JSON.stringify(message)},"logprobs":null,"finish_reason":${fr}${d.choiceExtra('plain', a.finishReason)}}]${d.bodyExtra}`,
      chunkTails,
      usageTail: usageTail(b, a.completionTokens, d.usageDetails),
    };
  });
}

function cannedText(d: ChatDialect) {
  return memoByBehaviour((b: Behaviour): Canned => {
    const a = buildAnswer({ ...b, toolCall: undefined }, 'call_');
    const finish = a.finishReason === 'tool_calls' ? 'stop' : a.finishReason;
    const fr = JSON.stringify(finish);
    const choice = (text: string, f: string, place: ChoicePlace) => `,"choices":[{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":${f}${d.choiceExtra(place, finish)}}]`;
    return {
      plainTail: choice(a.text, fr, 'plain') + d.bodyExtra,
      chunkTails: [...a.pieces.map((p) => ({ tail: choice(p, 'null', 'content'), content: true })), { tail: choice('', fr, 'finish'), content: false }],
      usageTail: usageTail(b, a.completionTokens, d.usageDetails),
    };
  });
}

function makeHandler(d: ChatDialect, canned: (b: Behaviour) => Canned, idPrefix: string, object: string, chunkObject: string): Handler {
  return (req, b, ctx) => {
    const c = canned(b);
    const body = req.json;
    const stream = body?.stream === true;
    const withUsage = wantsUsage(b, body, stream);
    const prompt = withUsage ? (b.promptTokens ?? countPromptTokens(body)) : 0;
    const usage = withUsage ? `{"prompt_tokens":${prompt},${c.usageTail(prompt)}` : '';
    const head = `{"id":"${idPrefix}${req.seq}","object":"${stream ? chunkObject : object}","created":${nowSeconds()},"model":${modelJson(answerModel(req, b, ctx))}${FP}`;
    if (!stream) return json(head + c.plainTail + (withUsage ? `,"usage":${usage}}` : '}'));
    // As OpenAI does: with include_usage every chunk carries "usage":null and a last chunk has choices [] and the usage.
    const end = withUsage ? ',"usage":null}' : '}';
    const frames: Frame[] = [...d.preamble, ...c.chunkTails.map((t) => dataFrame(head + t.tail + end, t.content))];
    if (withUsage) frames.push(dataFrame(`${head},"choices":[],"usage":${usage}}`));
    frames.push(DONE_FRAME);
    return { kind: 'stream', frames };
  };
}

/** The chat and legacy completions handlers of one dialect. */
export function chatHandlers(d: ChatDialect): { chat: Handler; completions: Handler } {
  return {
    chat: makeHandler(d, cannedChat(d), 'chatcmpl-fake', 'chat.completion', 'chat.completion.chunk'),
    completions: makeHandler(d, cannedText(d), 'cmpl-fake', 'text_completion', 'text_completion'),
  };
}

export const { chat: chatCompletions, completions } = chatHandlers(OPENAI_DIALECT);
