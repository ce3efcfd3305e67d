// The work pool behind the streaming executors: items added while others run start at once, up to the concurrency,
// the longest worst case first among those waiting, and close() resolves once everything has run.
import { openWorkPool } from '../../lib/fanout/work-pool';

describe('openWorkPool', () => {
  it('starts waiting items longest first, arrival order among equals, never more than the concurrency', async () => {
    const started: string[] = [];
    const releases: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    const pool = openWorkPool<{ id: string; cost: number }>({
      concurrency: 1,
      cost: (item) => item.cost,
      run: async (item) => {
        started.push(item.id);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      },
    });
    pool.add([{ id: 'short-1', cost: 1 }]);
    pool.add([{ id: 'short-2', cost: 1 }, { id: 'long', cost: 9 }, { id: 'short-3', cost: 1 }]);
    const closed = pool.close();
    for (let round = 0; round < 10 && releases.length > 0; round++) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closed;
    // short-1 was running when the others came; then the long one, then the short ones in arrival order.
    expect(started).toEqual(['short-1', 'long', 'short-2', 'short-3']);
    expect(peak).toBe(1);
  });

  it('among equal costs, starts the item whose lane has the fewest running, so that one lane does not take every slot', async () => {
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const pool = openWorkPool<{ id: string; lane: string; cost: number }>({
      concurrency: 3,
      cost: (item) => item.cost,
      lane: (item) => item.lane,
      run: async (item) => {
        started.push(item.id);
        await new Promise<void>((resolve) => releases.set(item.id, resolve));
      },
    });
    // Lane a's items all came first; arrival order alone would run a-1, a-2, a-3.
    pool.add(['a-1', 'a-2', 'a-3', 'a-4'].map((id) => ({ id, lane: 'a', cost: 1 })));
    pool.add([{ id: 'b-1', lane: 'b', cost: 1 }, { id: 'b-2', lane: 'b', cost: 1 }, { id: 'long', lane: 'a', cost: 9 }]);
    await new Promise((resolve) => setImmediate(resolve));
    // a-1, a-2 and a-3 started at once (b had nothing yet); then the long one first, whatever its lane.
    expect(started).toEqual(['a-1', 'a-2', 'a-3']);
    releases.get('a-1')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.slice(3)).toEqual(['long']);
    // a has 2 running, b none: b-1 goes before a-4, which came first. Then 1 each: arrival order again, a-4.
    releases.get('a-2')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.slice(4)).toEqual(['b-1']);
    releases.get('a-3')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.slice(5)).toEqual(['a-4']);
    const closed = pool.close();
    for (const id of ['long', 'b-1', 'a-4']) releases.get(id)?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.slice(6)).toEqual(['b-2']);
    releases.get('b-2')?.();
    await closed;
  });

  it('items added while others run do not wait for them; close() on an idle pool resolves at once', async () => {
    const done: string[] = [];
    let releaseSlow: () => void = () => undefined;
    const pool = openWorkPool<string>({
      concurrency: 4,
      cost: () => 1,
      run: async (id) => {
        if (id === 'slow') await new Promise<void>((resolve) => (releaseSlow = resolve));
        done.push(id);
      },
    });
    pool.add(['slow']);
    pool.add(['fast']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual(['fast']);
    releaseSlow();
    await pool.close();
    expect(done).toEqual(['fast', 'slow']);
    expect(() => pool.add(['late'])).toThrow(/closed/);
    await openWorkPool<string>({ concurrency: 1, cost: () => 1, run: async () => undefined }).close();
  });
});
