/**
 * The parts of the Anthropic Messages API and the OpenAI Chat Completions API the
 * converters read and write. Loose on purpose: unknown fields are ignored, not rejected.
 */

export type Json = Record<string, unknown>;

interface AnthropicTextBlock { type: 'text'; text: string }
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
}
export interface AnthropicToolUseBlock { type: 'tool_use'; id: string; name: string; input: unknown }
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | AnthropicBlock[];
  is_error?: boolean;
}
interface AnthropicThinkingBlock { type: 'thinking'; thinking: string; signature?: string }
export type AnthropicBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | { type: string; [k: string]: unknown };

export interface AnthropicMessage { role: 'user' | 'assistant'; content: string | AnthropicBlock[] }

export interface AnthropicTool { type?: string; name: string; description?: string; input_schema?: unknown }

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface OpenaiToolCall { id: string; type: 'function'; function: { name: string; arguments: string } }

export type OpenaiContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: string; [k: string]: unknown };

export interface OpenaiMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | OpenaiContentPart[] | null;
  tool_calls?: OpenaiToolCall[];
  tool_call_id?: string;
  name?: string;
  reasoning_content?: string;
}

export interface OpenaiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

/** `n` when it is a finite number, else 0. */
export const num = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client's JSON value as text: a string as is, null or absent as `fallback`, anything else as JSON (never `[object Object]`). */
export function str(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return fallback;
  // Numbers and booleans read the same as JSON; objects and arrays are kept readable.
  return JSON.stringify(v) ?? fallback;
}
