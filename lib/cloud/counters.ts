// Per-action API accounting, read by the run summary and the fleet benchmark.

export interface ActionCounts {
  /** Requests sent (every attempt, retries included: that is what the service's quota counts). */
  calls: number;
  /** Replies that said "too fast" (Throttling*). */
  throttled: number;
  /** Attempts repeated after a retryable failure. */
  retries: number;
  /** Calls that failed for good (after retries, or not retryable). */
  failures: number;
}

export class ApiCounters {
  private readonly byAction = new Map<string, ActionCounts>();

  add(action: string, counter: keyof ActionCounts, amount = 1): void {
    let counts = this.byAction.get(action);
    if (!counts) {
      counts = { calls: 0, throttled: 0, retries: 0, failures: 0 };
      this.byAction.set(action, counts);
    }
    counts[counter] += amount;
  }

  get(action: string): ActionCounts {
    return { calls: 0, throttled: 0, retries: 0, failures: 0, ...this.byAction.get(action) };
  }

  snapshot(): Record<string, ActionCounts> {
    const result: Record<string, ActionCounts> = {};
    for (const [action, counts] of [...this.byAction].sort(([a], [b]) => a.localeCompare(b))) result[action] = { ...counts };
    return result;
  }

  /** Requests sent per action. */
  calls(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [action, counts] of Object.entries(this.snapshot())) result[action] = counts.calls;
    return result;
  }

  total(): ActionCounts {
    const sum: ActionCounts = { calls: 0, throttled: 0, retries: 0, failures: 0 };
    for (const counts of this.byAction.values()) {
      sum.calls += counts.calls;
      sum.throttled += counts.throttled;
      sum.retries += counts.retries;
      sum.failures += counts.failures;
    }
    return sum;
  }
}

/** Requests sent per action since `before` (a `calls()` taken earlier); actions with none are left out. */
export function callsSince(counters: ApiCounters, before: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [action, calls] of Object.entries(counters.calls())) {
    const delta = calls - (before[action] ?? 0);
    if (delta > 0) result[action] = delta;
  }
  return result;
}
