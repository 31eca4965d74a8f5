import { anthropicError } from './errors.js';
import { eventFrame, type Frame } from './sse.js';
import type { Behaviour } from './types.js';

/**
 * What the Anthropic Messages API adds around the answer itself: extended thinking blocks
 * (signed, and redacted ones), prompt-caching usage fields, and the request checks the real
 * API makes before a model runs.
 */

const CANNED_THINKING = 'Let me think about this step by step.';
/** Looks like Anthropic's (opaque base64); the gateway must hand it back byte for byte. */
export const FAKE_THINKING_SIGNATURE = 'EqQBCkYIBxgCKkBmYWtlLXNpZ25hdHVyZS1mcm9tLXRoZS1mYWtlLXByb3ZpZGVy';

/** The request turned extended thinking on (`thinking: {type: "enabled" | "adaptive"}`). */
function asksThinking(json: unknown): boolean {
  const t = (json as { thinking?: { type?: unknown } } | undefined)?.thinking;
  return typeof t === 'object' && t !== null && (t.type === 'enabled' || t.type === 'adaptive');
}

/** The blocks that come before the answer: `redacted_thinking` (when scripted), then `thinking`. */
export function thinkingBlocks(b: Behaviour, json: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (b.redactedThinking !== undefined) out.push({ type: 'redacted_thinking', data: b.redactedThinking });
  if (b.thinking === false || (b.thinking === undefined && !asksThinking(json))) return out;
  const text = typeof b.thinking === 'string' ? b.thinking : CANNED_THINKING;
  out.push({ type: 'thinking', thinking: text, signature: b.thinkingSignature ?? FAKE_THINKING_SIGNATURE });
  return out;
}

/** The stream events of those blocks, from index 0: a thinking block streams its text in two deltas, then its signature. */
export function thinkingFrames(blocks: readonly Record<string, unknown>[]): Frame[] {
  const frames: Frame[] = [];
  blocks.forEach((block, index) => {
    const ev = (type: string, data: Record<string, unknown>) => eventFrame(type, JSON.stringify({ type, index, ...data }));
    if (block.type === 'redacted_thinking') {
      frames.push(ev('content_block_start', { content_block: block }), ev('content_block_stop', {}));
      return;
    }
    const text = String(block.thinking);
    const half = Math.ceil(text.length / 2);
    frames.push(ev('content_block_start', { content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const piece of [text.slice(0, half), text.slice(half)]) if (piece) frames.push(ev('content_block_delta', { delta: { type: 'thinking_delta', thinking: piece } }));
    frames.push(ev('content_block_delta', { delta: { type: 'signature_delta', signature: block.signature } }), ev('content_block_stop', {}));
  });
  return frames;
}

/**
 * The prompt-caching part of `usage` (`,"cache_creation_input_tokens":…`), '' when the behaviour
 * scripts no cache activity. Anthropic counts cache reads and writes outside `input_tokens`.
 */
export function cacheUsageJson(b: Behaviour): string {
  const read = b.cachedTokens ?? 0;
  const w5 = b.cacheWrite5mTokens ?? 0;
  const w1 = b.cacheWrite1hTokens ?? 0;
  if (b.cachedTokens === undefined && b.cacheWrite5mTokens === undefined && b.cacheWrite1hTokens === undefined) return '';
  return `,"cache_creation_input_tokens":${w5 + w1},"cache_read_input_tokens":${read},"cache_creation":{"ephemeral_5m_input_tokens":${w5},"ephemeral_1h_input_tokens":${w1}}`;
}

/** What the real Messages API refuses with a 400 before a model runs (null: acceptable). */
export function checkMessagesRequest(json: unknown, countTokens: boolean): string | null {
  const j = json as Record<string, unknown>;
  if (!Array.isArray(j.messages)) return anthropicError(400, 'messages: Field required');
  if (j.messages.length === 0) return anthropicError(400, 'messages: at least one message is required');
  if (typeof j.model !== 'string' || j.model === '') return anthropicError(400, 'model: Field required');
  if (!countTokens && (typeof j.max_tokens !== 'number' || !Number.isInteger(j.max_tokens) || j.max_tokens < 1)) {
    return anthropicError(400, 'max_tokens: Field required (a positive integer)');
  }
  return null;
}
