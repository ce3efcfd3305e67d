import { MultiBucket, TokenBucket } from '../../lib/util/rate';
import { FakeClock } from './fake-clock';

describe('TokenBucket', () => {
  it('grants a full burst, then spaces tokens at the refill rate', async () => {
    const clock = new FakeClock(0, 'auto');
    const bucket = new TokenBucket({ count: 2, perMs: 1000 }, clock);
    const grantedAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      grantedAt.push(clock.now());
    }
    expect(grantedAt).toEqual([0, 0, 500, 1000, 1500]);
  });

  it('holds a waiter until the clock reaches its token', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ count: 1, perMs: 1000 }, clock);
    await bucket.take();
    let granted = false;
    const waiting = bucket.take().then(() => {
      granted = true;
    });
    await clock.advance(999);
    expect(granted).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(granted).toBe(true);
  });

  it('serves waiters first come, first served', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ count: 1, perMs: 100 }, clock);
    const order: string[] = [];
    const all = Promise.all(['a', 'b', 'c'].map((name) => bucket.take().then(() => order.push(name))));
    await clock.advance(300);
    await all;
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('tryTake never waits', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ count: 1, perMs: 1000 }, clock);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.waitTimeMs()).toBe(1000);
  });

  it('drain empties the bucket and can push the next token further out', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ count: 10, perMs: 1000 }, clock);
    bucket.drain();
    expect(bucket.waitTimeMs()).toBe(100);
    bucket.drain(500);
    expect(bucket.waitTimeMs()).toBe(600);
  });

  it('stops waiting when aborted', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ count: 1, perMs: 1000 }, clock);
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('deadline'));
    await clock.advance(1);
    await expect(waiting).rejects.toThrow('deadline');
  });
});

describe('MultiBucket', () => {
  it('honours every limit at once (5 per second and 6 per minute)', async () => {
    const clock = new FakeClock(0, 'auto');
    const buckets = new MultiBucket(
      [
        { count: 5, perMs: 1000 },
        { count: 6, perMs: 60_000 },
      ],
      clock,
    );
    const grantedAt: number[] = [];
    for (let i = 0; i < 7; i++) {
      await buckets.take();
      grantedAt.push(clock.now());
    }
    // The sixth waits for the per-second limit; the seventh for the per-minute one (one token per 10 s).
    expect(grantedAt).toEqual([0, 0, 0, 0, 0, 200, 10_000]);
  });
});
