/**
 * Minimal multipart/form-data field access for the audio endpoints: find a text field
 * (`model`) and replace its value, without decoding the (binary) file parts.
 */

function findField(body: Buffer, boundary: string, name: string): { start: number; end: number } | null {
  const delim = Buffer.from(`--${boundary}`);
  const header = new RegExp(`^content-disposition:\\s*form-data;\\s*name="${name}"(;|$)`, 'im');
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const headStart = pos + delim.length + 2; // skip CRLF
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    if (headEnd === -1) return null;
    const next = body.indexOf(delim, headEnd);
    if (next === -1) return null;
    const head = body.toString('latin1', headStart, headEnd);
    if (header.test(head)) return { start: headEnd + 4, end: next - 2 }; // value ends before CRLF--boundary
    pos = next;
  }
  return null;
}

export function readMultipartField(body: Buffer, boundary: string, name: string): string | null {
  const f = findField(body, boundary, name);
  return f ? body.toString('utf8', f.start, f.end) : null;
}

/** A copy of the body with the field's value replaced (the original is returned if absent). */
export function replaceMultipartField(body: Buffer, boundary: string, name: string, value: string): Buffer {
  const f = findField(body, boundary, name);
  if (!f) return body;
  return Buffer.concat([body.subarray(0, f.start), Buffer.from(value, 'utf8'), body.subarray(f.end)]);
}

export function multipartBoundary(contentType: string | undefined): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]!) : null;
}
