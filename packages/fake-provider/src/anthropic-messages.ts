import { cacheUsageJson, checkMessagesRequest, thinkingBlocks, thinkingFrames } from './anthropic-extras.js';
import { buildAnswer, countPromptTokens } from './content.js';
import { mapFinishReasonToAnthropic } from './map-anthropic-finish-reason.js';
import { answerModel, json, memoByBehaviour, modelJson, type Handler } from './reply.js';
import { eventFrame, type Frame } from './sse.js';
import type { Behaviour } from './types.js';

/** Anthropic Messages API: `/v1/messages` (plain and streamed) and `/v1/messages/count_tokens`. */

interface Canned {
  /** The answer's content block (after any thinking blocks). */
  block: Record<string, unknown>;
  /** `[block]` as JSON, for the common answer without thinking blocks. */
  contentJson: string;
  /** `,"stop_reason":…,"stop_sequence":null` of the plain body. */
  plainTail: string;
  outputTokens: number;
  /** Events after message_start: content_block_start, ping, deltas, content_block_stop, message_delta, message_stop. */
  frames: Frame[];
  /** The same, for `noUsage` (message_delta without usage). */
  framesNoUsage: Frame[];
}

/** The canned answer of a behaviour, its block at `index` (after `index` thinking blocks). */
const canned = memoByBehaviour((b: Behaviour) => {
  const byIndex = new Map<number, Canned>();
  return (index: number): Canned => {
    let c = byIndex.get(index);
    if (!c) byIndex.set(index, (c = build(b, index)));
    return c;
  };
});

function build(b: Behaviour, index: number): Canned {
  const a = buildAnswer(b, 'toolu_');
  const stopReason = mapFinishReasonToAnthropic(a.finishReason);
  const block = a.tool
    ? { type: 'tool_use', id: a.tool.id, name: a.tool.name, input: parseArgs(a.tool.arguments) }
    : { type: 'text', text: a.text };
  const startBlock = a.tool ? { type: 'tool_use', id: a.tool.id, name: a.tool.name, input: {} } : { type: 'text', text: '' };
  const body: Frame[] = [
    eventFrame('content_block_start', JSON.stringify({ type: 'content_block_start', index, content_block: startBlock })),
    eventFrame('ping', '{"type":"ping"}'),
    ...a.pieces.map((p) =>
      eventFrame(
        'content_block_delta',
        JSON.stringify({ type: 'content_block_delta', index, delta: a.tool ? { type: 'input_json_delta', partial_json: p } : { type: 'text_delta', text: p } }),
        true,
      ),
    ),
    eventFrame('content_block_stop', `{"type":"content_block_stop","index":${index}}`),
  ];
  const delta = { stop_reason: stopReason, stop_sequence: null };
  const stop = eventFrame('message_stop', '{"type":"message_stop"}');
  return {
    block,
    contentJson: `[${JSON.stringify(block)}]`,
    plainTail: `,"stop_reason":${JSON.stringify(stopReason)},"stop_sequence":null`,
    outputTokens: a.completionTokens,
    frames: [...body, eventFrame('message_delta', JSON.stringify({ type: 'message_delta', delta, usage: { output_tokens: a.completionTokens } })), stop],
    framesNoUsage: [...body, eventFrame('message_delta', JSON.stringify({ type: 'message_delta', delta })), stop],
  };
}

function parseArgs(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return {};
  }
}

export const messages: Handler = (req, b, ctx) => {
  const refused = checkMessagesRequest(req.json, false);
  if (refused) return json(refused, 400);
  const thinking = thinkingBlocks(b, req.json);
  const c = canned(b)(thinking.length);
  const usage = !(b.noUsage || b.usage === false);
  const input = usage ? (b.promptTokens ?? countPromptTokens(req.json)) : 0;
  const cache = usage ? cacheUsageJson(b) : '';
  const head = `{"id":"msg_fake${req.seq}","type":"message","role":"assistant","model":${modelJson(answerModel(req, b, ctx, 'claude-fake'))},`;
  if (req.json?.stream !== true) {
    const content = thinking.length ? JSON.stringify([...thinking, c.block]) : c.contentJson;
    return json(`${head}"content":${content}${c.plainTail}${usage ? `,"usage":{"input_tokens":${input},"output_tokens":${c.outputTokens}${cache}}}` : '}'}`);
  }
  const startUsage = usage ? `,"usage":{"input_tokens":${input},"output_tokens":1${cache}}` : '';
  const start = eventFrame('message_start', `{"type":"message_start","message":${head}"content":[],"stop_reason":null,"stop_sequence":null${startUsage}}}`);
  const rest = usage ? c.frames : c.framesNoUsage;
  return { kind: 'stream', frames: thinking.length ? [start, ...thinkingFrames(thinking), ...rest] : [start, ...rest] };
};

export const countTokens: Handler = (req, b) => {
  const refused = checkMessagesRequest(req.json, true);
  if (refused) return json(refused, 400);
  return json(`{"input_tokens":${b.promptTokens ?? countPromptTokens(req.json)}}`);
};
