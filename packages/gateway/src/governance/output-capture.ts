/**
 * Keeps the text the upstream generated, as relayed to the client, so that usage can be
 * estimated when the upstream reports none or the client leaves before the usage chunk.
 * It never parses whole events: it scans for the few JSON string fields that carry
 * generated text (`content`, `text`, `delta`, `arguments`) and decodes only those.
 * Most upstreams do report usage, so what passes is only kept (by reference) and scanned
 * when the text is asked for (or when too much waits).
 */

/** The members that carry generated text: `"content":"`, `"text":"`, `"delta":"`, `"arguments":"`. */
const MEMBER = '":"';
const KEY_NAMES = ['"content', '"text', '"delta', '"arguments'];

/** Whether the member whose `":"` is at `i` is one of KEY_NAMES. */
function isTextKey(s: string, i: number): boolean {
  for (const k of KEY_NAMES) if (s.startsWith(k, i - k.length)) return true;
  return false;
}
/** Beyond this many characters only the length is kept (counted as chars/4). */
const MAX_KEPT_CHARS = 1 << 20;
/** Unscanned bytes held at most; more are scanned at once. */
const MAX_PENDING_BYTES = 1 << 16;

/** End index (exclusive, at the closing quote) of a JSON string starting at `i`. */
function stringEnd(s: string, i: number): number {
  for (let k = i; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 92) k++; // backslash: skip the escaped character
    else if (c === 34) return k;
  }
  return -1;
}

/** Generated text of SSE events or a JSON body, for the tokenizer. */
export class OutputCapture {
  private parts: string[] = [];
  private kept = 0;
  private overflowChars = 0;
  /** Pushed data not scanned yet, kept by reference (strings are immutable; the upstream clients never write into a chunk they handed out). */
  private pending: Array<Buffer | string> = [];
  private pendingLen = 0;

  /** Feed bytes exactly as relayed (complete SSE events, or a whole JSON body). */
  push(data: Buffer | string): void {
    const n = data.length;
    if (this.pendingLen + n > MAX_PENDING_BYTES) this.scanPending();
    if (n > MAX_PENDING_BYTES) return this.scanPush(typeof data === 'string' ? data : data.toString('utf8'));
    this.pending.push(data);
    this.pendingLen += n;
  }

  private scanPending(): void {
    const all = this.pending;
    if (all.length === 0) return;
    this.pending = [];
    this.pendingLen = 0;
    if (all.length > 1 && all.every((d) => typeof d !== 'string')) this.scanPush(Buffer.concat(all).toString('utf8'));
    else for (const d of all) this.scanPush(typeof d === 'string' ? d : d.toString('utf8'));
  }

  private scanPush(s: string): void {
    // Summary events repeat the whole text (Responses API `*.done`, `response.completed`).
    if (s.includes('.done"') || s.includes('"response.completed"')) {
      for (const ev of s.split('\n\n')) if (!ev.includes('.done"') && !ev.includes('"response.completed"')) this.scan(ev);
      return;
    }
    this.scan(s);
  }

  /** One pass over `s`, at each `":"` (a JSON string member; never inside a JSON string, where quotes are escaped): in order of appearance. */
  private scan(s: string): void {
    let i = s.indexOf(MEMBER);
    while (i !== -1) {
      const start = i + MEMBER.length;
      if (!isTextKey(s, i)) {
        i = s.indexOf(MEMBER, start);
        continue;
      }
      const end = stringEnd(s, start);
      if (end === -1) return;
      if (end > start) this.add(s.slice(start, end));
      i = s.indexOf(MEMBER, end);
    }
  }

  private add(raw: string): void {
    let text = raw;
    if (raw.includes('\\')) {
      try {
        text = JSON.parse(`"${raw}"`) as string;
      } catch {
        /* keep the raw text: close enough for a count */
      }
    }
    if (this.kept + text.length > MAX_KEPT_CHARS) {
      this.overflowChars += text.length;
      return;
    }
    this.kept += text.length;
    this.parts.push(text);
  }

  /** The kept text. */
  get text(): string {
    this.scanPending();
    return this.parts.join('');
  }

  /** Tokens of the text beyond the kept bound (chars/4). */
  get overflowTokens(): number {
    this.scanPending();
    return Math.ceil(this.overflowChars / 4);
  }
}
