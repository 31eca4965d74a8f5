import { Errors } from '../../errors/catalog.js';
import { isObject, type OpenaiContentPart, type OpenaiMessage } from '../../formats/anthropic-messages/types.js';
import type { GeminiContent, GeminiPart } from './types.js';

/**
 * The value Google documents for a function call replayed without the `thoughtSignature` it
 * came with (history from another model, or a client that dropped it): Gemini 3 refuses such a
 * turn with a 400 unless its first function call carries a signature.
 */
const SKIP_SIGNATURE = 'skip_thought_signature_validator';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf',
};

function unsupported(what: string): never {
  throw Errors.invalidBody(`${what} cannot be sent to a model served by a Gemini provider.`, 'messages');
}

/** An image (or PDF) URL: a data URL inline, any other URL as `fileData` (Gemini fetches what it can: its Files API, YouTube, public URLs). */
function urlPart(url: string): GeminiPart {
  const m = DATA_URL.exec(url);
  if (m) return { inlineData: { mimeType: m[1]!, data: m[2]! } };
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = ext ? MIME_BY_EXTENSION[ext] : undefined;
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

/** An OpenAI content part as a Gemini part (null: nothing to send, an empty text). */
function contentPart(p: OpenaiContentPart): GeminiPart | null {
  switch (p.type) {
    case 'text':
      return typeof p.text === 'string' && p.text ? { text: p.text } : null;
    case 'image_url': {
      const iu = (p as { image_url?: unknown }).image_url;
      const url = typeof iu === 'string' ? iu : isObject(iu) && typeof iu.url === 'string' ? iu.url : '';
      return url ? urlPart(url) : unsupported('An image_url part without a url');
    }
    case 'input_audio': {
      const a = (p as { input_audio?: unknown }).input_audio;
      if (!isObject(a) || typeof a.data !== 'string') return unsupported('An input_audio part without data');
      return { inlineData: { mimeType: `audio/${typeof a.format === 'string' ? a.format : 'wav'}`, data: a.data } };
    }
    case 'file': {
      const f = (p as { file?: unknown }).file;
      const m = isObject(f) && typeof f.file_data === 'string' ? DATA_URL.exec(f.file_data) : null;
      return m ? { inlineData: { mimeType: m[1]!, data: m[2]! } } : unsupported('A file part without inline file_data');
    }
    case 'refusal':
      return typeof p.refusal === 'string' && p.refusal ? { text: p.refusal } : null;
    default:
      return unsupported(`A content part of type "${p.type}"`);
  }
}

function partsOf(content: OpenaiMessage['content']): GeminiPart[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  if (!Array.isArray(content)) return [];
  return content.flatMap((p) => (isObject(p) ? (contentPart(p) ?? []) : []));
}

/** A tool message's content as a function response (JSON when it reads as an object or list, else text) and any images it holds. */
function toolResult(content: OpenaiMessage['content']): { output: unknown; media: GeminiPart[] } {
  const parts = partsOf(content);
  const text = parts.map((p) => p.text ?? '').filter(Boolean).join('\n');
  const media = parts.filter((p) => p.text === undefined);
  let output: unknown = text;
  if (/^\s*[[{]/.test(text)) {
    try {
      output = JSON.parse(text);
    } catch {
      // not JSON after all: the text as it is
    }
  }
  return { output, media };
}

function parseArgs(args: unknown): Record<string, unknown> {
  if (typeof args !== 'string' || args === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

/** The parts of an assistant message: its text, then its tool calls as function calls (with their signatures). */
function modelParts(m: OpenaiMessage, names: Map<string, string>, fallbackSignature: boolean): GeminiPart[] {
  const parts = partsOf(m.content);
  const calls: GeminiPart[] = [];
  for (const c of Array.isArray(m.tool_calls) ? (m.tool_calls as unknown[]) : []) {
    if (!isObject(c)) continue;
    const f = isObject(c.function) ? c.function : {};
    const name = typeof f.name === 'string' ? f.name : '';
    const id = typeof c.id === 'string' && c.id ? c.id : undefined;
    if (id) names.set(id, name);
    const part: GeminiPart = { functionCall: { ...(id ? { id } : {}), name, args: parseArgs(f.arguments) } };
    // Where the gateway put it in the answer (Google's own OpenAI-compatible convention).
    const google = isObject(c.extra_content) && isObject(c.extra_content.google) ? c.extra_content.google : {};
    if (typeof google.thought_signature === 'string' && google.thought_signature) part.thoughtSignature = google.thought_signature;
    calls.push(part);
  }
  if (fallbackSignature && calls.length > 0 && !calls.some((p) => p.thoughtSignature)) calls[0]!.thoughtSignature = SKIP_SIGNATURE;
  return [...parts, ...calls];
}

/** Append parts to the conversation as a turn of `role`, or to the last turn when it is of that role and `merge` says so. */
function append(contents: GeminiContent[], role: GeminiContent['role'], parts: GeminiPart[], merge: boolean): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (merge && last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

interface ConvertedMessages {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
}

/**
 * OpenAI chat `messages` as Gemini `contents` and `systemInstruction`:
 * - `system` and `developer` messages, wherever they are, become the system instruction;
 * - user messages are `user` turns (text, images and PDFs as data URLs or URLs, audio);
 * - assistant messages are `model` turns, their tool calls `functionCall` parts with the call's
 *   id and the thought signature the client got (`extra_content.google.thought_signature`);
 *   `fallbackSignature` puts Google's documented stand-in on a turn whose calls have none;
 * - tool messages are `functionResponse` parts of a `user` turn (consecutive ones in one turn,
 *   as Gemini wants the answers to parallel calls together), named after the call they answer.
 * Consecutive assistant messages are one turn, since Gemini refuses a function call right
 * after a model turn. Empty messages are left out (Gemini refuses empty parts).
 */
export function convertChatMessages(messages: unknown[], fallbackSignature: boolean): ConvertedMessages {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const names = new Map<string, string>();
  let lastRole: string | null = null;
  for (const raw of messages) {
    if (!isObject(raw)) continue;
    const m = raw as unknown as OpenaiMessage;
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...partsOf(m.content).filter((p) => p.text !== undefined));
        continue;
      case 'assistant':
        append(contents, 'model', modelParts(m, names, fallbackSignature), lastRole === 'assistant');
        break;
      case 'tool': {
        const id = typeof m.tool_call_id === 'string' ? m.tool_call_id : '';
        const name = names.get(id);
        if (name === undefined) throw Errors.invalidBody(`A tool message answers tool_call_id "${id}", which no earlier assistant message called.`, 'messages');
        const { output, media } = toolResult(m.content);
        append(contents, 'user', [{ functionResponse: { id, name, response: { output } } }, ...media], lastRole === 'tool');
        break;
      }
      default:
        append(contents, 'user', partsOf(m.content), false);
    }
    lastRole = m.role;
  }
  return system.length > 0 ? { contents, systemInstruction: { parts: system } } : { contents };
}

/** Gemini 3 and later refuse a replayed function call without a thought signature. */
export function requiresThoughtSignatures(model: string): boolean {
  const m = /gemini-(\d+)/.exec(model);
  return m !== null && Number(m[1]) >= 3;
}
