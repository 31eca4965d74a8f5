import { isCluster, type RedisClient } from '@llmgw/core';
import type { GovernanceCommands, GovernancePipeline } from './limit-scripts.js';

interface Reply {
  resolve(value: unknown): void;
  reject(e: Error): void;
}

interface Batch {
  pipeline: GovernancePipeline;
  replies: Reply[];
}

/** The `{…}` hash tag of a key (the part Redis Cluster hashes), or the whole key without one. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** What a command of the turn goes to: the client itself, or on Cluster the pipeline of its hash tag. */
export type TurnTarget = GovernanceCommands | GovernancePipeline;

/** The socket of a standalone or Sentinel-managed client (ioredis keeps it as `stream`). */
interface Corkable {
  writable: boolean;
  cork(): void;
  uncork(): void;
}

/**
 * The governance commands of one event-loop turn (lease releases, admission batches, usage),
 * written to Redis together. On a standalone or Sentinel-managed Redis the commands go to the
 * client directly while its socket is corked for the turn: one socket write for the whole
 * turn, and no pipeline object per turn (a pipeline copies the client's command table and
 * keeps its commands until all replies are in: at low load, a pipeline per request). On a
 * Cluster they go into one pipeline per hash tag, since a pipeline must stay in one slot
 * (every governance command touches keys of one tag).
 *
 * uWebSockets.js hands every request (and the upstream client every response) of one poll
 * wake-up to JS in the same poll phase; the check phase right after it runs the deferred
 * tasks, then writes, before the loop waits for more I/O. A loopback write wakes Redis and
 * costs far more than the bytes: one per turn instead of one per producer is what this is for.
 */
export class RedisTurn {
  private tasks: Array<() => void> = [];
  private lateTasks: Array<() => void> = [];
  private batches = new Map<string, Batch>();
  private corked: Corkable | null = null;
  private scheduled = false;
  private readonly cluster: boolean;

  constructor(private readonly redis: RedisClient & GovernanceCommands) {
    this.cluster = isCluster(redis);
  }

  /**
   * Run `task` at the end of this turn, before the write: the commands it sends go out with the
   * others. `late` tasks run after the rest, so their commands come later in the write and
   * Redis answers the others (admissions, which requests wait for) first.
   */
  defer(task: () => void, late = false): void {
    (late ? this.lateTasks : this.tasks).push(task);
    this.schedule();
  }

  /**
   * Send one command with this turn's write: `add` calls exactly one command on the target it
   * is given (for `key`'s hash tag). Resolves with its reply, rejects with its error.
   */
  send<T>(key: string, add: (t: TurnTarget) => unknown): Promise<T> {
    if (!this.cluster) {
      this.cork();
      return add(this.redis) as Promise<T>;
    }
    const group = hashTag(key);
    let b = this.batches.get(group);
    if (!b) this.batches.set(group, (b = { pipeline: this.redis.pipeline() as unknown as GovernancePipeline, replies: [] }));
    add(b.pipeline);
    this.schedule();
    const replies = b.replies;
    return new Promise<T>((resolve, reject) => replies.push({ resolve, reject }));
  }

  /** Run the deferred tasks and write now (shutdown: before the connection closes). */
  writeNow(): void {
    if (this.tasks.length > 0 || this.lateTasks.length > 0 || this.batches.size > 0 || this.corked) this.run();
  }

  /** Hold this turn's commands in the socket until the end of the turn. */
  private cork(): void {
    if (this.corked === null) {
      // While (re)connecting there is no writable socket: ioredis queues the commands itself.
      const stream = (this.redis as unknown as { stream?: Corkable }).stream;
      if (stream && stream.writable && typeof stream.cork === 'function') {
        stream.cork();
        this.corked = stream;
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    const tasks = this.tasks;
    const late = this.lateTasks;
    this.tasks = [];
    this.lateTasks = [];
    try {
      // Still marked scheduled: what the tasks send joins this write instead of scheduling another.
      for (const task of tasks) task();
      for (const task of late) task();
    } finally {
      this.scheduled = false;
      const corked = this.corked;
      this.corked = null;
      corked?.uncork();
      if (this.batches.size > 0) {
        const batches = this.batches;
        this.batches = new Map();
        for (const b of batches.values()) this.write(b);
      }
      if (this.tasks.length > 0 || this.lateTasks.length > 0) this.schedule(); // deferred by a task: next turn
    }
  }

  private write({ pipeline, replies }: Batch): void {
    pipeline.exec().then(
      (res) => {
        for (let i = 0; i < replies.length; i++) {
          const r = res?.[i];
          if (!r) replies[i]!.reject(new Error('no reply from Redis'));
          else if (r[0]) replies[i]!.reject(r[0]);
          else replies[i]!.resolve(r[1]);
        }
      },
      (e: Error) => {
        for (const r of replies) r.reject(e);
      },
    );
  }
}
