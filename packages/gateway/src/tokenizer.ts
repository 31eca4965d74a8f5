import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * gpt-tokenizer (o200k_base) in a worker thread, started on first use.
 *
 * The gateway counts tokens only when an upstream reports no usage, and for Anthropic
 * count_tokens on non-Anthropic models. Loaded into the main thread, the tokenizer's tables
 * would cost ~20 MB of live heap that every major GC of the relay must walk, its load would
 * block the event loop for ~0.1–0.3 s, and counting a long completion would stall every
 * stream in flight. In a worker none of that touches the hot path, and a pod whose upstreams
 * always report usage never loads it at all.
 */

/** The worker: CommonJS source, so it runs the same from `src` (tests) and `dist`. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let countTokens;
try {
  countTokens = require(workerData.path).countTokens;
} catch (e) {
  parentPort.postMessage({ loadError: String((e && e.message) || e) });
}
// Byte-pair encoding costs the square of a run's length (64 KB of letters without a space:
// seconds; 1 MB: minutes). A run of more than 256 characters of one class (space or not) is
// counted in slices of 256 and the rest of the text as it is: a few tokens off per long run,
// never a quadratic stall, and text without such runs counted whole (as fast as before).
const LONG_RUN = /\\s{257,}|\\S{257,}/g;
function count(t) {
  if (!t) return 0;
  LONG_RUN.lastIndex = 0;
  let m = LONG_RUN.exec(t);
  if (!m) return countTokens(t);
  let n = 0;
  let rest = '';
  let last = 0;
  do {
    rest += t.slice(last, m.index);
    for (let i = 0; i < m[0].length; i += 256) n += countTokens(m[0].slice(i, i + 256));
    last = m.index + m[0].length;
  } while ((m = LONG_RUN.exec(t)));
  rest += t.slice(last);
  return rest ? n + countTokens(rest) : n;
}
if (countTokens) {
  parentPort.on('message', (m) => {
    try {
      parentPort.postMessage({ id: m.id, counts: m.texts.map(count) });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
    }
  });
}
`;

interface Pending {
  resolve(counts: number[]): void;
  reject(err: Error): void;
}

interface Reply {
  id?: number;
  counts?: number[];
  error?: string;
  loadError?: string;
}

export class Tokenizer {
  private worker: Worker | null = null;
  private broken: Error | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Token counts of `texts` (empty strings count 0). Rejects when the tokenizer cannot load. */
  count(texts: string[]): Promise<number[]> {
    if (texts.every((t) => t.length === 0)) return Promise.resolve(texts.map(() => 0));
    if (this.broken) return Promise.reject(this.broken);
    let w: Worker;
    try {
      w = this.worker ?? this.start();
    } catch (e) {
      // A worker that cannot even be created (e.g. the permission model without --allow-worker)
      // fails the count like one that dies: callers fall back to their own estimate.
      this.broken = e as Error;
      return Promise.reject(this.broken);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while an answer is owed (shutdown waits for estimates).
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, texts });
    });
  }

  /** Stop the worker; counts still owed are rejected. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.failAll(new Error('tokenizer closed'));
    if (w) await w.terminate();
  }

  private start(): Worker {
    const path = createRequire(import.meta.url).resolve('gpt-tokenizer');
    // execArgv: [] so that a parent's `--input-type=module` cannot turn this CommonJS into ESM.
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { path }, stdout: false, stderr: false });
    w.unref();
    w.on('message', (m: Reply) => {
      if (m.loadError !== undefined) return this.fail(new Error(`gpt-tokenizer failed to load: ${m.loadError}`));
      const p = this.pending.get(m.id!);
      if (!p) return;
      this.pending.delete(m.id!);
      if (this.pending.size === 0) w.unref();
      if (m.counts) p.resolve(m.counts);
      else p.reject(new Error(m.error ?? 'tokenizer error'));
    });
    w.on('error', (e) => this.fail(e));
    w.on('exit', () => {
      if (this.worker === w) this.worker = null; // a later count starts a new one
      this.failAll(new Error('tokenizer worker exited'));
    });
    this.worker = w;
    return w;
  }

  private fail(e: Error): void {
    this.broken = e;
    const w = this.worker;
    this.worker = null;
    this.failAll(e);
    void w?.terminate();
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}

/** The process's one tokenizer. */
export const tokenizer = new Tokenizer();
