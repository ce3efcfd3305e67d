// Bounded probing for a whole fleet: at most `concurrency` probes in flight, never two probes at once against the
// same backend (ip:port), so that a slow backend is not hit by a pile of our own probes and its latency stays honest.
// The one exception is a replay that outlives the check's timeout to serve as the extended wait (runReplay): it keeps
// its connection while one more probe (the GET variant) runs, so a backend never sees more than
// MAX_CONNECTIONS_PER_BACKEND connections from one scheduler.
import type { HttpProbeRequest, Prober, ProbeRequest, ProbeResult } from '../model';
import { asError, UserFacingError } from '../util/errors';
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

/**
 * One backend's turns: one probe starting at a time (its check runs while the others wait), and the connections it
 * holds. Only the probe whose turn it is can wait for a connection, so one waiter is all a backend ever has.
 */
interface BackendLane {
  readonly key: string;
  /** A probe of this backend has its turn: from its start until its check's verdict. */
  taken: boolean;
  /** Probes waiting for their turn, first in first out. */
  readonly turns: Array<() => void>;
  /** Connections open to this backend, a replay held for the extended wait included. */
  open: number;
  /** The probe whose turn it is, waiting for one of this backend's connections to close. */
  waitingForConnection: (() => void) | null;
}

export class ProbeScheduler {
  readonly concurrency: number;
  private readonly prober: Prober;
  private readonly extendable: ExtendableProber | null;
  // Probes start synchronously when their backend, a connection and a slot are free (the common case in a sweep),
  // and wait in FIFO queues otherwise: no promise or microtask is spent on a probe that does not wait.
  private readonly lanes = new Map<string, BackendLane>();
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
    return new Promise<ProbeResult>((resolve, reject) => {
      const lane = this.laneOf(backendKey(request));
      this.whenReady(lane, () => {
        const done = (): void => {
          this.releaseSlot();
          this.closeConnection(lane);
          this.endTurn(lane);
        };
        let probe: Promise<ProbeResult>;
        try {
          probe = this.prober(request);
        } catch (err) {
          done();
          reject(asError(err));
          return;
        }
        probe.then(
          (result) => {
            done();
            resolve(result);
          },
          (err: unknown) => {
            done();
            reject(asError(err));
          },
        );
      });
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
    return new Promise<ReplayHandle>((resolve, reject) => {
      const lane = this.laneOf(backendKey(request));
      this.whenReady(lane, () => {
        const connectionClosed = (): void => {
          this.releaseSlot();
          this.closeConnection(lane);
        };
        let probe: ExtendableHttpProbe;
        try {
          probe = extendable(request, extendedTimeoutMs);
        } catch (err) {
          connectionClosed();
          this.endTurn(lane);
          reject(asError(err));
          return;
        }
        probe.extended.then(connectionClosed, connectionClosed);
        probe.check.then(
          (result) => {
            this.endTurn(lane);
            resolve({ result, extend: () => probe.extended, release: () => probe.cancel() });
          },
          (err: unknown) => {
            this.endTurn(lane);
            reject(asError(err));
          },
        );
      });
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

  private laneOf(key: string): BackendLane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, taken: false, turns: [], open: 0, waitingForConnection: null };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Calls `start` once the backend's turn, one of its connections and a slot are this probe's (at once if free). */
  private whenReady(lane: BackendLane, start: () => void): void {
    const withSlot = (): void => this.acquireSlot(() => {
      this.countSent();
      start();
    });
    const withConnection = (): void => this.openConnection(lane, withSlot);
    if (!lane.taken) {
      lane.taken = true;
      withConnection();
    } else {
      lane.turns.push(withConnection);
    }
  }

  /** The backend's next probe (FIFO) takes its turn; a lane with nothing left is forgotten. */
  private endTurn(lane: BackendLane): void {
    const next = lane.turns.shift();
    if (next) next();
    else {
      lane.taken = false;
      this.forgetIfIdle(lane);
    }
  }

  private openConnection(lane: BackendLane, then: () => void): void {
    if (lane.open >= MAX_CONNECTIONS_PER_BACKEND) {
      lane.waitingForConnection = () => this.openConnection(lane, then);
      return;
    }
    lane.open++;
    this.peakConnections = Math.max(this.peakConnections, lane.open);
    then();
  }

  private closeConnection(lane: BackendLane): void {
    lane.open--;
    const waiting = lane.waitingForConnection;
    lane.waitingForConnection = null;
    if (waiting) waiting();
    else this.forgetIfIdle(lane);
  }

  private forgetIfIdle(lane: BackendLane): void {
    if (!lane.taken && lane.open === 0) this.lanes.delete(lane.key);
  }

  private countSent(): void {
    this.sent++;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  // A freed slot passes straight to the longest waiter (FIFO), so no late caller can overtake it.
  private acquireSlot(then: () => void): void {
    if (this.inFlight < this.concurrency && this.waitingForSlot.length === 0) {
      this.inFlight++;
      then();
    } else {
      this.waitingForSlot.push(then);
    }
  }

  private releaseSlot(): void {
    const next = this.waitingForSlot.shift();
    if (next) next();
    else this.inFlight--;
  }
}
