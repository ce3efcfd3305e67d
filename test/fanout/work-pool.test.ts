// The work pool behind the streaming executors: items added while others run start at once, up to the concurrency,
// the longest worst case first among those waiting (an item whose lane is full after those of lanes with room), and
// close() resolves once everything has run.
import { openWorkPool, type WorkPoolOptions } from '../../lib/fanout/work-pool';

const turn = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));

interface LaneItem {
  id: string;
  lane: string;
  cost: number;
  waits?: boolean;
}

/** A pool of lane items that records the order they start in and holds each until `releases.get(id)` is called. */
function recordingPool(options: Omit<WorkPoolOptions<LaneItem>, 'cost' | 'lane' | 'run' | 'waitsForRoom'>) {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const pool = openWorkPool<LaneItem>({
    ...options,
    cost: (item) => item.cost,
    lane: (item) => item.lane,
    waitsForRoom: (item) => item.waits === true,
    run: async (item) => {
      started.push(item.id);
      await new Promise<void>((resolve) => releases.set(item.id, resolve));
    },
  });
  /** Closes the pool and releases every item until all have run; answers the items that started meanwhile. */
  const drain = async (): Promise<string[]> => {
    const before = started.length;
    const closed = pool.close();
    for (let round = 0; round < 20 && releases.size > 0; round++) {
      const held = [...releases.values()];
      releases.clear();
      for (const release of held) release();
      await turn();
    }
    await closed;
    return started.slice(before);
  };
  return { pool, started, releases, drain };
}

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
      await turn();
    }
    await closed;
    // short-1 was running when the others came; then the long one, then the short ones in arrival order.
    expect(started).toEqual(['short-1', 'long', 'short-2', 'short-3']);
    expect(peak).toBe(1);
  });

  it('among equal costs, starts the item whose lane has the fewest running, so that one lane does not take every slot', async () => {
    const { pool, started, releases, drain } = recordingPool({ concurrency: 3 });
    // Lane a's items all came first; arrival order alone would run a-1, a-2, a-3.
    pool.add(['a-1', 'a-2', 'a-3', 'a-4'].map((id) => ({ id, lane: 'a', cost: 1 })));
    pool.add([{ id: 'b-1', lane: 'b', cost: 1 }, { id: 'b-2', lane: 'b', cost: 1 }, { id: 'long', lane: 'a', cost: 9 }]);
    await turn();
    // a-1, a-2 and a-3 started at once (b had nothing yet); then the long one first, whatever its lane.
    expect(started).toEqual(['a-1', 'a-2', 'a-3']);
    releases.get('a-1')?.();
    await turn();
    expect(started.slice(3)).toEqual(['long']);
    // a has 2 running, b none: b-1 goes before a-4, which came first. Then 1 each: arrival order again, a-4.
    releases.get('a-2')?.();
    await turn();
    expect(started.slice(4)).toEqual(['b-1']);
    releases.get('a-3')?.();
    await turn();
    expect(started.slice(5)).toEqual(['a-4']);
    expect(await drain()).toEqual(['b-2']);
  });

  it('with a lane capacity, starts an item of a lane with room before a longer one whose lane is full, and grows a lane by whole units', async () => {
    const { pool, started, releases, drain } = recordingPool({ concurrency: 4, laneCapacity: 2 });
    pool.add([...['a-1', 'a-2', 'a-3'].map((id) => ({ id, lane: 'a', cost: 9 })), ...['b-1', 'b-2'].map((id) => ({ id, lane: 'b', cost: 1 }))]);
    await turn();
    // Lane a holds 2: its third long item waits while b's short ones take the free slots.
    expect(started).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    // Nothing else waits: a-3 starts in a's second unit, which now holds 4.
    releases.get('b-1')?.();
    await turn();
    expect(started.slice(4)).toEqual(['a-3']);
    pool.add([{ id: 'b-3', lane: 'b', cost: 1 }, { id: 'a-4', lane: 'a', cost: 9 }]);
    releases.get('b-2')?.();
    await turn();
    // a runs 3 of its 4: it has room, so the longer item goes first again.
    expect(started.slice(5)).toEqual(['a-4']);
    expect(await drain()).toEqual(['b-3']);
  });

  it('an item that waits for room does not start another unit of its lane, even with free slots; one that may, does', async () => {
    const { pool, started, drain } = recordingPool({ concurrency: 8, laneCapacity: 2 });
    pool.add(['w-1', 'w-2', 'w-3'].map((id) => ({ id, lane: 'a', cost: 1, waits: true })));
    await turn();
    expect(started).toEqual(['w-1', 'w-2']);
    // Behind the waiting w-3 in the same lane and cost, an item that may start another unit does so, and the unit it
    // started has room for w-3.
    pool.add([{ id: 'u-1', lane: 'a', cost: 1 }, { id: 'b-1', lane: 'b', cost: 1, waits: true }]);
    await turn();
    expect(started.slice(2)).toEqual(['b-1', 'u-1', 'w-3']);
    expect(await drain()).toEqual([]);
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
    await turn();
    expect(done).toEqual(['fast']);
    releaseSlow();
    await pool.close();
    expect(done).toEqual(['fast', 'slow']);
    expect(() => pool.add(['late'])).toThrow(/closed/);
    await openWorkPool<string>({ concurrency: 1, cost: () => 1, run: async () => undefined }).close();
  });
});
