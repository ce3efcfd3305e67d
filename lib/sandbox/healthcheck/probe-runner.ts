// Runs probe attempts with bounded concurrency, round-robin source addresses, and sharing: checks whose probes are
// identical (same address, port, bytes and timeout) join the attempt in flight or reuse one that started within their
// interval, so 10,000 backend entries behind a few endpoints cost a few attempts per interval.
import { setMaxListeners } from 'node:events';
import { checkHttp } from './checks/http';
import type { Observation } from './checks/observation';
import { checkTcp } from './checks/tcp';
import { checkUdp } from './checks/udp';
import type { ProbeSpec } from './plan';

interface Attempt {
  /** Increases with every attempt, so a check can tell an attempt it has already used from a newer one. */
  sequence: number;
  startedAt: number;
  finished: boolean;
  observation: Promise<Observation>;
}

export class ProbeRunner {
  private readonly attempts = new Map<string, Attempt>();
  private readonly ids = new WeakMap<ProbeSpec, string>();
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private nextSource = 0;
  private nextSequence = 1;
  private readonly abort = new AbortController();
  /** Attempts actually sent (after sharing), for measurements. */
  sent = 0;

  constructor(
    private readonly sourceIps: readonly string[],
    private readonly maxInFlight: number,
  ) {
    // Every in-flight attempt listens for the abort; that is by design, not a leak.
    setMaxListeners(maxInFlight + 16, this.abort.signal);
  }

  /**
   * The observation of the attempt in flight for this probe, or of a finished one newer than `afterSequence` that
   * started at most `maxAgeMs` ago, or of a new attempt. Pass the returned sequence back as `afterSequence` next time:
   * a check must never count the same attempt twice.
   */
  observe(probe: ProbeSpec, maxAgeMs: number, afterSequence: number): { sequence: number; observation: Promise<Observation> } {
    const id = this.idOf(probe);
    const previous = this.attempts.get(id);
    if (previous && previous.sequence > afterSequence && (!previous.finished || Date.now() - previous.startedAt < maxAgeMs)) {
      return previous;
    }
    const attempt: Attempt = { sequence: this.nextSequence++, startedAt: Date.now(), finished: false, observation: this.run(probe) };
    void attempt.observation.then(() => {
      attempt.finished = true;
    });
    this.attempts.set(id, attempt);
    return attempt;
  }

  /**
   * The key under which equal probes share attempts. Each check's plan keeps its ProbeSpec for the checker's life, so
   * the key (the HTTP request bytes are part of it) is built once per plan, not once per check.
   */
  private idOf(probe: ProbeSpec): string {
    let id = this.ids.get(probe);
    if (id === undefined) {
      id = `${probe.kind}|${probe.ip}|${probe.port}|${probe.timeoutMs}|${probe.payload}`;
      this.ids.set(probe, id);
    }
    return id;
  }

  /** Aborts every attempt in flight (they resolve at once as 'checker stopped'); queued ones start and end at once. */
  stop(): void {
    this.abort.abort();
    for (const start of this.waiting.splice(0)) {
      this.inFlight += 1;
      start();
    }
  }

  /** Never rejects: a check that throws is a failed observation. */
  private async run(probe: ProbeSpec): Promise<Observation> {
    await this.acquire();
    this.sent += 1;
    const sourceIp = this.sourceIps[this.nextSource++ % this.sourceIps.length] as string;
    try {
      const check = probe.kind === 'tcp' ? checkTcp : probe.kind === 'http' ? checkHttp : checkUdp;
      return await check(probe, sourceIp, this.abort.signal);
    } catch (err) {
      return { kind: 'failed', reason: `check could not run: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.maxInFlight || this.abort.signal.aborted) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    // The releasing attempt hands its slot over, so the count never exceeds the bound.
    return new Promise<void>((start) => this.waiting.push(start));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }
}
