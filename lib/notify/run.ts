// One run's notifications as a pipeline of stages (lib/notify/stages): plan (fingerprints, the examined scope, noise
// control) and claim in one conditional write; then per target render within the channel's limits, send with
// retries inside the rate and time budgets, and settle that target's outcome at once; then the report. A dead
// target never holds up the others, what it missed is sent with its next digest, and an interruption (the signal)
// stops sending, releases the claims and returns what is known.
import { randomUUID } from 'node:crypto';
import { systemClock } from '../util/clock';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import { DEFAULT_RETRY_POLICY } from '../util/retry';
import { createNotifier } from './channels';
import { thisProcess } from './pending';
import { postOverNodeHttp } from './post';
import { claimTargets, renewClaims, startHeartbeat, type Claimed } from './stages/claim';
import { planRun, planWithoutState, summariesOf, type Plan, type PlanInput } from './stages/plan';
import { reportOf } from './stages/report';
import { RateBudgets, sendDigest, type Delivery } from './stages/send';
import { settleTarget } from './stages/settle';
import { memoryNotifyStateStore, type NotifyStateStore } from './state';
import { DEFAULT_NOTIFY_OPTIONS, type HttpFetch, type NotifyOptions, type NotifyReport, type NotifyRunInput, type NotifyTarget } from './types';
import type { NotifyState } from './vocabulary';

/** A target this run sends nothing to. */
const UNSENT: Omit<Delivery, 'status'> = { attempts: 0, bytes: null, reason: null, outcome: null, delivered: new Set(), parts: 0, partsSent: 0 };

/** Serialises the run's own state writes (heartbeats and settlements) so none overtakes another. */
function writeQueue(): <T>(write: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (write) => {
    const next = tail.then(write, write);
    tail = next.catch(() => undefined);
    return next;
  };
}

/**
 * How long a target's outcome may wait for the digests still on their way to other targets, so that they are all
 * recorded in one write. A run that dies meanwhile sends those digests again, marked as possible repeats.
 */
export const SETTLEMENT_GATHER_MS = 1_000;

/** The digests on their way; `quiet` resolves once none is (or after `maxMs`). */
class SendsInFlight {
  private count = 0;
  private readonly waiting = new Set<() => void>();

  start(): void {
    this.count += 1;
  }

  end(): void {
    this.count -= 1;
    this.wakeWhenQuiet();
  }

  quiet(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), maxMs);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      this.waiting.add(done);
      this.wakeWhenQuiet();
    });
  }

  /** Looked at on the next turn of the event loop: a target that just ended has let its lane take the next one. */
  private wakeWhenQuiet(): void {
    setImmediate(() => {
      if (this.count === 0) for (const done of [...this.waiting]) done();
    });
  }
}

/**
 * Settlements go out together: one waits (at most SETTLEMENT_GATHER_MS) until no digest is being sent, and those
 * that come in meanwhile, or while the write is queued, join its write. Twenty targets cost a write or two of the
 * whole state, not twenty (at 10,000 load balancers the state is some 10 MB of JSON, and each write encodes all of it).
 */
function settlementWriter(
  write: <T>(write: () => Promise<T>) => Promise<T>,
  store: NotifyStateStore,
  sends: SendsInFlight,
): (settle: (state: NotifyState) => void) => Promise<void> {
  let open: Array<(state: NotifyState) => void> | null = null;
  let written: Promise<void> = Promise.resolve();
  return (settle) => {
    if (open) {
      open.push(settle);
      return written;
    }
    const batch = [settle];
    open = batch;
    written = sends.quiet(SETTLEMENT_GATHER_MS).then(() =>
      write(() => {
        // From here on the batch is fixed (the store may run the change again on a conflict): later ones start the next.
        open = null;
        return store.update((state) => {
          for (const each of batch) each(state);
        });
      }),
    );
    return written;
  };
}

interface Planned {
  /** Where this run's outcomes are recorded: the configured store, or memory when it was unavailable. */
  store: NotifyStateStore;
  loaded: boolean;
  plan: Plan;
  claims: Record<string, Claimed>;
  problems: string[];
}

/** Stages 1 and 2 in one conditional write; without a usable state, the dedup-off plan in memory. */
async function planAndClaim(input: NotifyRunInput, planInput: PlanInput, claim: (state: NotifyState) => Record<string, Claimed>): Promise<Planned> {
  try {
    const { plan, claims } = await input.store.update((state) => ({ plan: planRun(state, planInput), claims: claim(state) }));
    return { store: input.store, loaded: true, plan, claims, problems: [] };
  } catch (err) {
    const { location } = input.store;
    const cause = errorMessage(err);
    const problem = `state ${location} unavailable (${cause}): dedup is off; this run's open findings were sent as possible repeats, nothing was marked new or resolved, and nothing was remembered`;
    input.logger?.warn(problem);
    const store = memoryNotifyStateStore();
    const reason = `state ${location} unavailable (${cause}), dedup off: this may repeat earlier notices`;
    const { plan, claims } = await store.update((state) => ({ plan: planWithoutState(state, planInput, reason), claims: claim(state) }));
    return { store, loaded: false, plan, claims, problems: [problem] };
  }
}

