// A virtual clock for tests: time moves only when the test says so (`advance`), or, in auto mode, by exactly as much
// as each sleeper asks (so retries and rate budgets run instantly while their waits stay measurable).
import type { Clock } from '../../lib/util/clock';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Every sleep requested, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(
    start = 0,
    private readonly mode: 'manual' | 'auto' = 'manual',
  ) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const wait = Math.max(0, ms);
    this.sleeps.push(wait);
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    if (this.mode === 'auto') {
      this.current += wait;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.timers.push({ at: this.current + wait, seq: this.seq++, resolve }));
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward, waking sleepers in order and letting their continuations run before the next one. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      next.resolve();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
