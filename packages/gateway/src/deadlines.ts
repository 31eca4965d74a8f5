/**
 * Something with at most one deadline at a time: an upstream connection (connect, headers, body
 * idle or keep-alive), an attempt's total deadline, a request body being read.
 */
export interface Timed {
  /** `performance.now()` after which `onDeadline` runs; 0 = none. Owned by the ticker. */
  deadline: number;
  /** The tier whose set holds this item, or null. Owned by the ticker. */
  tier: Tier | null;
  onDeadline(): void;
}

/**
 * Deadlines checked by a few shared, unref'd intervals instead of a timer per request: arming
 * is a field write, and an item stays in its tier's set across requests (the tick drops items
 * whose deadline was cleared). A timeout goes to the coarsest tier that still fires it within
 * max(50 ms, 10 %) of its length; a tier's interval runs only while the tier holds items.
 */
export class Tier {
  private readonly items = new Set<Timed>();
  private timer: NodeJS.Timeout | null = null;
  private readonly tick = () => this.check();

  constructor(readonly resolutionMs: number) {}

  add(item: Timed): void {
    this.items.add(item);
    item.tier = this;
    if (this.timer === null) {
      this.timer = setInterval(this.tick, this.resolutionMs);
      this.timer.unref();
    }
  }

  remove(item: Timed): void {
    this.items.delete(item);
    item.tier = null;
  }

  private check(): void {
    const now = performance.now();
    for (const item of this.items) {
      if (item.deadline === 0) {
        this.remove(item);
      } else if (now >= item.deadline) {
        item.deadline = 0;
        this.remove(item);
        item.onDeadline();
      }
    }
    if (this.items.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

const FINE = new Tier(50);
const MEDIUM = new Tier(250);
const COARSE = new Tier(1_000);

function tierFor(timeoutMs: number): Tier {
  if (timeoutMs < 2_500) return FINE;
  if (timeoutMs < 10_000) return MEDIUM;
  return COARSE;
}

/** Run `item.onDeadline()` about `timeoutMs` from now (replacing its current deadline); 0 or less = no deadline. */
export function arm(item: Timed, timeoutMs: number): void {
  if (!(timeoutMs > 0)) {
    item.deadline = 0;
    return;
  }
  item.deadline = performance.now() + timeoutMs;
  const tier = tierFor(timeoutMs);
  if (item.tier === tier) return;
  item.tier?.remove(item);
  tier.add(item);
}

/**
 * Clear the item's deadline; the tier forgets it on its next tick. For items that live on
 * (a connection re-armed by its next request): no Set work per request.
 */
export function disarm(item: Timed): void {
  item.deadline = 0;
}

/**
 * Clear the item's deadline and forget it now. For items of one request: left to the next
 * tick (up to a second away) the item would keep the request's closures alive through young-
 * generation GCs and get them promoted to the old generation.
 */
export function release(item: Timed): void {
  item.deadline = 0;
  item.tier?.remove(item);
}