export async function notifyRun(input: NotifyRunInput): Promise<NotifyReport> {
  const clock = input.clock ?? systemClock;
  const options: NotifyOptions = { ...DEFAULT_NOTIFY_OPTIONS, ...input.options, retry: { ...DEFAULT_NOTIFY_OPTIONS.retry, ...input.options?.retry } };
  const runId = input.runId ?? randomUUID();
  const http: HttpFetch = input.http ?? postOverNodeHttp;
  const deadlineAt = input.deadlineAt ?? null;
  const { signal } = input;
  const now = clock.now();
  const retryBudgetMs = Math.max(0, Math.min(options.retry.maxTotalMs ?? Infinity, deadlineAt === null ? Infinity : deadlineAt - now));
  const leaseMs = 3 * options.claimHeartbeatMs;
  const owner = thisProcess();

  const planInput: PlanInput = {
    regionId: input.regionId,
    runId,
    now,
    summaries: summariesOf(input.findings, input.backendsPerListener),
    findingCount: input.findings.length,
    examined: input.examined,
    targets: input.targets,
    options,
  };
  const planned = await planAndClaim(input, planInput, (state) => claimTargets(state, input.targets, { runId, now, leaseMs, owner }));
  const { store, claims } = planned;
  const stateProblems = [...planned.problems];
  let saved = planned.loaded;

  const write = writeQueue();
  const sends = new SendsInFlight();
  const settle = settlementWriter(write, store, sends);
  const sending = new Set(input.targets.filter((t) => claims[t.key]?.digest).map((t) => t.key));
  // The heartbeat keeps this run's claims alive while it sends; a run that dies stops renewing them.
  const stopHeartbeat = startHeartbeat({
    keys: planned.loaded ? sending : new Set(),
    intervalMs: options.claimHeartbeatMs,
    renew: (keys) => write(() => store.update((state) => renewClaims(state, keys, runId, clock.now(), leaseMs))),
    onError: (err) => input.logger?.warn(`claim heartbeat on ${store.location} failed: ${errorMessage(err)}`),
  });

  const budgets = new RateBudgets(clock);
  const deliver = async (target: NotifyTarget): Promise<Delivery> => {
    const claim = claims[target.key];
    const digest = claim?.digest;
    if (!digest) {
      return claim?.heldBy
        ? { ...UNSENT, status: 'pending', reason: `another run (${claim.heldBy}) is delivering this target's digest` }
        : { ...UNSENT, status: 'idle' };
    }
    sends.start();
    let delivery: Delivery;
    try {
      delivery = signal?.aborted
        ? { ...UNSENT, status: 'interrupted', reason: 'the run was interrupted before this digest was sent; kept for the next run' }
        : await sendDigest(createNotifier(target, { http, timeoutMs: options.sendTimeoutMs, wallClock: () => Date.now() }), digest, {
            now,
            clock,
            bucket: budgets.of(target),
            retry: { ...DEFAULT_RETRY_POLICY, ...options.retry, maxTotalMs: retryBudgetMs },
            deadlineAt,
            signal,
            logger: input.logger,
          });
    } finally {
      sends.end();
    }
    sending.delete(target.key);
    // Settled with the outcomes of the digests still on their way (settlementWriter), while the next target's digest
    // goes out: no send waits in line behind a state write of the whole document; the run ends once all are on record.
    settlements.push(
      settle((state) => settleTarget(state, target.key, runId, digest, delivery)).catch((err: unknown) => {
        saved = false;
        const what = delivery.status === 'sent' ? `the delivery to ${target.label}` : `the outcome for ${target.label}`;
        const problem = `could not record ${what} in ${store.location} (${errorMessage(err)}): the next run may send it again`;
        stateProblems.push(problem);
        input.logger?.warn(problem);
      }),
    );
    return delivery;
  };

  const settlements: Promise<void>[] = [];
  let deliveries: Delivery[];
  try {
    deliveries = await mapLimit(input.targets, options.concurrency, deliver);
    await Promise.all(settlements);
  } finally {
    stopHeartbeat();
  }

  return reportOf({
    runId,
    regionId: input.regionId,
    targets: input.targets,
    plan: planned.plan,
    claims,
    deliveries,
    interrupted: signal?.aborted === true,
    stateProblems,
    state: { location: input.store.location, loaded: planned.loaded, saved, warnings: [...input.store.warnings] },
  });
}
