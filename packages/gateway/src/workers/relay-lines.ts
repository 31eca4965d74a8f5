import type { Readable } from 'node:stream';

/** Longest partial line kept while waiting for its end; past it, it is written as it is. */
const MAX_PARTIAL = 1 << 20;
const NL = 0x0a;

/**
 * Copy a worker's output to ours in whole lines. Workers write JSON log lines through their
 * own asynchronous buffers, in writes that can exceed PIPE_BUF: written straight to one shared
 * pipe, two workers' lines could interleave mid-line. Here each write holds whole lines, and
 * the supervisor is the only writer.
 */
export function relayLines(from: Readable, to: { write(b: Buffer): unknown }): void {
  let partial: Buffer | null = null;
  from.on('data', (chunk: Buffer) => {
    const nl = chunk.lastIndexOf(NL);
    if (nl < 0) {
      partial = partial ? Buffer.concat([partial, chunk]) : chunk;
      if (partial.length > MAX_PARTIAL) {
        to.write(partial);
        partial = null;
      }
      return;
    }
    const lines = chunk.subarray(0, nl + 1);
    to.write(partial ? Buffer.concat([partial, lines]) : lines);
    partial = nl + 1 < chunk.length ? Buffer.from(chunk.subarray(nl + 1)) : null;
  });
  from.on('end', () => {
    if (partial) to.write(partial);
    partial = null;
  });
}
