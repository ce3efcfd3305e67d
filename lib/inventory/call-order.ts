// The order in which an inventory's API calls take the free slots. When every slot is busy, the calls that unblock
// probes go first: the listing, then the listeners (a load balancer's checks, and which of them waits longest), then
// SLB's verdicts (DescribeHealthStatus: with the listeners, all a probe job needs), then SLB's re-checks (a load
// balancer whose probes have all ended: its last call before its findings are final and it is let go; after the
// verdicts, so no re-check delays the start of a chain), then the attribute and group calls (weights, backend types,
// groups), and ECS last (instance states and security groups serve only the diagnosis, which waits for the probes
// anyway).
// Within one priority a call may carry an urgency: higher urgencies go first, and equal ones first come, first served.
// The verdicts use it to start the longest evidence chains first (./collect.ts).

export const CALL_PRIORITIES = ['listing', 'listeners', 'verdicts', 'recheck', 'details', 'ecs'] as const;
export type CallPriority = (typeof CALL_PRIORITIES)[number];

/** Runs one API call once a slot is free: higher priorities first, then higher urgencies (default 0). */
export type PriorityGate = <T>(priority: CallPriority, call: () => Promise<T>, urgency?: number) => Promise<T>;

/** A FIFO without Array#shift's copying (thousands of calls can wait at once). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }
}

/** One FIFO per urgency, the most urgent first (a few distinct urgencies: a region's check timeouts). */
class UrgencyQueue<T> {
  private readonly byUrgency = new Map<number, Queue<T>>();
  /** The urgencies that have a queue, highest first. */
  private urgencies: number[] = [];

  push(item: T, urgency: number): void {
    let queue = this.byUrgency.get(urgency);
    if (!queue) {
      queue = new Queue<T>();
      this.byUrgency.set(urgency, queue);
      this.urgencies = [...this.urgencies, urgency].sort((a, b) => b - a);
    }
    queue.push(item);
  }

  take(): T | undefined {
    for (const urgency of this.urgencies) {
      const item = this.byUrgency.get(urgency)?.take();
      if (item !== undefined) return item;
    }
    return undefined;
  }
}

/** At most `limit` calls in flight; a freed slot goes to the most urgent, then oldest, waiting call of the highest priority. */
export function priorityGate(limit: number): PriorityGate {
  const slots = Math.max(1, limit);
  let inFlight = 0;
  const waiting = CALL_PRIORITIES.map(() => new UrgencyQueue<() => void>());
  const release = (): void => {
    let next: (() => void) | undefined;
    for (const queue of waiting) if ((next = queue.take())) break;
    // The slot passes straight to the next call, so the count stays as it is.
    if (next) next();
    else inFlight -= 1;
  };
  const acquire = (priority: CallPriority, urgency: number): Promise<void> => {
    if (inFlight < slots) {
      inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((start) => waiting[CALL_PRIORITIES.indexOf(priority)]?.push(start, urgency));
  };
  return async (priority, call, urgency = 0) => {
    await acquire(priority, urgency);
    try {
      return await call();
    } finally {
      release();
    }
  };
}
