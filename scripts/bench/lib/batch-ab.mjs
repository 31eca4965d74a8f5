// The in-process A/Bs (stages-ab, upstream-ab, governance-ab): two builds loaded in one
// process, batches of A and B alternated (A B, B A, …) so that the host's drift falls on both,
// CPU time of this process per request in each batch, medians and B/A.
import { median } from './report.mjs';

/**
 * Run `batches` rounds of `requests` calls of each side's `run`, `inFlight` at a time; batch 0
 * warms both up and is not counted. `settle(side)`, awaited before a batch's clock stops, is
 * for work the batch leaves behind (buffered writes). Returns CPU µs per request per batch.
 * @param {Record<'A'|'B', () => Promise<unknown>>} sides
 * @returns {Promise<{A: number[], B: number[]}>}
 */
export async function alternateBatches(sides, { batches, requests, inFlight = 64, settle }) {
  const us = { A: [], B: [] };
  for (let i = 0; i < batches; i++) {
    for (const name of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      const run = sides[name];
      const t0 = process.cpuUsage();
      for (let done = 0; done < requests; done += inFlight) await Promise.all(Array.from({ length: inFlight }, run));
      if (settle) await settle(name);
      const t = process.cpuUsage(t0);
      if (i > 0) us[name].push((t.user + t.system) / requests);
    }
  }
  return us;
}

/**
 * The two lines every in-process A/B prints after its heading: each side's median with the
 * batches' range, B/A of the medians, and the median of each B batch over the A batch run next
 * to it (same conditions). `scale` turns µs into the unit shown, `digits` its decimals.
 */
export function abLines(us, { scale = 1, digits = 0 } = {}) {
  const f = (x) => (x * scale).toFixed(digits);
  const a = median(us.A);
  const b = median(us.B);
  const pairs = us.B.map((x, i) => x / us.A[i]);
  const range = (xs) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
  return `  A ${f(a)} (${range(us.A)})  B ${f(b)} (${range(us.B)})  B/A ${(b / a).toFixed(3)}, median of the pairs' B/A ${median(pairs).toFixed(3)}\n`;
}
