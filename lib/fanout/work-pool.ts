// Work that arrives while it runs: the streaming audit hands each load balancer's probe jobs over as soon as its
// inventory is in, and the executors start them at once, up to their concurrency, with no barrier between them.
// Among the items waiting, the one with the longest worst case goes first (LPT), so that a chain that may take 5× a
// long timeout is not left for the tail of the run; equal costs keep their arrival order.

/** Waiting items by cost, longest first, first in first out within a cost. */
class LongestFirstQueue<T> {
  private readonly buckets = new Map<number, T[]>();
  private costs: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T, cost: number): void {
    let bucket = this.buckets.get(cost);
    if (!bucket) {
      bucket = [];
      this.buckets.set(cost, bucket);
      this.costs = [...this.costs, cost].sort((a, b) => b - a);
    }
    bucket.push(item);
    this.count++;
  }

  shift(): T | undefined {
    for (const cost of this.costs) {
      const bucket = this.buckets.get(cost);
      if (bucket && bucket.length > 0) {
        this.count--;
        return bucket.shift();
      }
    }
    return undefined;
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
  /** Runs one item; must not reject (the pool would lose the item's result). */
  run: (item: T) => Promise<void>;
}

export function openWorkPool<T>(options: WorkPoolOptions<T>): WorkPool<T> {
  const queue = new LongestFirstQueue<T>();
  let running = 0;
  let closed = false;
  let resolveDrained: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
  const settleIfDone = (): void => {
    if (closed && running === 0 && queue.size === 0) resolveDrained();
  };
  const pump = (): void => {
    while (running < options.concurrency && queue.size > 0) {
      const item = queue.shift() as T;
      running++;
      void options.run(item).finally(() => {
        running--;
        pump();
        settleIfDone();
      });
    }
  };
  return {
    add(items) {
      if (closed) throw new Error('work pool already closed');
      for (const item of items) queue.push(item, options.cost(item));
      pump();
    },
    close() {
      closed = true;
      settleIfDone();
      return drained;
    },
  };
}
