/** Server-sent events framing. */

/** One streamed event, already framed, and whether it carries a content delta (what `dropAfterChunks` counts). */
export interface Frame {
  text: string;
  content: boolean;
}

export function dataFrame(json: string, content = false): Frame {
  return { text: `data: ${json}\n\n`, content };
}

export function eventFrame(event: string, json: string, content = false): Frame {
  return { text: `event: ${event}\ndata: ${json}\n\n`, content };
}

export const DONE_FRAME: Frame = { text: 'data: [DONE]\n\n', content: false };

/** The frames up to the `n`-th content frame (0 = the preamble only), then `last` and nothing more. */
export function cutAfterContent(frames: readonly Frame[], n: number, last: Frame): Frame[] {
  const out: Frame[] = [];
  let content = 0;
  for (const f of frames) {
    if (f.content && content >= n) break;
    out.push(f);
    if (f.content) content++;
  }
  out.push(last);
  return out;
}

/** Parse raw SSE text into events (for tests and fixtures). */
export function parseSse(text: string): { event?: string; data: string }[] {
  const out: { event?: string; data: string }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    out.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
  }
  return out;
}

/** A `data:` event ended by CRLF pairs, as Google's servers frame them. */
export function crlfDataFrame(json: string, content = false): Frame {
  return { text: `data: ${json}\r\n\r\n`, content };
}
