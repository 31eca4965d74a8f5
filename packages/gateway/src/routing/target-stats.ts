/**
 * What this pod knows about each target from its own traffic: requests in flight (for
 * `least-busy`) and an EWMA of time to first byte (for `latency`). Local on purpose: these
 * change on every request and sharing them would put Redis on the hot path.
 */
export class TargetStats {
  private readonly inFlight = new Map<string, number>();
  /** Per target a box whose number is updated in place: a new number per request in a long-lived Map would be a young object the next scavenge must visit. */
  private readonly ewma = new Map<string, { ms: number }>();

  /** `alpha`: weight of the newest sample in the EWMA. */
  constructor(private readonly alpha = 0.3) {}

  begin(id: string): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
  }

  end(id: string): void {
    // An idle target keeps its entry at 0 (ids are the registry's targets: bounded): deleting it
    // when the last request ends and adding it back with the next made the Map shrink and grow
    // again on every request of a lightly loaded target.
    this.inFlight.set(id, Math.max(0, (this.inFlight.get(id) ?? 1) - 1));
  }

  busy(id: string): number {
    return this.inFlight.get(id) ?? 0;
  }

  observeTtfb(id: string, ms: number): void {
    const e = this.ewma.get(id);
    if (e === undefined) this.ewma.set(id, { ms });
    else e.ms += this.alpha * (ms - e.ms);
  }

  ttfb(id: string): number | undefined {
    return this.ewma.get(id)?.ms;
  }
}
