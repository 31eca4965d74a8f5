import type { Behaviour, ToolCallBehaviour } from './types.js';

const CANNED_WORDS = ['Hello', ' from', ' the', ' fake', ' provider.'];

/** What the fake "model" says for one behaviour: the pieces it streams and the token counts it reports. */
export interface Answer {
  /** Text pieces (tool-call argument pieces when `tool` is set). */
  pieces: string[];
  text: string;
  tool?: { id: string; name: string; arguments: string };
  /** In OpenAI terms, or the caller's own value (see `Behaviour.finishReason`). */
  finishReason: string;
  completionTokens: number;
}

let toolSeq = 0;

/** Split `text` into `n` pieces of about equal length (fewer when the text is shorter). */
function splitInto(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(Math.floor(n) || 1, text.length || 1));
  const size = text.length / count;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(text.slice(Math.round(i * size), Math.round((i + 1) * size)));
  return out;
}

function cannedPieces(n: number): string[] {
  const count = Math.max(1, Math.floor(n) || 1);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(CANNED_WORDS[i % CANNED_WORDS.length]!);
  return out;
}

function normaliseTool(t: string | ToolCallBehaviour): ToolCallBehaviour {
  return typeof t === 'string' ? { name: t } : t;
}

export function buildAnswer(b: Behaviour, idPrefix: 'call_' | 'toolu_'): Answer {
  if (b.toolCall) {
    const t = normaliseTool(b.toolCall);
    const args = t.arguments === undefined ? '{"input":"fake"}' : typeof t.arguments === 'string' ? t.arguments : JSON.stringify(t.arguments);
    const pieces = splitInto(args, b.chunks);
    return {
      pieces,
      text: '',
      tool: { id: t.id ?? `${idPrefix}fake${++toolSeq}`, name: t.name, arguments: args },
      finishReason: b.finishReason ?? 'tool_calls',
      completionTokens: b.completionTokens ?? pieces.length,
    };
  }
  const pieces = b.content === undefined ? cannedPieces(b.chunks) : splitInto(b.content, b.chunks);
  return {
    pieces,
    text: pieces.join(''),
    finishReason: b.finishReason ?? 'stop',
    completionTokens: b.completionTokens ?? pieces.length,
  };
}

/** Rough prompt size: words in every string found in the request's messages / input / prompt / system (Gemini: contents / systemInstruction). */
export function countPromptTokens(body: unknown): number {
  if (!body || typeof body !== 'object') return 1;
  const json = body as Record<string, unknown>;
  let words = 0;
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8) return;
    if (typeof v === 'string') words += countWords(v);
    else if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      // Only what a model reads: message contents and text blocks, not roles or ids.
      if ('content' in o) visit(o.content, depth + 1);
      if ('text' in o) visit(o.text, depth + 1);
      if ('parts' in o) visit(o.parts, depth + 1);
    }
  };
  visit(json.messages, 0);
  visit(json.system, 0);
  visit(json.input, 0);
  visit(json.prompt, 0);
  visit(json.contents, 0);
  visit(json.systemInstruction ?? json.system_instruction, 0);
  return Math.max(1, words);
}

function countWords(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/** Whether to report usage: always in plain bodies, in streams as the OpenAI API does (see `Behaviour.usage`). */
export function wantsUsage(b: Behaviour, json: unknown, stream: boolean): boolean {
  if (b.noUsage || b.usage === false) return false;
  if (!stream || b.usage === true) return true;
  return (json as { stream_options?: { include_usage?: unknown } } | undefined)?.stream_options?.include_usage === true;
}
