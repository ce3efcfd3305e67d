// One action's share of the OpenAPI quota ("3000 calls per rolling 60 s per action"), as the client keeps it.
//
// The service counts a call when it arrives and we cannot see that moment; we only know that a call whose reply came
// back at t was counted at or before t. So a call holds its slot from the moment it is sent until its reply (or its
// failure), and the slot leaves the window `perMs` after that. Counting from the send instead let the next window's
// first calls through too early whenever an old call had spent longer on its way in than a new one: measured with
// `npm run bench:api -- --lbs 3000 --quota 1000/10`, the first calls of a window took up to 717 ms from send to the
// emulator's acceptance (new connections, both event loops busy) and later ones 2 ms, and 38-49 calls a run were
// throttled. Holding until the reply costs each window one reply latency.
//
// When the service throttles anyway (another client of the same account, a lower quota than configured), the budget
// backs off: the whole action pauses for the wait the service named (or 1 s), and its window shrinks to what evidently
// fit — the calls we had in it, but never below half (one multiplicative decrease per episode, as TCP reacts to loss,
// RFC 5681 §3.1): the replies of calls sent before that decrease belong to the same episode and change nothing more.
// After a whole window without a throttling reply the configured quota applies again.
import { systemClock, type Clock } from '../util/clock';
import type { RateLimit } from '../util/rate';

/** How long an action pauses after a throttling reply that names no wait. */
export const THROTTLE_HOLD_MS = 1_000;

/** A call's place in the window, from its send to its reply. */
export interface BudgetSlot {
  /** The service said "too fast" to this call. */
  throttled(): void;
  /** The reply (or the failure) is in: the slot leaves the window `perMs` from now. Idempotent. */
  release(): void;
}

export class ActionBudget {
  private count: number;
  private inFlight = 0;
  /** Release times, ascending (each is the clock's now when it happened). */
  private readonly released: number[] = [];
  private head = 0;
  private resumeAt = 0;
  private lastThrottleAt = Number.NEGATIVE_INFINITY;
  /** Slots opened so far (each slot's sequence number is its index). */
  private opened = 0;
  /** Slots numbered below this were sent before the last decrease: their episode already shrank the window. */
  private episodeStart = 0;
  private releaseWaiters: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly limit: RateLimit,
    private readonly clock: Clock = systemClock,
  ) {
    this.count = limit.count;
  }

  /** The calls per window the budget allows now (the configured count, or less after throttling). */
  get allowed(): number {
    this.recover(this.clock.now());
    return this.count;
  }

  /** Waits (first come, first served) until one more call fits in the window, and gives it its slot. */
  acquire(): Promise<BudgetSlot> {
    const turn = this.queue.then(async () => {
      for (let wait = this.waitTimeMs(); wait !== 0; wait = this.waitTimeMs()) {
        if (wait === 'release') await new Promise<void>((resolve) => this.releaseWaiters.push(resolve));
        else await this.clock.sleep(wait);
      }
      return this.open();
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private open(): BudgetSlot {
    const sequence = this.opened++;
    this.inFlight += 1;
    let open = true;
    return {
      throttled: () => this.onThrottled(sequence),
      release: () => {
        if (!open) return;
        open = false;
        this.inFlight -= 1;
        this.released.push(this.clock.now());
        for (const wake of this.releaseWaiters.splice(0)) wake();
      },
    };
  }

  private onThrottled(sequence: number): void {
    const now = this.clock.now();
    this.lastThrottleAt = now;
    this.resumeAt = Math.max(this.resumeAt, now + THROTTLE_HOLD_MS);
    if (sequence < this.episodeStart) return;
    this.episodeStart = this.opened;
    // The throttled call itself was not counted; the others in our window may all have been.
    const fitted = this.inWindow(now) - 1;
    this.count = Math.max(1, Math.min(this.count, Math.max(fitted, Math.ceil(this.count / 2))));
  }

  private recover(now: number): void {
    if (this.count < this.limit.count && now - this.lastThrottleAt >= this.limit.perMs) this.count = this.limit.count;
  }

  private inWindow(now: number): number {
    while (this.head < this.released.length && (this.released[this.head] ?? now) <= now - this.limit.perMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.released.length) {
      // Drop the expired prefix now and then, so the log stays as long as one window's calls.
      this.released.splice(0, this.head);
      this.head = 0;
    }
    return this.inFlight + this.released.length - this.head;
  }

  /** 0 when a call fits now; ms until one does; 'release' when only a call in flight can make room. */
  private waitTimeMs(): number | 'release' {
    const now = this.clock.now();
    this.recover(now);
    if (this.resumeAt > now) return this.resumeAt - now;
    const inWindow = this.inWindow(now);
    if (inWindow < this.count) return 0;
    // The oldest released slots leave first; this one's departure brings the window below the count.
    const freesRoom = this.released[this.head + inWindow - this.count];
    return freesRoom === undefined ? 'release' : Math.max(1, freesRoom + this.limit.perMs - now);
  }
}
