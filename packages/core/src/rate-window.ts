/**
 * The rpm/tpm window of a key (`RT_KEYS.keyWindow`): a hash of per-bucket counters written
 * by the gateway's admission script. This module is what readers outside the script share
 * with it: the sizes, the field names, and how to sum what is still inside the window.
 */

/** Length of the rpm and tpm windows. */
export const RATE_WINDOW_MS = 60_000;
/** One bucket of a window (1/60 of it: a second of a minute): an admission counts until its bucket has left the window. */
export function rateBucketMs(windowMs: number): number {
  return Math.max(1, Math.round(windowMs / 60));
}

/** Requests and tokens that a window hash still counts at `nowMs`. */
export function windowTotals(hash: Record<string, string>, nowMs: number, windowMs = RATE_WINDOW_MS): { requests: number; tokens: number } {
  const bucketMs = rateBucketMs(windowMs);
  // Bucket i is inside the window while (i + 1) * bucket + window > now (the script's rule).
  const lo = Math.floor((nowMs - windowMs) / bucketMs);
  let requests = 0;
  let tokens = 0;
  for (const field in hash) {
    const kind = field.charCodeAt(0);
    if (kind !== 114 /* r */ && kind !== 116 /* t */) continue;
    const bucket = Number(field.slice(1));
    if (!Number.isInteger(bucket) || bucket < lo) continue;
    const v = Number(hash[field]) || 0;
    if (kind === 114) requests += v;
    else tokens += v;
  }
  return { requests, tokens };
}
