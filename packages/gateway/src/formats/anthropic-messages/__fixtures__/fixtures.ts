import { readFileSync } from 'node:fs';
import { SseEventSplitter } from '../../../relay/sse-events.js';

/** A recorded fixture from `__fixtures__/`, as text. (Test helper; not part of the build.) */
export function fixture(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

/** Parse SSE text into `{event, data}` with the JSON data parsed (`[DONE]` stays a string). */
export function parseEvents(text: string): Array<{ event: string | null; data: any }> {
  const s = new SseEventSplitter();
  return [...s.push(text), ...s.flush()].map((e) => ({ event: e.event, data: e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data) }));
}

/** Feed text through `push` in pieces of `size` bytes (splitting events and multi-byte characters), then `flush`. */
export function feed(t: { push(c: Buffer): Buffer | string | null; flush(): Buffer | string | null }, text: string, size = 7): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i += size) out += t.push(bytes.subarray(i, i + size))?.toString() ?? '';
  return out + (t.flush()?.toString() ?? '');
}
