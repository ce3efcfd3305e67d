// Work that arrives while it runs: the streaming audit hands each load balancer's probe jobs over as soon as its
// inventory is in, and the executors start them at once, up to their concurrency, with no barrier between them.
// Among the items waiting, the one with the longest worst case goes first (LPT), so that a chain that may take 5× a
// long timeout is not left for the tail of the run. Among equal costs, the item whose lane (its probe function) has
// the fewest items running goes first, and then arrival order: the pool's slots are shared out evenly across the
// functions. A lane can also have a capacity (the function's instance concurrency): FC starts another instance only
// when all of a function's instances are full (https://www.alibabacloud.com/help/en/functioncompute/fc/configure-the-concurrency-of-a-single-instance),
// and a new instance pays its start and its JIT warm-up again, so an item whose lane is at what its instances hold
// waits while an item of a lane with room can start, whatever their costs; items marked so wait for their lane's room
// even when nothing else can start.

interface Waiting<T> {
  item: T;
  arrival: number;
}

/** One lane's waiting items of one cost that either may or may not start another unit of the lane. */
interface LaneQueue<T> {
  lane: string;
  waitsForRoom: boolean;
  items: Waiting<T>[];
}

/**
 * Waiting items by cost, longest first (skipping lanes without room while another lane has it); within a cost, by lane,
 * the least busy lane first, then first in first out.
 */
class LongestFirstQueue<T> {
  // Only non-empty buckets and queues are kept, so the first cost always has an item to give.
  private readonly buckets = new Map<number, Map<string, LaneQueue<T>>>();
  private costs: number[] = [];
  private arrivals = 0;

  get empty(): boolean {
    return this.costs.length === 0;
  }

  push(item: T, cost: number, lane: string, waitsForRoom: boolean): void {
    let bucket = this.buckets.get(cost);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(cost, bucket);
      this.costs = [...this.costs, cost].sort((a, b) => b - a);
    }
    const key = `${waitsForRoom ? 'w' : 's'}${lane}`;
    const waiting = { item, arrival: this.arrivals++ };
    const queue = bucket.get(key);
    if (queue) queue.items.push(waiting);
    else bucket.set(key, { lane, waitsForRoom, items: [waiting] });
  }

  /**
   * The next item and its lane, given each lane's running items and whether it has room for one more. The longest cost
   * among lanes with room; when no waiting lane has room, the longest cost among the items that may start another unit;
   * undefined when the queue is empty or every item waits for room.
   */
  shift(runningIn: (lane: string) => number, hasRoom: (lane: string) => boolean): { item: T; lane: string } | undefined {
    for (const eligible of [(queue: LaneQueue<T>) => hasRoom(queue.lane), (queue: LaneQueue<T>) => !queue.waitsForRoom]) {
      for (const cost of this.costs) {
        const key = this.leastBusyQueue(cost, runningIn, eligible);
        if (key !== undefined) return this.take(cost, key);
      }
    }
    return undefined;
  }

  private leastBusyQueue(cost: number, runningIn: (lane: string) => number, eligible: (queue: LaneQueue<T>) => boolean): string | undefined {
    let chosen: { key: string; running: number; arrival: number } | undefined;
    for (const [key, queue] of this.buckets.get(cost) as Map<string, LaneQueue<T>>) {
      if (!eligible(queue)) continue;
      const arrival = (queue.items[0] as Waiting<T>).arrival;
      const running = runningIn(queue.lane);
      if (!chosen || running < chosen.running || (running === chosen.running && arrival < chosen.arrival)) chosen = { key, running, arrival };
    }
    return chosen?.key;
  }

  private take(cost: number, key: string): { item: T; lane: string } {
    const bucket = this.buckets.get(cost) as Map<string, LaneQueue<T>>;
    const queue = bucket.get(key) as LaneQueue<T>;
    const next = queue.items.shift() as Waiting<T>;
    if (queue.items.length === 0) bucket.delete(key);
    if (bucket.size === 0) {
      this.buckets.delete(cost);
      this.costs = this.costs.filter((other) => other !== cost);
    }
    return { item: next.item, lane: queue.lane };
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
  /**
   * Items one unit of a lane runs at once (a probe function's instance concurrency). A lane has room below the units
   * it has needed so far (its peak, rounded up to whole units; at least one). Default: no limit.
   */
  laneCapacity?: number;
  /**
   * Items that wait for their lane's room instead of starting another unit of it (work whose pace the unit's own
   * limits set, so that another unit would cost more than it gains). Default: none.
   */
  waitsForRoom?: (item: T) => boolean;
  /** Runs one item; must not reject (the pool would lose the item's result). */
  run: (item: T) => Promise<void>;
}

export function openWorkPool<T>(options: WorkPoolOptions<T>): WorkPool<T> {
  const queue = new LongestFirstQueue<T>();
  const laneOf = options.lane ?? (() => '');
  const waitsForRoom = options.waitsForRoom ?? (() => false);
  const runningByLane = new Map<string, number>();
  const runningIn = (lane: string): number => runningByLane.get(lane) ?? 0;
  const capacity = options.laneCapacity ?? Infinity;
  const peakByLane = new Map<string, number>();
  const hasRoom = (lane: string): boolean => runningIn(lane) < Math.max(1, Math.ceil((peakByLane.get(lane) ?? 0) / capacity)) * capacity;
  let running = 0;
  let closed = false;
  let resolveDrained: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve));
  const settleIfDone = (): void => {
    if (closed && running === 0 && queue.empty) resolveDrained();
  };
  const pump = (): void => {
    while (running < options.concurrency) {
      const next = queue.shift(runningIn, hasRoom);
      if (next === undefined) return;
      const { item, lane } = next;
      running++;
      runningByLane.set(lane, runningIn(lane) + 1);
      peakByLane.set(lane, Math.max(peakByLane.get(lane) ?? 0, runningIn(lane)));
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
      for (const item of items) queue.push(item, options.cost(item), laneOf(item), waitsForRoom(item));
      pump();
    },
    close() {
      closed = true;
      settleIfDone();
      return drained;
    },
  };
}
