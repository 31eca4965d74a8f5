import { STATUS_CODES } from 'node:http';

const cache = new Map<number, string>();

/** `200 OK`, `429 Too Many Requests`, …, cached. */
export function statusLine(status: number): string {
  let line = cache.get(status);
  if (!line) {
    line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    cache.set(status, line);
  }
  return line;
}
