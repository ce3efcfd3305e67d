// Token buckets for the per-chat-target message budgets, and the RateLimit shape the API budget (lib/cloud/budget.ts)
// shares with them.
import { systemClock, type Clock } from './clock';

export interface RateLimit {
  /** At most `count` events … */
  count: number;
  /** … per this many milliseconds (refilled continuously). */
  perMs: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = limit.count;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const rate = this.limit.count / this.limit.perMs;
    this.tokens = Math.min(this.limit.count, this.tokens + (now - this.updatedAt) * rate);
    this.updatedAt = now;
  }

  /** Milliseconds until a token is free (0 when one is free now). */
  waitTimeMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil((1 - this.tokens) * (this.limit.perMs / this.limit.count));
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Empties the bucket, e.g. after the service answered "too fast": nothing more is sent until it refills. */
  drain(forMs = 0): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0) - (forMs * this.limit.count) / this.limit.perMs;
  }

  /** Waits (FIFO) until a token is free, then takes it. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const wait = this.waitTimeMs();
        if (wait === 0 && this.tryTake()) return;
        await this.clock.sleep(Math.max(wait, 1), signal);
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/** Several limits that must all hold (Feishu: 5 per second and 100 per minute). */
export class MultiBucket {
  readonly buckets: TokenBucket[];
  constructor(limits: RateLimit[], clock: Clock = systemClock) {
    this.buckets = limits.map((l) => new TokenBucket(l, clock));
  }
  async take(signal?: AbortSignal): Promise<void> {
    for (const bucket of this.buckets) await bucket.take(signal);
  }
  drain(forMs = 0): void {
    for (const bucket of this.buckets) bucket.drain(forMs);
  }
}
