// Token buckets: the per-action API budget and the per-chat-target message budget share this one mechanism.
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

/**
 * At most `count` events in any window of `perMs` (a sliding log). Unlike a token bucket refilled continuously, it can
 * spend a whole quota at once and still never exceed it in any window, rolling or fixed: the shape of the OpenAPI's
 * "3000 calls per 60 s per action" quota.
 */
export class SlidingWindowLimiter {
  private readonly stamps: number[] = [];
  private head = 0;
  private resumeAt = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Nothing more goes out for `ms`, e.g. after the service answered "too fast" although the window had room. */
  holdFor(ms: number): void {
    this.resumeAt = Math.max(this.resumeAt, this.clock.now() + ms);
  }

  /** Milliseconds until one more event fits in the window (0 when it fits now). */
  waitTimeMs(): number {
    const now = this.clock.now();
    if (this.resumeAt > now) return this.resumeAt - now;
    while (this.head < this.stamps.length && (this.stamps[this.head] ?? 0) <= now - this.limit.perMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      // Drop the expired prefix now and then, so the log stays as long as one window's events.
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
    const inWindow = this.stamps.length - this.head;
    if (inWindow < this.limit.count) return 0;
    return (this.stamps[this.stamps.length - this.limit.count] ?? now) + this.limit.perMs - now;
  }

  /** Waits (FIFO) until the event fits in the window, then records it. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(async () => {
      for (let wait = this.waitTimeMs(); wait > 0; wait = this.waitTimeMs()) await this.clock.sleep(wait, signal);
      this.stamps.push(this.clock.now());
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}
