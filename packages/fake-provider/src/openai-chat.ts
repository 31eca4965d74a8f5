import { buildAnswer, countPromptTokens, wantsUsage } from './content.js';
import { answerModel, json, memoByBehaviour, modelJson, nowSeconds, type Handler } from './reply.js';
import { DONE_FRAME, dataFrame, type Frame } from './sse.js';
import type { Behaviour } from './types.js';

/**
 * `/v1/chat/completions` and `/v1/completions`. Everything that depends only on the behaviour is
 * built once per behaviour object; a request only glues in its id, time, model and prompt size.
 */

interface Canned {
  /** Plain body from `"choices"` on, without the usage object and closing brace. */
  plainTail: string;
  completionTokens: number;
  /** Stream chunk suffixes from `"choices"` on, without the closing brace; content ones flagged. */
  chunkTails: { tail: string; content: boolean }[];
}

const FP = ',"system_fingerprint":"fp_fake"';

const cannedChat = memoByBehaviour((b: Behaviour): Canned => {
  const a = buildAnswer(b, 'call_');
  const fr = JSON.stringify(a.finishReason);
  const message = a.tool
    ? { role: 'assistant', content: null, tool_calls: [{ id: a.tool.id, type: 'function', function: { name: a.tool.name, arguments: a.tool.arguments } }], refusal: null }
    : { role: 'assistant', content: a.text, refusal: null };
  const choice = (delta: unknown, finish: string) => `,"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish}}]`;
  const first = a.tool
    ? { role: 'assistant', content: null, tool_calls: [{ index: 0, id: a.tool.id, type: 'function', function: { name: a.tool.name, arguments: '' } }], refusal: null }
    : { role: 'assistant', content: '', refusal: null };
  const chunkTails = [{ tail: choice(first, 'null'), content: false }];
  for (const p of a.pieces) {
    const delta = a.tool ? { tool_calls: [{ index: 0, function: { arguments: p } }] } : { content: p };
    chunkTails.push({ tail: choice(delta, 'null'), content: true });
  }
  chunkTails.push({ tail: choice({}, fr), content: false });
  return {
    plainTail: `,"choices":[{"index":0,"message":${JSON.stringify(message)},"logprobs":null,"finish_reason":${fr}}]`,
    completionTokens: a.completionTokens,
    chunkTails,
  };
});

const cannedText = memoByBehaviour((b: Behaviour): Canned => {
  const a = buildAnswer({ ...b, toolCall: undefined }, 'call_');
  const fr = JSON.stringify(a.finishReason === 'tool_calls' ? 'stop' : a.finishReason);
  const choice = (text: string, finish: string) => `,"choices":[{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":${finish}}]`;
  return {
    plainTail: choice(a.text, fr),
    completionTokens: a.completionTokens,
    chunkTails: [...a.pieces.map((p) => ({ tail: choice(p, 'null'), content: true })), { tail: choice('', fr), content: false }],
  };
});

function usageJson(prompt: number, completion: number): string {
  return `{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}`;
}

function makeHandler(canned: (b: Behaviour) => Canned, idPrefix: string, object: string, chunkObject: string): Handler {
  return (req, b, ctx) => {
    const c = canned(b);
    const body = req.json;
    const stream = body?.stream === true;
    const withUsage = wantsUsage(b, body, stream);
    const prompt = withUsage ? (b.promptTokens ?? countPromptTokens(body)) : 0;
    const head = `{"id":"${idPrefix}${req.seq}","object":"${stream ? chunkObject : object}","created":${nowSeconds()},"model":${modelJson(answerModel(req, b, ctx))}${FP}`;
    if (!stream) {
      return json(head + c.plainTail + (withUsage ? `,"usage":${usageJson(prompt, c.completionTokens)}}` : '}'));
    }
    // As OpenAI does: with include_usage every chunk carries "usage":null and a last chunk has choices [] and the usage.
    const end = withUsage ? ',"usage":null}' : '}';
    const frames: Frame[] = c.chunkTails.map((t) => dataFrame(head + t.tail + end, t.content));
    if (withUsage) frames.push(dataFrame(`${head},"choices":[],"usage":${usageJson(prompt, c.completionTokens)}}`));
    frames.push(DONE_FRAME);
    return { kind: 'stream', frames };
  };
}

export const chatCompletions: Handler = makeHandler(cannedChat, 'chatcmpl-fake', 'chat.completion', 'chat.completion.chunk');
export const completions: Handler = makeHandler(cannedText, 'cmpl-fake', 'text_completion', 'text_completion');
