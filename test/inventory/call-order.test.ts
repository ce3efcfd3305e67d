import { priorityGate, type CallPriority } from '../../lib/inventory/call-order';

/** A call that stays in flight until `finish` is called. */
function heldCall(name: string, started: string[]): { run: () => Promise<string>; finish: () => void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    run: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

describe('priorityGate', () => {
  it('gives a freed slot to the oldest waiting call of the highest priority', async () => {
    const gate = priorityGate(1);
    const started: string[] = [];
    const first = heldCall('first', started);
    const results = [gate('ecs', first.run)];
    const queued: Array<[string, CallPriority]> = [
      ['ecs-1', 'ecs'],
      ['details-1', 'details'],
      ['recheck-1', 'recheck'],
      ['verdicts-1', 'verdicts'],
      ['ecs-2', 'ecs'],
      ['listing-1', 'listing'],
      ['verdicts-2', 'verdicts'],
    ];
    for (const [name, priority] of queued) results.push(gate(priority, async () => (started.push(name), name)));
    await Promise.resolve();
    expect(started).toEqual(['first']);
    first.finish();
    expect(await Promise.all(results)).toEqual(['first', ...queued.map(([name]) => name)]);
    expect(started).toEqual(['first', 'listing-1', 'verdicts-1', 'verdicts-2', 'recheck-1', 'details-1', 'ecs-1', 'ecs-2']);
  });

  it('gives a freed slot to the most urgent waiting call of a priority, the oldest among equally urgent ones', async () => {
    const gate = priorityGate(1);
    const started: string[] = [];
    const first = heldCall('first', started);
    const results = [gate('listing', first.run)];
    const queued: Array<[string, CallPriority, number | undefined]> = [
      ['verdicts-2s', 'verdicts', 2],
      ['verdicts-plain', 'verdicts', undefined],
      ['verdicts-3s-a', 'verdicts', 3],
      ['details-9', 'details', 9],
      ['verdicts-3s-b', 'verdicts', 3],
      ['listeners', 'listeners', undefined],
      ['verdicts-1s', 'verdicts', 1],
    ];
    for (const [name, priority, urgency] of queued) results.push(gate(priority, async () => (started.push(name), name), urgency));
    first.finish();
    await Promise.all(results);
    expect(started).toEqual(['first', 'listeners', 'verdicts-3s-a', 'verdicts-3s-b', 'verdicts-2s', 'verdicts-1s', 'verdicts-plain', 'details-9']);
  });

  it('never has more calls in flight than its limit, and frees the slot of a call that throws', async () => {
    const gate = priorityGate(3);
    let inFlight = 0;
    let peak = 0;
    const call = (fail: boolean) => async (): Promise<void> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (fail) throw new Error('refused');
    };
    const priorities: CallPriority[] = ['listing', 'listeners', 'verdicts', 'details', 'ecs'];
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => gate(priorities[i % 5] as CallPriority, call(i % 5 === 0), i % 3)));
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(8);
    expect(peak).toBe(3);
    expect(inFlight).toBe(0);
  });
});
