import { DEFAULT_RETRY_POLICY, backoffDelay, withRetry } from '../../lib/util/retry';
import { FakeClock } from './fake-clock';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxTotalMs: 60_000 };

describe('backoffDelay (full jitter)', () => {
  it('draws uniformly below min(cap, base * 2^attempt)', () => {
    expect(backoffDelay(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries retryable failures until the operation succeeds', async () => {
    const clock = new FakeClock(0, 'auto');
    const seen: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 2) throw new Error('flaky');
        return 'done';
      },
      { policy, clock, random: () => 0.5, classify: () => ({ retry: true }) },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([0, 1, 2]);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('throws at once when the failure is not retryable', async () => {
    const clock = new FakeClock(0, 'auto');
    let calls = 0;
    const failure = new Error('bad request');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw failure;
        },
        { policy, clock, classify: () => ({ retry: false }) },
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops after maxAttempts and throws the last failure', async () => {
    const clock = new FakeClock(0, 'auto');
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        { policy, clock, random: () => 0, classify: () => ({ retry: true }) },
      ),
    ).rejects.toThrow('failure 5');
    expect(calls).toBe(policy.maxAttempts);
  });

  it('waits at least what the service asked for', async () => {
    const clock = new FakeClock(0, 'auto');
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw new Error('slow down');
      },
      { policy, clock, random: () => 0, classify: () => ({ retry: true, retryAfterMs: 700 }) },
    );
    expect(clock.sleeps).toEqual([700]);
  });

  it('starts no retry that would end past maxTotalMs', async () => {
    const clock = new FakeClock(0, 'auto');
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('down');
        },
        { policy: { ...policy, maxTotalMs: 250 }, clock, random: () => 0.999, classify: () => ({ retry: true }) },
      ),
    ).rejects.toThrow('down');
    // 99 + 199 ms of waits fit in 250 ms only up to the second; the third wait would cross the budget.
    expect(clock.sleeps).toEqual([99]);
    expect(calls).toBe(2);
  });

  it('reports each retry before waiting', async () => {
    const clock = new FakeClock(0, 'auto');
    const reports: [number, number][] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ < 2) throw new Error('again');
      },
      { policy, clock, random: () => 0.5, classify: () => ({ retry: true }), onRetry: (_err, attempt, delay) => reports.push([attempt, delay]) },
    );
    expect(reports).toEqual([
      [1, 50],
      [2, 100],
    ]);
  });

  it('defaults to a bounded policy', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
    expect(DEFAULT_RETRY_POLICY.maxTotalMs).toBeLessThanOrEqual(60_000);
  });
});
