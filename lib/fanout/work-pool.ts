// Work that arrives while it runs: the streaming audit hands each load balancer's probe jobs over as soon as its
// inventory is in, and the executors start them at once, up to their concurrency, with no barrier between them.
// Among the items waiting, the one with the longest worst case goes first (LPT), so that a chain that may take 5× a
// long timeout is not left for the tail of the run. Among equal costs, the item whose lane (its probe function) has
// the fewest items running goes first, and then arrival order: the pool's slots are shared out evenly across the
// functions, so that one function does not go past what its instances hold (FC starts another instance only when all
// of a function's instances are full, https://www.alibabacloud.com/help/en/functioncompute/fc/configure-the-concurrency-of-a-single-instance)
// while another function's jobs wait in the queue.

interface Waiting<T> {
  item: T;
  arrival: number;
}

/** Waiting items by cost, longest first; within a cost, by lane, the least busy lane first, then first in first out. */
class LongestFirstQueue<T> {
  // Only non-empty buckets and lanes are kept, so the first cost always has an item to give.
  private readonly buckets = new Map<number, Map<string, Waiting<T>[]>>();
  private costs: number[] = [];
  private arrivals = 0;

  get empty(): boolean {
    return this.costs.length === 0;
  }

  push(item: T, cost: number, lane: string): void {
    let bucket = this.buckets.get(cost);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(cost, bucket);
      this.costs = [...this.costs, cost].sort((a, b) => b - a);
    }
    const waiting = { item, arrival: this.arrivals++ };
    const queue = bucket.get(lane);
    if (queue) queue.push(waiting);
    else bucket.set(lane, [waiting]);
  }

  /** The next item and its lane, given how many items each lane has running; undefined when empty. */
  shift(runningIn: (lane: string) => number): { item: T; lane: string } | undefined {
    const cost = this.costs[0];
    if (cost === undefined) return undefined;
    const bucket = this.buckets.get(cost) as Map<string, Waiting<T>[]>;
    let chosen = { lane: '', running: Infinity, arrival: Infinity };
    for (const [lane, queue] of bucket) {
      const arrival = (queue[0] as Waiting<T>).arrival;
      const running = runningIn(lane);
      if (running < chosen.running || (running === chosen.running && arrival < chosen.arrival)) chosen = { lane, running, arrival };
    }
    const queue = bucket.get(chosen.lane) as Waiting<T>[];
    const next = queue.shift() as Waiting<T>;
    if (queue.length === 0) bucket.delete(chosen.lane);
    if (bucket.size === 0) {
      this.buckets.delete(cost);
      this.costs = this.costs.slice(1);
    }
    return { item: next.item, lane: chosen.lane };
  }
}

export interface WorkPool<T> {
  /** Queues items; they start as soon as a slot is free. */
  add(items: readonly T[]): void;
  /** No more items will come: resolves once every item has run. */
  close(): Promise<void>;
}

export interface WorkPoolOptions<T> {
  concurrency: number;
  /** The item's worst case: the longest waiting item starts first. */
  cost: (item: T) => number;
  /** Where the item runs; among equal costs the least busy lane goes first. Default: one lane for all. */
  lane?: (item: T) => string;
  /** Runs one item; must not reject (the pool would lose the item's result). */
  run: (item: T) => Promise<void>;
}

export function openWorkPool<T>(options: WorkPoolOptions<T>): WorkPool<T> {
  const queue = new LongestFirstQueue<T>();
  const laneOf = options.lane ?? (() => '');
  const runningByLane = new Map<string, number>();
  const runningIn = (lane: string): number => runningByLane.get(lane) ?? 0;
  let running = 0;
  let closed = false;
  let resolveDrained: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
  const settleIfDone = (): void => {
    if (closed && running === 0 && queue.empty) resolveDrained();
  };
  const pump = (): void => {
    while (running < options.concurrency && !queue.empty) {
      const { item, lane } = queue.shift(runningIn) as { item: T; lane: string };
      running++;
      runningByLane.set(lane, runningIn(lane) + 1);
      void options.run(item).finally(() => {
        running--;
        runningByLane.set(lane, runningIn(lane) - 1);
        pump();
        settleIfDone();
      });
    }
  };
  return {
    add(items) {
      if (closed) throw new Error('work pool already closed');
      for (const item of items) queue.push(item, options.cost(item), laneOf(item));
      pump();
    },
    close() {
      closed = true;
      settleIfDone();
      return drained;
    },
  };
}
