import { concurrencyGate, KeyedMutex, KeyedSemaphore, mapLimit } from '../../lib/util/concurrency';
import { flushMicrotasks } from './fake-clock';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('mapLimit', () => {
  it('keeps the input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 6, 7], 3, async (n, index) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await flushMicrotasks();
      for (let i = 0; i < n; i++) await Promise.resolve();
      inFlight--;
      return `${index}:${n * 10}`;
    });
    expect(results).toEqual(['0:50', '1:10', '2:40', '3:20', '4:30', '5:60', '6:70']);
    expect(peak).toBe(3);
  });

  it('handles an empty list and a limit larger than the list', async () => {
    expect(await mapLimit([], 4, async (n: number) => n)).toEqual([]);
    expect(await mapLimit([1, 2], 10, async (n) => n * 2)).toEqual([2, 4]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('two failed');
        return n;
      }),
    ).rejects.toThrow('two failed');
  });
});

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const gate = deferred();
    const first = mutex.run('10.0.0.1:80', async () => {
      events.push('first start');
      await gate.promise;
      events.push('first end');
    });
    const second = mutex.run('10.0.0.1:80', async () => {
      events.push('second');
    });
    await flushMicrotasks();
    expect(events).toEqual(['first start']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(events).toEqual(['first start', 'first end', 'second']);
  });

  it('lets different keys run in parallel', async () => {
    const mutex = new KeyedMutex();
    const gate = deferred();
    const events: string[] = [];
    const blocked = mutex.run('a', async () => {
      await gate.promise;
      events.push('a');
    });
    await mutex.run('b', async () => {
      events.push('b');
    });
    expect(events).toEqual(['b']);
    gate.resolve();
    await blocked;
    expect(events).toEqual(['b', 'a']);
  });

  it('keeps going after a failure for the same key', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('k', async () => {
      throw new Error('boom');
    });
    const next = mutex.run('k', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});

describe('KeyedSemaphore', () => {
  it('lets `capacity` holders per key in, queues the rest in order, and keeps keys apart', async () => {
    const semaphore = new KeyedSemaphore(2);
    const order: string[] = [];
    const a1 = await semaphore.acquire('a');
    const a2 = await semaphore.acquire('a');
    const b1 = await semaphore.acquire('b');
    const third = semaphore.acquire('a').then((release) => {
      order.push('a3');
      return release;
    });
    const fourth = semaphore.acquire('a').then((release) => {
      order.push('a4');
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    a1();
    a1(); // releasing twice frees one unit only
    const a3 = await third;
    expect(order).toEqual(['a3']);
    a2();
    (await fourth)();
    expect(order).toEqual(['a3', 'a4']);
    a3();
    b1();
  });
});

describe('concurrencyGate', () => {
  it('runs at most `limit` calls at once, whoever makes them', async () => {
    const gate = concurrencyGate(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('concurrencyGate, synchronously', () => {
  it('starts a call with a free slot synchronously, queues the rest in order, and frees the slot of a call that throws', async () => {
    const limit = concurrencyGate(2);
    const started: string[] = [];
    const finishers: Array<() => void> = [];
    const held = (name: string) => () => {
      started.push(name);
      return new Promise<string>((resolve) => finishers.push(() => resolve(name)));
    };
    const a = limit(held('a'));
    const b = limit(() => {
      started.push('b');
      throw new Error('refused');
    });
    const c = limit(held('c'));
    const d = limit(held('d'));
    // Nothing awaited yet: the calls with a free slot already ran.
    expect(started).toEqual(['a', 'b']);
    await expect(b).rejects.toThrow('refused');
    expect(started).toEqual(['a', 'b', 'c']);
    finishers.shift()?.();
    expect(await a).toBe('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    for (const finish of finishers) finish();
    expect(await Promise.all([c, d])).toEqual(['c', 'd']);
  });
});
