import { arm, release, type Tier, type Timed } from '../../deadlines.js';
import type { H1Request, QueuePlace } from './request.js';

/**
 * A request's place in the queue, made only when it has to wait: the request itself carries
 * one field for it (H1Request.waiting), so requests that never wait pay nothing more. It holds
 * the wait's deadline too.
 */
class Waiting implements Timed, QueuePlace {
  deadline = 0;
  tier: Tier | null = null;
  slot = -1;
  prev: Waiting | null = null;
  next: Waiting | null = null;

  constructor(
    readonly queue: WaitQueue,
    readonly req: H1Request,
  ) {}

  leave(): void {
    this.queue.remove(this);
  }

  /** The request's first-byte timeout passed while it waited. */
  onDeadline(): void {
    this.queue.expired(this);
  }
}

/**
 * Requests waiting for a connection to one origin (its pool is at its bound), first in first
 * out. A doubly linked list, so that every operation is O(1), leaving included: a request that
 * ends while it waits (aborted, destroyed) unlinks itself (H1Request.settle). Each waits at most
 * its first-byte timeout, the wait being part of the time to its first byte.
 */
export class WaitQueue {
  private head: Waiting | null = null;
  private tail: Waiting | null = null;

  /** `timedOut(ms)`: the error of a request that waited its whole first-byte timeout. */
  constructor(private readonly timedOut: (ms: number) => Error) {}

  get empty(): boolean {
    return this.head === null;
  }

  push(req: H1Request): void {
    const w = new Waiting(this, req);
    req.waiting = w;
    w.prev = this.tail;
    if (this.tail === null) this.head = w;
    else this.tail.next = w;
    this.tail = w;
    arm(w, req.opts.headersTimeout);
  }

  /** The request that waited longest, out of the queue; null when none waits. */
  shift(): H1Request | null {
    const w = this.head;
    if (w === null) return null;
    this.remove(w);
    return w.req;
  }

  remove(w: Waiting): void {
    if (w.req.waiting !== w) return;
    w.req.waiting = null;
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
    release(w);
  }

  /** A request's first-byte timeout passed while it waited. */
  expired(w: Waiting): void {
    this.remove(w);
    w.req.fail(this.timedOut(w.req.opts.headersTimeout));
  }

  /** Fail every waiting request with `err`. */
  failAll(err: Error): void {
    let req: H1Request | null;
    while ((req = this.shift()) !== null) req.fail(err);
  }
}
