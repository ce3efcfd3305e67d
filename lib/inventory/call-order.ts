// The order in which an inventory's API calls take the free slots. When every slot is busy, the calls that unblock
// probes go first: the listing, then each load balancer's listeners and SLB's verdicts (DescribeLoadBalancerListeners,
// DescribeHealthStatus: all a probe job needs), then the attribute and group calls (weights, backend types, groups),
// and ECS last (instance states and security groups serve only the diagnosis, which waits for the probes anyway).
// Within one priority, first come, first served.

export const CALL_PRIORITIES = ['listing', 'verdicts', 'details', 'ecs'] as const;
export type CallPriority = (typeof CALL_PRIORITIES)[number];

/** Runs one API call once a slot is free, higher priorities first. */
export type PriorityGate = <T>(priority: CallPriority, call: () => Promise<T>) => Promise<T>;

/** A FIFO without Array#shift's copying (thousands of calls can wait at once). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

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

/** At most `limit` calls in flight; a freed slot goes to the oldest waiting call of the highest priority. */
export function priorityGate(limit: number): PriorityGate {
  const slots = Math.max(1, limit);
  let inFlight = 0;
  const waiting = CALL_PRIORITIES.map(() => new Queue<() => void>());
  const release = (): void => {
    const next = waiting.find((queue) => queue.length > 0)?.take();
    // The slot passes straight to the next call, so the count stays as it is.
    if (next) next();
    else inFlight -= 1;
  };
  const acquire = (priority: CallPriority): Promise<void> => {
    if (inFlight < slots) {
      inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((start) => waiting[CALL_PRIORITIES.indexOf(priority)]?.push(start));
  };
  return async (priority, call) => {
    await acquire(priority);
    try {
      return await call();
    } finally {
      release();
    }
  };
}
