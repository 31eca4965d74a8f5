// What the gateway's own /metrics say about a measured window: event-loop lag (prom-client
// resets its delay histogram at every scrape, so scrape once before the window and once after)
// and garbage collection (cumulative, so the window is after − before). Tells a stall inside
// the gateway (GC, CPU) apart from time spent waiting on Redis or the upstream.

/** Parse the Prometheus text into { 'name{labels}': value }. */
function parse(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** One scrape of the admin listener; null when it cannot be read. */
export async function scrape(adminOrigin) {
  try {
    const r = await fetch(`${adminOrigin}/metrics`);
    return r.ok ? parse(await r.text()) : null;
  } catch {
    return null;
  }
}

const GC_KINDS = ['minor', 'major', 'incremental'];
/** prom-client's event-loop sampling interval (its eventLoopMonitoringPrecision default). */
const SAMPLE_MS = 10;

/**
 * The window between two scrapes, as flat numbers (so medians apply): event-loop lag p99 and
 * max in ms, and per GC kind the number of pauses and their total ms.
 */
export function windowStats(before, after) {
  if (!before || !after) return {};
  // prom-client times a 10 ms timer: an idle loop reads ~10 ms. The stall is what is above it.
  const stall = (s) => Math.max(0, s * 1000 - SAMPLE_MS);
  const out = { loopLagP99Ms: stall(after.nodejs_eventloop_lag_p99_seconds), loopLagMaxMs: stall(after.nodejs_eventloop_lag_max_seconds) };
  // The gateway's own histogram (summed over workers): the window's p99, as its bucket's upper bound.
  const p99 = histogramP99(before, after, 'llmgw_event_loop_delay_seconds');
  if (p99 !== null) out.loopDelayP99Ms = p99 * 1000;
  for (const kind of GC_KINDS) {
    const k = (s) => `nodejs_gc_duration_seconds_${s}{kind="${kind}"}`;
    out[`gc_${kind}_n`] = (after[k('count')] ?? 0) - (before[k('count')] ?? 0);
    out[`gc_${kind}_ms`] = ((after[k('sum')] ?? 0) - (before[k('sum')] ?? 0)) * 1000;
  }
  return out;
}

/** The p99 of a histogram over the window between two scrapes: the upper bound of the bucket it falls in; null without samples. */
function histogramP99(before, after, name) {
  const prefix = `${name}_bucket{le="`;
  const bounds = Object.keys(after)
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length, -2))
    .map((le) => ({ le, n: (after[`${prefix}${le}"}`] ?? 0) - (before[`${prefix}${le}"}`] ?? 0) }))
    .sort((a, b) => (a.le === '+Inf' ? 1 : b.le === '+Inf' ? -1 : Number(a.le) - Number(b.le)));
  const total = bounds.at(-1)?.n ?? 0;
  if (total <= 0) return null;
  const hit = bounds.find((b) => b.n >= total * 0.99);
  return hit && hit.le !== '+Inf' ? Number(hit.le) : Infinity;
}
