// Bounded probing for a whole fleet: at most `concurrency` probes in flight, never two probes at once against the
// same backend (ip:port), so that a slow backend is not hit by a pile of our own probes and its latency stays honest.
// The one exception is a replay that outlives the check's timeout to serve as the extended wait (runReplay): it keeps
// its connection while one more probe (the GET variant) runs, so a backend never sees more than
// MAX_CONNECTIONS_PER_BACKEND connections from one scheduler.
import type { HttpProbeRequest, Prober, ProbeRequest, ProbeResult } from '../model';
import { KeyedMutex, KeyedSemaphore } from '../util/concurrency';
import { UserFacingError } from '../util/errors';
import { probeHttpExtendable, type ExtendableHttpProbe } from './http';
import { runProbe } from './run';

/** Connections one scheduler ever holds to one backend at once: a long-waiting replay and one variant. */
export const MAX_CONNECTIONS_PER_BACKEND = 2;

/** An HTTP check that can keep its connection open past the timeout (probeHttpExtendable's contract). */
export type ExtendableProber = (request: HttpProbeRequest, extendedTimeoutMs: number) => ExtendableHttpProbe;

/** SLB's check, replayed; when it timed out, `extend()` gives the extended wait of the same request. */
export interface ReplayHandle {
  result: ProbeResult;
  /**
   * The request waited on up to the extended timeout: the same connection when the prober can hold it, otherwise a
   * new probe with the longer timeout. Null when the replay's verdict was already final.
   */
  extend(): Promise<ProbeResult | null>;
  /** Closes a connection still held for the extended wait (the wait is not needed). */
  release(): void;
}

export const DEFAULT_PROBE_CONCURRENCY = 64;

export interface ProbeSchedulerOptions {
  /** Probes in flight at most (default 64). */
  concurrency?: number;
  /** The prober to run (default: `runProbe`); injectable for tests and benchmarks. */
  prober?: Prober;
  /**
   * The prober of long-waiting replays (default with the default prober: probeHttpExtendable). A scheduler with an
   * injected `prober` and no extendable one runs the extended wait as a second probe after the replay.
   */
  extendableProber?: ExtendableProber;
}

export function backendKey(request: Pick<ProbeRequest, 'ip' | 'port'>): string {
  return `${request.ip}:${request.port}`;
}

export class ProbeScheduler {
  readonly concurrency: number;
  private readonly prober: Prober;
  private readonly extendable: ExtendableProber | null;
  /** One probe at a time per backend … */
  private readonly perBackend = new KeyedMutex();
  /** … and never more than MAX_CONNECTIONS_PER_BACKEND connections, a held extended wait included. */
  private readonly connections = new KeyedSemaphore(MAX_CONNECTIONS_PER_BACKEND);
  private readonly openPerBackend = new Map<string, number>();
  private peakConnections = 0;
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
    this.extendable = options.extendableProber ?? (options.prober ? null : probeHttpExtendable);
  }

  /** Queues one probe; resolves with its result (probers never reject; a bug in one surfaces as a rejection here). */
  run(request: ProbeRequest): Promise<ProbeResult> {
    const key = backendKey(request);
    return this.perBackend.run(key, async () => {
      const release = await this.openConnection(key);
      try {
        return await this.withSlot(() => this.prober(request));
      } finally {
        release();
      }
    });
  }

  /**
   * SLB's check, whose connection may wait on up to `extendedTimeoutMs` (0: a plain probe). The backend is free for
   * the next probe as soon as the check's verdict is known; a held connection keeps its slot until it ends.
   */
  async runReplay(request: ProbeRequest, extendedTimeoutMs: number): Promise<ReplayHandle> {
    const extendable = this.extendable;
    if (request.kind !== 'http' || extendedTimeoutMs <= request.timeoutMs) {
      return { result: await this.run(request), extend: async () => null, release: () => undefined };
    }
    if (extendable === null) {
      const result = await this.run(request);
      const live = result.outcome === 'response_timeout';
      return { result, extend: async () => (live ? this.run({ ...request, timeoutMs: extendedTimeoutMs }) : null), release: () => undefined };
    }
    const key = backendKey(request);
    return this.perBackend.run(key, async () => {
      const releaseConnection = await this.openConnection(key);
      await this.acquireSlot();
      this.countSent();
      let probe: ExtendableHttpProbe;
      try {
        probe = extendable(request, extendedTimeoutMs);
      } catch (err) {
        releaseConnection();
        this.releaseSlot();
        throw err;
      }
      void probe.extended.finally(() => {
        releaseConnection();
        this.releaseSlot();
      });
      const result = await probe.check;
      return { result, extend: () => probe.extended, release: () => probe.cancel() };
    });
  }

  /** Probes started so far, and the most that were ever in flight at once. */
  stats(): { probesSent: number; peakInFlight: number } {
    return { probesSent: this.sent, peakInFlight: this.peak };
  }

  /** The most connections this scheduler ever held to one backend at once (never above MAX_CONNECTIONS_PER_BACKEND). */
  peakConnectionsToOneBackend(): number {
    return this.peakConnections;
  }

  private async openConnection(key: string): Promise<() => void> {
    const release = await this.connections.acquire(key);
    const open = (this.openPerBackend.get(key) ?? 0) + 1;
    this.openPerBackend.set(key, open);
    this.peakConnections = Math.max(this.peakConnections, open);
    return () => {
      const left = (this.openPerBackend.get(key) ?? 1) - 1;
      if (left === 0) this.openPerBackend.delete(key);
      else this.openPerBackend.set(key, left);
      release();
    };
  }

  private countSent(): void {
    this.sent++;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    this.countSent();
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
