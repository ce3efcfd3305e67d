// Bounded probing for a whole fleet: at most `concurrency` probes in flight, and never two at once against the same
// backend (ip:port), so that a slow backend is not hit by a pile of our own probes and its latency stays honest.
import type { Prober, ProbeRequest, ProbeResult } from '../model';
import { KeyedMutex } from '../util/concurrency';
import { UserFacingError } from '../util/errors';
import { runProbe } from './run';

export const DEFAULT_PROBE_CONCURRENCY = 64;

export interface ProbeSchedulerOptions {
  /** Probes in flight at most (default 64). */
  concurrency?: number;
  /** The prober to run (default: `runProbe`); injectable for tests and benchmarks. */
  prober?: Prober;
}

export function backendKey(request: Pick<ProbeRequest, 'ip' | 'port'>): string {
  return `${request.ip}:${request.port}`;
}

export class ProbeScheduler {
  readonly concurrency: number;
  private readonly prober: Prober;
  private readonly perBackend = new KeyedMutex();
  private readonly waitingForSlot: Array<() => void> = [];
  private inFlight = 0;
  private sent = 0;
  private peak = 0;

  constructor(options: ProbeSchedulerOptions = {}) {
    const concurrency = options.concurrency ?? DEFAULT_PROBE_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new UserFacingError(`Probe concurrency must be a whole number of at least 1, got ${concurrency}.`, 'CONFIG_INVALID');
    }
    this.concurrency = concurrency;
    this.prober = options.prober ?? runProbe;
  }

  /** Queues one probe; resolves with its result (probers never reject; a bug in one surfaces as a rejection here). */
  run(request: ProbeRequest): Promise<ProbeResult> {
    return this.perBackend.run(backendKey(request), () => this.withSlot(() => this.prober(request)));
  }

  /** Probes started so far, and the most that were ever in flight at once. */
  stats(): { probesSent: number; peakInFlight: number } {
    return { probesSent: this.sent, peakInFlight: this.peak };
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    this.sent++;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      return await work();
    } finally {
      this.releaseSlot();
    }
  }

  private acquireSlot(): Promise<void> {
    if (this.inFlight < this.concurrency) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
  }

  // A freed slot passes straight to the longest waiter (FIFO), so no late caller can overtake it.
  private releaseSlot(): void {
    const next = this.waitingForSlot.shift();
    if (next) next();
    else this.inFlight--;
  }
}
