import { randomBytes } from 'node:crypto';
import { isObject, type Json } from '../../formats/anthropic-messages/types.js';
import type { Usage } from '../../request-context.js';
import { convertGeminiUsage } from './convert-usage.js';
import { mapGeminiFinishReason } from './map-finish-reason.js';
import type { GeminiCandidate, GeminiResponse } from './types.js';

/** A tool call id for a Gemini function call that came without one (URL- and Anthropic-safe characters). */
function newToolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/** The id of a chat completion (and of its chunks) answered from a Gemini response. */
export function completionId(res: GeminiResponse): string {
  return `chatcmpl-${typeof res.responseId === 'string' && res.responseId ? res.responseId : randomBytes(12).toString('base64url')}`;
}

/**
 * A `functionCall` part as an OpenAI tool call: Gemini's call id when it sent one (else a new
 * one), the arguments as JSON text, and the part's thought signature where Google's own
 * OpenAI-compatible API puts it (`extra_content.google.thought_signature`), for the client to
 * send back with the call (convert-chat-messages.ts reads it there).
 */
export function convertFunctionCall(fc: Json, thoughtSignature: unknown): Json {
  const call: Json = {
    id: typeof fc.id === 'string' && fc.id ? fc.id : newToolCallId(),
    type: 'function',
    function: { name: typeof fc.name === 'string' ? fc.name : '', arguments: JSON.stringify(isObject(fc.args) ? fc.args : {}) },
  };
  if (typeof thoughtSignature === 'string' && thoughtSignature) call.extra_content = { google: { thought_signature: thoughtSignature } };
  return call;
}

/** The message Gemini answers when it refuses the prompt itself (no candidates, `promptFeedback.blockReason`). */
export function blockedPromptText(reason: string): string {
  return `Gemini blocked the prompt (blockReason ${reason}).`;
}

function convertCandidate(c: GeminiCandidate, i: number): Json {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const calls: Json[] = [];
  for (const part of c.content?.parts ?? []) {
    if (!isObject(part)) continue;
    if (isObject(part.functionCall)) calls.push(convertFunctionCall(part.functionCall, part.thoughtSignature));
    else if (typeof part.text === 'string') (part.thought === true ? thoughts : texts).push(part.text);
  }
  const message: Json = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null, refusal: null };
  if (calls.length > 0) message.tool_calls = calls;
  if (thoughts.length > 0) message.reasoning_content = thoughts.join('');
  return { index: typeof c.index === 'number' ? c.index : i, message, logprobs: null, finish_reason: mapGeminiFinishReason(c.finishReason, calls.length > 0) };
}

/**
 * A Gemini `GenerateContentResponse` as an OpenAI `chat.completion`: one choice per candidate
 * (text parts joined as `content`, thought summaries as `reasoning_content`, function calls as
 * `tool_calls`), finish reasons mapped (map-finish-reason.ts), `usageMetadata` as `usage`. A
 * prompt Gemini blocked (no candidates, `promptFeedback.blockReason`) is one choice with no
 * content, the reason as `refusal`, and `finish_reason: "content_filter"`.
 */
export function convertGeminiResponseToChat(res: GeminiResponse, publicModel: string, created = Math.floor(Date.now() / 1000)): { json: Json; usage: Usage | null } {
  const candidates = Array.isArray(res.candidates) ? res.candidates.filter(isObject) : [];
  let choices: Json[];
  if (candidates.length > 0) choices = candidates.map(convertCandidate);
  else {
    const reason = isObject(res.promptFeedback) && typeof res.promptFeedback.blockReason === 'string' ? res.promptFeedback.blockReason : null;
    const message = { role: 'assistant', content: null, refusal: reason ? blockedPromptText(reason) : null };
    choices = [{ index: 0, message, logprobs: null, finish_reason: reason ? 'content_filter' : 'stop' }];
  }
  const json: Json = { id: completionId(res), object: 'chat.completion', created, model: publicModel, choices };
  if (!isObject(res.usageMetadata)) return { json, usage: null };
  const u = convertGeminiUsage(res.usageMetadata);
  json.usage = u.openai;
  return { json, usage: u.usage };
}
