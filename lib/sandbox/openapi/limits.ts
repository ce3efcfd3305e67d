// The gateway's bookkeeping: per-action rolling-window quotas and the replay (nonce) cache.

import type { ScenarioApiSettings } from '../scenario/types';

export const DEFAULT_QUOTA = { calls: 3000, perSeconds: 60 } as const;

/**
 * At most `calls` accepted calls in any rolling window of `windowMs`: a ring of the last `calls` acceptance times;
 * a call is refused while the oldest of them is still inside the window.
 */
class RollingWindow {
  private readonly times: number[] = [];
  private oldest = 0;

  constructor(
    private readonly calls: number,
    private readonly windowMs: number,
  ) {}

  /** Records the call and returns 0, or returns how many ms until a call would be accepted. */
  take(now: number): number {
    if (this.times.length < this.calls) {
      this.times.push(now);
      return 0;
    }
    const wait = this.times[this.oldest] + this.windowMs - now;
    if (wait > 0) return wait;
    this.times[this.oldest] = now;
    this.oldest = (this.oldest + 1) % this.calls;
    return 0;
  }
}

/** Matches a scenario action pattern ("*", "Action", "slb:Action", "slb:*") against a call. */
export function actionMatches(pattern: string, product: string, action: string): boolean {
  if (pattern === '*' || pattern === action) return true;
  return pattern === `${product}:*` || pattern === `${product}:${action}`;
}

export class QuotaBook {
  private readonly windows = new Map<string, RollingWindow>();

  constructor(private readonly quotas: NonNullable<ScenarioApiSettings['quotas']> = {}) {}

  /** 0 when the call may proceed, else the ms until the action's window frees a slot. */
  take(product: string, action: string, now: number): number {
    const key = `${product}:${action}`;
    let window = this.windows.get(key);
    if (!window) {
      const quota = this.quotas[key] ?? this.quotas[action] ?? this.quotas[`${product}:*`] ?? this.quotas['*'] ?? DEFAULT_QUOTA;
      window = new RollingWindow(quota.calls, quota.perSeconds * 1000);
      this.windows.set(key, window);
    }
    return window.take(now);
  }
}

/**
 * Signature nonces seen within the accepted clock skew. Older requests fail the timestamp check anyway, so entries
 * expire after the skew window; insertion order is expiry order, which makes pruning a walk from the front.
 */
export class NonceCache {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000_000,
  ) {}

  /** False when the nonce was already used. */
  claim(nonce: string, now: number): boolean {
    this.prune(now);
    if (this.expiries.has(nonce)) return false;
    this.expiries.set(nonce, now + this.ttlMs);
    return true;
  }

  private prune(now: number): void {
    for (const [nonce, expiry] of this.expiries) {
      if (expiry > now && this.expiries.size < this.maxEntries) break;
      this.expiries.delete(nonce);
    }
  }
}
