import type { RecordedRequest } from './types.js';

interface Waiter {
  pred: (r: RecordedRequest) => boolean;
  resolve: (r: RecordedRequest) => void;
}

/** Keeps what was received and wakes up `waitFor` callers whenever a recorded request changes. */
export class Recorder {
  readonly received: RecordedRequest[] = [];
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly max = Infinity) {}

  add(r: RecordedRequest): void {
    this.received.push(r);
    if (this.received.length > this.max) this.received.shift();
    this.changed(r);
  }

  /** Tell waiters that `r` was updated (body arrived, answered, aborted…). */
  changed(r: RecordedRequest): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) {
      if (safeTest(w.pred, r)) {
        this.waiters.delete(w);
        w.resolve(r);
      }
    }
  }

  waitFor(pred: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    const found = this.received.find((r) => safeTest(pred, r));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`fake-provider: no matching request within ${timeoutMs} ms (${this.received.length} received)`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  clear(): void {
    this.received.length = 0;
  }
}

function safeTest(pred: (r: RecordedRequest) => boolean, r: RecordedRequest): boolean {
  try {
    return pred(r);
  } catch {
    return false;
  }
}
