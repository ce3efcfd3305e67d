import type { Clock } from '../../lib/util/clock';

/** Virtual time: sleeping advances it at once, so a 10-minute lockout takes no real time. */
export class VirtualClock implements Clock {
  constructor(public time = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += Math.max(0, ms);
    await Promise.resolve();
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
