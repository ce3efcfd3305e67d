import { ActionBudget, THROTTLE_HOLD_MS, type BudgetSlot } from '../../lib/cloud/budget';
import { QuotaBook } from '../../lib/sandbox/openapi/limits';
import { FakeClock, flushMicrotasks } from '../util/fake-clock';

describe('ActionBudget', () => {
  it('spends the whole quota at once, then waits until the oldest reply is a window old', async () => {
    const clock = new FakeClock(0, 'auto');
    const budget = new ActionBudget({ count: 3, perMs: 60_000 }, clock);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const slot = await budget.acquire();
      times.push(clock.now());
      await clock.sleep(40); // the reply's latency
      slot.release();
    }
    // The first three replies came back at 40, 80 and 120 ms.
    expect(times).toEqual([0, 40, 80, 60_040, 60_080]);
  });

  it('counts a slow call from its reply, not from its send', async () => {
    const clock = new FakeClock(0, 'auto');
    const budget = new ActionBudget({ count: 1, perMs: 1_000 }, clock);
    const slow = await budget.acquire();
    await clock.sleep(700);
    slow.release();
    await budget.acquire();
    expect(clock.now()).toBe(1_700);
  });

  it('a call waits for a slot in flight to come back before its window can start', async () => {
    const clock = new FakeClock();
    const budget = new ActionBudget({ count: 1, perMs: 1_000 }, clock);
    const first = await budget.acquire();
    let second = false;
    const waiting = budget.acquire().then(() => (second = true));
    await clock.advance(5_000);
    expect(second).toBe(false);
    first.release();
    await clock.advance(999);
    expect(second).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(clock.now()).toBe(6_000);
  });

  it('is never throttled by a service that counts each call when it arrives, however late', async () => {
    // The measured shape (bench:api): the first calls of a run spend up to ~700 ms on their way in, later ones 2 ms.
    const clock = new FakeClock();
    const quota = { calls: 20, perSeconds: 1 };
    const service = new QuotaBook({ '*': quota });
    const budget = new ActionBudget({ count: quota.calls, perMs: quota.perSeconds * 1000 }, clock);
    let throttled = 0;
    let done = 0;
    const call = async (index: number): Promise<void> => {
      const slot = await budget.acquire();
      await clock.sleep(index < 10 ? 700 - index * 50 : 2);
      if (service.take('slb', 'DescribeHealthStatus', clock.now()) > 0) throttled += 1;
      await clock.sleep(30);
      slot.release();
      done += 1;
    };
    const calls = Array.from({ length: 70 }, (_, index) => call(index));
    for (let step = 0; step < 100 && done < calls.length; step++) await clock.advance(100);
    await Promise.all(calls);
    expect(throttled).toBe(0);
  });

  it('after a throttling reply, pauses everyone and shrinks the window to the calls that fitted', async () => {
    const clock = new FakeClock(0, 'auto');
    const budget = new ActionBudget({ count: 100, perMs: 10_000 }, clock);
    const sent: BudgetSlot[] = [];
    for (let i = 0; i < 80; i++) sent.push(await budget.acquire());
    for (const slot of sent) slot.release();
    const throttled = await budget.acquire();
    throttled.throttled();
    throttled.release();
    // 80 of ours were in the service's full window: 80 fit, not 100.
    expect(budget.allowed).toBe(80);
    await budget.acquire();
    expect(clock.now()).toBe(10_000);
  });

  it('holds every call of the action for THROTTLE_HOLD_MS after a throttling reply', async () => {
    const clock = new FakeClock(0, 'auto');
    const budget = new ActionBudget({ count: 100, perMs: 1_000 }, clock);
    const slot = await budget.acquire();
    slot.throttled();
    slot.release();
    await budget.acquire();
    expect(clock.now()).toBe(THROTTLE_HOLD_MS);
  });

  it('halves at most once per episode, and recovers after a window without throttling', async () => {
    const clock = new FakeClock(0, 'auto');
    const budget = new ActionBudget({ count: 100, perMs: 10_000 }, clock);
    // Ten calls in flight, all throttled by one overfull moment at the service.
    const slots: BudgetSlot[] = [];
    for (let i = 0; i < 10; i++) slots.push(await budget.acquire());
    for (const slot of slots) {
      slot.throttled();
      slot.release();
    }
    expect(budget.allowed).toBe(50);
    // A call sent after the decrease opens a new episode.
    const later = await budget.acquire();
    later.throttled();
    later.release();
    expect(budget.allowed).toBe(25);
    await clock.sleep(9_999);
    expect(budget.allowed).toBe(25);
    await clock.sleep(1);
    expect(budget.allowed).toBe(100);
  });

  it('release is idempotent', async () => {
    const clock = new FakeClock();
    const budget = new ActionBudget({ count: 1, perMs: 1_000 }, clock);
    const slot = await budget.acquire();
    slot.release();
    slot.release();
    let granted = false;
    const waiting = budget.acquire().then(() => (granted = true));
    await flushMicrotasks();
    expect(granted).toBe(false);
    await clock.advance(1_000);
    await waiting;
    expect(granted).toBe(true);
  });
});
