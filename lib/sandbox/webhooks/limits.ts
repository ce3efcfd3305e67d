// Rate limits as the chat services apply them: a sliding window with an optional lockout, and a token bucket.
import type { SinkClock } from './types';

/** At most `limit` accepted messages per `windowMs`; going over locks the sender out for `lockoutMs`. */
export class WindowLimiter {
  private accepted: number[] = [];
  private lockedUntil = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly lockoutMs: number,
    private readonly clock: SinkClock,
  ) {}

  /** True when this message may pass (and counts it). */
  admit(): boolean {
    const now = this.clock.now();
    if (now < this.lockedUntil) return false;
    this.accepted = this.accepted.filter((t) => now - t < this.windowMs);
    if (this.accepted.length >= this.limit) {
      this.lockedUntil = now + this.lockoutMs;
      return false;
    }
    this.accepted.push(now);
    return true;
  }
}

/** Slack's "about one per second, with short bursts". */
export class BurstLimiter {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: SinkClock,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** 0 when admitted, else the seconds to wait (for Retry-After). */
  admit(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
