import { randomBytes } from 'node:crypto';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;
let pool = Buffer.alloc(0);
let offset = 0;

/** The client's x-request-id when it is sane, else a new `req_<24 hex>`. */
export function requestId(fromClient: string | undefined): string {
  if (fromClient && VALID.test(fromClient)) return fromClient;
  // One randomBytes call serves many requests.
  if (offset + 12 > pool.length) {
    pool = randomBytes(12 * 256);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 12);
  offset += 12;
  return `req_${id}`;
}
