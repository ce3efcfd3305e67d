// Retries with exponential backoff and full jitter, bounded in attempts and in total time.
import { systemClock, type Clock } from './clock';

export interface RetryDecision {
  retry: boolean;
  /** The service told us how long to wait (Retry-After, a lockout window); overrides the backoff when larger. */
  retryAfterMs?: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this much time has passed since the first attempt. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 10_000, maxTotalMs: 60_000 };

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  classify: (err: unknown) => RetryDecision;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to count throttled replies. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Full jitter: a uniform delay in [0, min(cap, base·2^attempt)] (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const started = clock.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      const decision = options.classify(err);
      if (!decision.retry || attempt + 1 >= policy.maxAttempts) throw err;
      const delay = Math.max(backoffDelay(attempt, policy, random), decision.retryAfterMs ?? 0);
      if (clock.now() + delay - started > policy.maxTotalMs) throw err;
      options.onRetry?.(err, attempt + 1, delay);
      await clock.sleep(delay, options.signal);
    }
  }
}
