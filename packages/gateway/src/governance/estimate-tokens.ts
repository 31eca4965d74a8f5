/**
 * Token counts the gateway makes itself.
 *
 * Before the call (tpm and budget admission, `admissionPromptTokens`) the prompt count must not
 * fall short, since what is admitted is reserved and reconciled afterwards: a small prompt
 * counts its UTF-8 bytes (no token of any byte-level tokenizer is shorter than a byte: an upper
 * bound, at no cost), and so does a large one (over LARGE_PROMPT_CHARS) when that bound fits the
 * key's tpm; the others are counted with the tokenizer (in its worker). Plus 4 per chat message. The completion is reserved at the cap the client set (`max_tokens`,
 * `max_completion_tokens`, `max_output_tokens`), or else at the model's default reservation.
 *
 * After the call, when the upstream reported no usage (or the client left before the usage
 * chunk), the prompt and the generated text are counted with gpt-tokenizer (o200k_base), in
 * its worker thread (`../tokenizer.ts`).
 */

type Body = Record<string, unknown>;

const MESSAGE_OVERHEAD = 4;

/** Text parts of a message content / prompt / input value (images and files are skipped). */
function collectText(v: unknown, out: string[], depth = 0): void {
  if (depth > 6 || v === null || v === undefined) return;
  if (typeof v === 'string') {
    out.push(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) collectText(x, out, depth + 1);
    return;
  }
  if (typeof v === 'object') {
    const o = v as Body;
    if (typeof o.text === 'string') out.push(o.text);
    if (o.content !== undefined) collectText(o.content, out, depth + 1);
    if (typeof o.arguments === 'string') out.push(o.arguments);
    if (Array.isArray(o.tool_calls)) for (const t of o.tool_calls) collectText((t as Body | null)?.function, out, depth + 1);
  }
}

/** The prompt text of a request body, and how many chat messages it has. */
export function promptText(body: Body | null): { parts: string[]; messages: number } {
  const parts: string[] = [];
  if (!body) return { parts, messages: 0 };
  let messages = 0;
  if (Array.isArray(body.messages)) {
    messages = body.messages.length;
    collectText(body.messages, parts);
  }
  if (typeof body.system === 'string' || Array.isArray(body.system)) collectText(body.system, parts);
  if (typeof body.instructions === 'string') parts.push(body.instructions);
  if (body.prompt !== undefined) collectText(body.prompt, parts);
  if (body.input !== undefined) {
    // Embeddings may send token arrays: count their length, not their digits.
    if (Array.isArray(body.input) && body.input.length > 0 && typeof body.input[0] === 'number') parts.push('x'.repeat(body.input.length * 4));
    else collectText(body.input, parts);
  }
  return { parts, messages };
}

/** The completion cap the client set, in tokens (0 when none). */
export function completionCap(body: Body | null): number {
  if (!body) return 0;
  const v = body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** Prompts up to this many characters are counted by their UTF-8 bytes instead of the tokenizer. */
export const SMALL_PROMPT_CHARS = 2048;

/**
 * Prompts over this many characters are reserved at their UTF-8 bytes too when that fits the
 * key's tpm: counting them with the tokenizer costs milliseconds of CPU (≈ 45 ms for 1 MiB).
 */
export const LARGE_PROMPT_CHARS = 65_536;

/**
 * Prompt tokens a request is admitted with, plus the per-message overhead: an upper bound (its
 * UTF-8 bytes) for a small prompt, and for a large one whose bound fits the key's tpm (`tpm`,
 * undefined = no tpm limit); otherwise the tokenizer's count (`count`, async; its bytes again if
 * the count fails), so a large prompt is never refused by the bound alone.
 */
export function admissionPromptTokens(body: Body | null, count: (text: string) => Promise<number>, tpm?: number): number | Promise<number> {
  const { parts, messages } = promptText(body);
  const overhead = messages * MESSAGE_OVERHEAD;
  let chars = 0;
  for (const p of parts) chars += p.length;
  if (chars <= SMALL_PROMPT_CHARS || chars > LARGE_PROMPT_CHARS) {
    let bytes = 0;
    for (const p of parts) bytes += Buffer.byteLength(p, 'utf8');
    if (chars <= SMALL_PROMPT_CHARS || tpm === undefined || bytes + overhead <= tpm) return bytes + overhead;
  }
  const text = parts.join('\n');
  return count(text).then(
    (n) => n + overhead,
    () => Buffer.byteLength(text, 'utf8') + overhead,
  );
}

/** Prompt text of a request as one string for the tokenizer, and the tokens its framing adds. */
export function promptForCount(body: Body | null): { text: string; overhead: number } {
  const { parts, messages } = promptText(body);
  return { text: parts.join('\n'), overhead: messages * MESSAGE_OVERHEAD };
}
