import { arm, release } from '../../deadlines.js';
import type { H1Request } from './request.js';

/**
 * Requests waiting for a connection to one origin (its pool is at its bound), first in first
 * out. A list threaded through the requests themselves, so that every operation is O(1),
 * leaving included: a request that ends while it waits (aborted, destroyed) unlinks itself
 * (H1Request.settle). Each waits at most its first-byte timeout, the wait being part of the
 * time to its first byte.
 */
export class WaitQueue {
  private head: H1Request | null = null;
  private tail: H1Request | null = null;

  /** `timedOut(ms)`: the error of a request that waited its whole first-byte timeout. */
  constructor(private readonly timedOut: (ms: number) => Error) {}

  get empty(): boolean {
    return this.head === null;
  }

  push(req: H1Request): void {
    req.waiting = this;
    req.prevWaiting = this.tail;
    req.nextWaiting = null;
    if (this.tail === null) this.head = req;
    else this.tail.nextWaiting = req;
    this.tail = req;
    arm(req, req.opts.headersTimeout);
  }

  /** The request that waited longest, out of the queue; null when none waits. */
  shift(): H1Request | null {
    const req = this.head;
    if (req !== null) this.remove(req);
    return req;
  }

  remove(req: H1Request): void {
    if (req.waiting !== this) return;
    const { prevWaiting: prev, nextWaiting: next } = req;
    if (prev === null) this.head = next;
    else prev.nextWaiting = next;
    if (next === null) this.tail = prev;
    else next.prevWaiting = prev;
    req.waiting = req.prevWaiting = req.nextWaiting = null;
    release(req);
  }

  /** `req`'s first-byte timeout passed while it waited. */
  expired(req: H1Request): void {
    this.remove(req);
    req.fail(this.timedOut(req.opts.headersTimeout));
  }

  /** Fail every waiting request with `err`. */
  failAll(err: Error): void {
    let req: H1Request | null;
    while ((req = this.shift()) !== null) req.fail(err);
  }
}
