/**
 * Something with at most one deadline at a time: an upstream connection (connect, headers, body
 * idle or keep-alive), an attempt's total deadline, a request body being read.
 */
export interface Timed {
  /** `performance.now()` after which `onDeadline` runs; 0 = none. Owned by the ticker. */
  deadline: number;
  /** The tier whose list holds this item, or null. Owned by the ticker. */
  tier: Tier | null;
  /** The item's place in its tier's list (-1 when in none). Owned by the ticker. */
  slot: number;
  onDeadline(): void;
}

/**
 * Deadlines checked by a few shared, unref'd intervals instead of a timer per request: arming
 * is a field write, and an item stays in its tier's list across requests (the tick drops items
 * whose deadline was cleared). A timeout goes to the coarsest tier that still fires it within
 * max(50 ms, 10 %) of its length; a tier's interval runs only while the tier holds items.
 *
 * The list is an array in which each item knows its place: removal moves the last item into
 * the hole. Not a `Set`: a long-lived Set that every request adds to and deletes from rehashes
 * every few dozen requests, and V8 allocates the rehashed table in the old generation, where
 * the table it replaces is garbage for a full GC (docs/performance.md, "floor pass").
 */
export class Tier {
  private readonly items: Timed[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly tick = () => this.check();

  constructor(readonly resolutionMs: number) {}

  add(item: Timed): void {
    item.slot = this.items.length;
    this.items.push(item);
    item.tier = this;
    if (this.timer === null) {
      this.timer = setInterval(this.tick, this.resolutionMs);
      this.timer.unref();
    }
  }

  remove(item: Timed): void {
    const items = this.items;
    const at = item.slot;
    if (item.tier !== this || at < 0 || items[at] !== item) return;
    const last = items.pop()!;
    if (last !== item) {
      items[at] = last;
      last.slot = at;
    }
    item.slot = -1;
    item.tier = null;
  }

  /** Items held (tests). */
  get size(): number {
    return this.items.length;
  }

  private check(): void {
    const now = performance.now();
    const items = this.items;
    // From the end: a removal moves the last item (already seen, or added during this tick)
    // into the hole, so every item present when the tick began is seen. An onDeadline that
    // removes others may move a seen item to a lower place, where it is looked at again (a
    // cleared deadline is dropped, a passed one fires once: its deadline is cleared first).
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (item === undefined) continue;
      if (item.deadline === 0) {
        this.remove(item);
      } else if (now >= item.deadline) {
        item.deadline = 0;
        this.remove(item);
        item.onDeadline();
      }
    }
    if (items.length === 0 && this.timer !== null) {
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
