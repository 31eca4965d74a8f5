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

/** One scrape `ms` from now (the end of a load client's warm-up, while it runs). */
export function scrapeLater(adminOrigin, ms) {
  return new Promise((resolve) => setTimeout(resolve, ms)).then(() => scrape(adminOrigin));
}

const GC_KINDS = ['minor', 'major', 'incremental'];
/** prom-client's event-loop sampling interval (its eventLoopMonitoringPrecision default). */
const SAMPLE_MS = 10;

/**
 * The window between two scrapes, as flat numbers (so medians apply): event-loop lag p99 and
 * max in ms, the p50 and p99 of the gateway's own time per request (bucket bounds, ms), and per
 * GC kind the number of pauses and their total ms.
 */
export function windowStats(before, after) {
  if (!before || !after) return {};
  // prom-client times a 10 ms timer: an idle loop reads ~10 ms. The stall is what is above it.
  const stall = (s) => Math.max(0, s * 1000 - SAMPLE_MS);
  const out = { loopLagP99Ms: stall(after.nodejs_eventloop_lag_p99_seconds), loopLagMaxMs: stall(after.nodejs_eventloop_lag_max_seconds) };
  // The gateway's own histogram (summed over workers): the window's p99, as its bucket's upper bound.
  const p99 = histogramQuantile(before, after, 'llmgw_event_loop_delay_seconds', 0.99);
  if (p99 !== null) out.loopDelayP99Ms = p99 * 1000;
  // The time each request spent in the gateway itself (llmgw_gateway_overhead_seconds): the
  // part of the added latency that is the gateway's own work and waits, not the host's.
  for (const [field, q] of [['ownP50Ms', 0.5], ['ownP99Ms', 0.99]]) {
    const v = histogramQuantile(before, after, 'llmgw_gateway_overhead_seconds', q);
    if (v !== null) out[field] = v * 1000;
  }
  for (const kind of GC_KINDS) {
    const k = (s) => `nodejs_gc_duration_seconds_${s}{kind="${kind}"}`;
    out[`gc_${kind}_n`] = (after[k('count')] ?? 0) - (before[k('count')] ?? 0);
    out[`gc_${kind}_ms`] = ((after[k('sum')] ?? 0) - (before[k('sum')] ?? 0)) * 1000;
  }
  return out;
}

/**
 * A quantile of a histogram over the window between two scrapes, its series summed over their
 * labels (endpoints, workers): the upper bound of the bucket it falls in; null without samples.
 */
function histogramQuantile(before, after, name, q) {
  const prefix = `${name}_bucket{`;
  const byLe = new Map();
  for (const k of Object.keys(after)) {
    if (!k.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(k)?.[1];
    if (le !== undefined) byLe.set(le, (byLe.get(le) ?? 0) + after[k] - (before[k] ?? 0));
  }
  const bounds = [...byLe].map(([le, n]) => ({ le, n })).sort((a, b) => (a.le === '+Inf' ? 1 : b.le === '+Inf' ? -1 : Number(a.le) - Number(b.le)));
  const total = bounds.at(-1)?.n ?? 0;
  if (total <= 0) return null;
  const hit = bounds.find((b) => b.n >= total * q);
  return hit && hit.le !== '+Inf' ? Number(hit.le) : Infinity;
}
