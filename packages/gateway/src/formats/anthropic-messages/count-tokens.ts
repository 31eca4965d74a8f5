import { tokenizer } from '../../tokenizer.js';
import { isObject, type Json, str } from './types.js';

/**
 * Tokens an image is counted as when the gateway estimates: Anthropic bills about
 * width×height/750, and images are scaled to at most ~1.15 megapixels, so ~1,600 is the most.
 */
const IMAGE_TOKENS = 1600;
/** Per-message framing (role markers), as OpenAI's own counting guide adds. */
const MESSAGE_OVERHEAD = 3;

function blockText(b: unknown, images: { n: number }, depth = 0): string {
  if (typeof b === 'string') return b;
  // A tool_result holds text and image blocks; nothing legitimate nests deeper than that.
  if (depth > 2) return '';
  if (!isObject(b)) return '';
  switch (b.type) {
    case 'text':
      return str(b.text);
    case 'thinking':
      return str(b.thinking);
    case 'image':
    case 'document':
      images.n++;
      return '';
    case 'tool_use':
      return `${str(b.name)} ${JSON.stringify(b.input ?? {})}`;
    case 'tool_result':
      return Array.isArray(b.content) ? b.content.map((c) => blockText(c, images, depth + 1)).join('\n') : str(b.content);
    default:
      return '';
  }
}

/**
 * An estimate of the input tokens of an Anthropic Messages request, counted with OpenAI's
 * o200k_base tokenizer: Claude's own tokenizer is not public, so this is close, not exact.
 * Used for `/v1/messages/count_tokens` when the model is not served by an Anthropic provider.
 */
export async function estimateAnthropicInputTokens(body: Json): Promise<number> {
  const images = { n: 0 };
  const texts: string[] = [];
  const system = body.system;
  if (typeof system === 'string') texts.push(system);
  else if (Array.isArray(system)) for (const b of system) texts.push(blockText(b, images));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    const c = m.content;
    texts.push(Array.isArray(c) ? c.map((b) => blockText(b, images)).join('\n') : str(c));
  }
  if (Array.isArray(body.tools)) for (const t of body.tools) texts.push(JSON.stringify(t));
  let tokens = 0;
  for (const n of await tokenizer.count(texts)) tokens += n;
  return tokens + messages.length * MESSAGE_OVERHEAD + images.n * IMAGE_TOKENS;
}
