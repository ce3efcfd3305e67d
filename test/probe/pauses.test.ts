import { collectEvidence, ProbeScheduler } from '../../lib/probe';
import { PAUSE_GRID_MS, pauseOnGrid } from '../../lib/probe/pauses';
import type { Clock } from '../../lib/util/clock';
import { backend, jobOf, listener, result } from '../diagnose/fixtures';

/** A clock whose time moves only when a test says so, and which records every sleep it was asked for. */
function manualClock(startAt: number) {
  let now = startAt;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { clock, sleeps, advance: (ms: number) => (now += ms) };
}

describe('pauseOnGrid', () => {
  it('sleeps until the next grid point at or after the pause, never less than asked', async () => {
    const { clock, sleeps } = manualClock(10_030);
    expect(await pauseOnGrid(clock, 200, 50)).toBe(220);
    expect(sleeps).toEqual([220]);
    const onGrid = manualClock(10_050);
    expect(await pauseOnGrid(onGrid.clock, 200, 50)).toBe(200);
  });
  it('pauses that end on the same grid point share one sleep', async () => {
    const { clock, sleeps, advance } = manualClock(10_010);
    const first = pauseOnGrid(clock, 200, 50);
    advance(30);
    const second = pauseOnGrid(clock, 200, 50);
    expect(await Promise.all([first, second])).toEqual([240, 210]);
    expect(sleeps).toEqual([240]);
  });
  it('a pause of 0 stays 0 on the grid', async () => {
    const { clock, sleeps } = manualClock(10_007);
    expect(await pauseOnGrid(clock, 0, 50)).toBe(0);
    expect(sleeps).toEqual([0]);
  });
  it('a grid of 0 sleeps exactly as asked', async () => {
    const { clock, sleeps } = manualClock(10_007);
    expect(await pauseOnGrid(clock, 200, 0)).toBe(200);
    expect(sleeps).toEqual([200]);
  });
});

describe('collectEvidence: repeats of concurrent jobs', () => {
  it('two refused backends probed at once pause together: one sleep per round of repeats, not one per job', async () => {
    const { clock, sleeps } = manualClock(1_000 * PAUSE_GRID_MS);
    const scheduler = new ProbeScheduler({ prober: async (request) => result(request, 'refused') });
    const jobs = [jobOf(listener({ backends: [backend({ ip: '10.0.0.1' })] })), jobOf(listener({ backends: [backend({ ip: '10.0.0.2' })] }))];
    const evidence = await Promise.all(jobs.map((job) => collectEvidence(job, scheduler, { clock })));
    expect(evidence.map((e) => e.variants.map((v) => v.label))).toEqual([
      ['repeat-1', 'repeat-2', 'repeat-3'],
      ['repeat-1', 'repeat-2', 'repeat-3'],
    ]);
    expect(sleeps).toEqual([200, 200, 200]);
  });
});
