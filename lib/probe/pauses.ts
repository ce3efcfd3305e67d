// Pauses between repeats that wake on a shared grid. Each wake-up from idle costs a probe instance far more CPU than
// the code it runs: on the 2-core VM of docs/performance.md a bare setTimeout after 10 ms asleep costs a Node process
// about 0.36 ms, after 1 ms about 0.13 ms ("A wake-up's price"). Rounding a pause up to the next multiple of the grid
// lets the repeats of jobs that paused at about the same time share one wake-up (and their probes one burst), the
// way the kernel's timer slack coalesces timers (https://man7.org/linux/man-pages/man2/prctl.2.html,
// PR_SET_TIMERSLACK). Only pauses are aligned: probe deadlines stay exact, so no timing evidence changes.
import type { Clock } from '../util/clock';

/** The grid pauses wake on: a pause of `ms` lasts from `ms` to `ms + PAUSE_GRID_MS` (less than one grid step more). */
export const PAUSE_GRID_MS = 50;

// One pending wake-up per clock and grid point, shared by every pause that ends there; gone once it has fired.
const pendingWakes = new WeakMap<Clock, Map<number, Promise<void>>>();

/** Sleeps at least `ms`, until the next multiple of `gridMs` on `clock`; resolves with the time it planned to sleep. */
export async function pauseOnGrid(clock: Clock, ms: number, gridMs: number = PAUSE_GRID_MS): Promise<number> {
  const now = clock.now();
  // No pause asked for (repeatIntervalMs 0), or no grid: exactly the pause asked for.
  const wakeAt = ms > 0 && gridMs > 0 ? Math.ceil((now + ms) / gridMs) * gridMs : now + ms;
  let wakes = pendingWakes.get(clock);
  if (wakes === undefined) {
    wakes = new Map();
    pendingWakes.set(clock, wakes);
  }
  let wake = wakes.get(wakeAt);
  if (wake === undefined) {
    const sharedWakes = wakes;
    wake = clock.sleep(wakeAt - now).finally(() => sharedWakes.delete(wakeAt));
    wakes.set(wakeAt, wake);
  }
  await wake;
  return wakeAt - now;
}
