// One run's notifications as a pipeline of stages (lib/notify/stages): plan (fingerprints, the examined scope, noise
// control) and claim in one conditional write; then per target render within the channel's limits, send with
// retries inside the rate and time budgets, and settle that target's outcome at once. A dead target never holds up
// the others, what it missed is sent with its next digest, and an interruption (the signal) stops sending, releases
// the claims and returns what is known.
import { randomUUID } from 'node:crypto';
import { systemClock } from '../util/clock';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import { MultiBucket } from '../util/rate';
import { DEFAULT_RETRY_POLICY } from '../util/retry';
import { createNotifier, RATE_LIMITS } from './channels';
import { thisProcess } from './pending';
import { claimTargets, renewClaims, type Claimed } from './stages/claim';
import { planRun, planWithoutState, summariesOf, type Plan, type PlanInput } from './stages/plan';
import { sendDigest, type Delivery } from './stages/send';
import { settleTarget } from './stages/settle';
import { memoryNotifyStateStore, type NotifyStateStore } from './state';
import {
  DEFAULT_NOTIFY_OPTIONS,
  type HttpFetch,
  type NotifyOptions,
  type NotifyReport,
  type NotifyRunInput,
  type NotifyTarget,
  type TargetReport,
} from './types';

const NO_EVENTS: TargetReport['events'] = { new: 0, changed: 0, repeat: 0, resolved: 0 };

/** Serialises the run's own state writes (heartbeats and settlements) so none overtakes another. */
function writeQueue(): <T>(write: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (write) => {
    const next = tail.then(write, write);
    tail = next.catch(() => undefined);
    return next;
  };
}

export async function notifyRun(input: NotifyRunInput): Promise<NotifyReport> {
  const clock = input.clock ?? systemClock;
  const options: NotifyOptions = { ...DEFAULT_NOTIFY_OPTIONS, ...input.options, retry: { ...DEFAULT_NOTIFY_OPTIONS.retry, ...input.options?.retry } };
  const runId = input.runId ?? randomUUID();
  const http: HttpFetch = input.http ?? ((url, init) => fetch(url, init));
  const deadlineAt = input.deadlineAt ?? null;
  const { signal } = input;
  const now = clock.now();
  const retryBudgetMs = Math.max(0, Math.min(options.retry.maxTotalMs ?? Infinity, deadlineAt === null ? Infinity : deadlineAt - now));
  const leaseMs = 3 * options.claimHeartbeatMs;
  const owner = thisProcess();
  const problems: string[] = [];
  const warn = (message: string): void => {
    problems.push(message);
    input.logger?.warn(message);
  };

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

  // Plan and claim in one conditional write: what is queued for a target is claimed by exactly one run.
  let store: NotifyStateStore = input.store;
  let loaded = true;
  let dedup: NotifyReport['dedup'] = 'on';
  let planned: { plan: Plan; claims: Record<string, Claimed> };
  const planAndClaim = (plan: (state: Parameters<typeof planRun>[0]) => Plan) => (state: Parameters<typeof planRun>[0]) => ({
    plan: plan(state),
    claims: claimTargets(state, input.targets, { runId, now, leaseMs, owner }),
  });
  try {
    planned = await store.update(planAndClaim((state) => planRun(state, planInput)));
  } catch (err) {
    loaded = false;
    dedup = 'off';
    const cause = errorMessage(err);
    warn(`state ${input.store.location} unavailable (${cause}): dedup is off; this run's open findings were sent as possible repeats, nothing was marked new or resolved, and nothing was remembered`);
    store = memoryNotifyStateStore();
    planned = await store.update(planAndClaim((state) => planWithoutState(state, planInput, `state ${input.store.location} unavailable (${cause}), dedup off: this may repeat earlier notices`)));
  }
  const { plan, claims } = planned;

  const write = writeQueue();
  let saved = loaded;
  const recordFailure = (what: string, err: unknown): void => {
    saved = false;
    warn(`could not record ${what} in ${store.location} (${errorMessage(err)}): the next run may send it again`);
  };

  // The heartbeat keeps this run's claims alive while it sends; a run that dies stops renewing them.
  const claimedKeys = new Set(input.targets.filter((t) => claims[t.key]?.digest).map((t) => t.key));
  const heartbeat =
    claimedKeys.size > 0 && loaded
      ? setInterval(() => {
          void write(() => store.update((state) => renewClaims(state, claimedKeys, runId, clock.now(), leaseMs))).catch((err: unknown) => input.logger?.warn(`claim heartbeat on ${store.location} failed: ${errorMessage(err)}`));
        }, options.claimHeartbeatMs)
      : null;
  heartbeat?.unref();

  const budgets = new Map<string, MultiBucket>();
  const budgetFor = (target: NotifyTarget): MultiBucket => {
    // Two targets naming the same robot share its budget.
    const key = `${target.kind}|${target.url}`;
    let bucket = budgets.get(key);
    if (!bucket) {
      bucket = new MultiBucket(RATE_LIMITS[target.kind], clock);
      budgets.set(key, bucket);
    }
    return bucket;
  };

  let deliveries: Delivery[];
  try {
    deliveries = await mapLimit(input.targets, options.concurrency, async (target): Promise<Delivery> => {
      const claim = claims[target.key];
      const digest = claim?.digest;
      if (!digest) {
        return claim?.heldBy
          ? { status: 'pending', attempts: 0, bytes: null, reason: `another run (${claim.heldBy}) is delivering this target's digest`, outcome: null }
          : { status: 'idle', attempts: 0, bytes: null, reason: null, outcome: null };
      }
      const notifier = createNotifier(target, { http, timeoutMs: options.sendTimeoutMs, wallClock: () => Date.now() });
      const delivery = signal?.aborted
        ? { status: 'interrupted' as const, attempts: 0, bytes: null, reason: 'the run was interrupted before this digest was sent; kept for the next run', outcome: null }
        : await sendDigest(notifier, digest, {
            now,
            clock,
            bucket: budgetFor(target),
            retry: { ...DEFAULT_RETRY_POLICY, ...options.retry, maxTotalMs: retryBudgetMs },
            deadlineAt,
            signal,
            logger: input.logger,
          });
      claimedKeys.delete(target.key);
      // Settled at once: an accepted digest is on record before anything else can be lost.
      await write(() => store.update((state) => settleTarget(state, target.key, runId, digest, delivery.outcome))).catch((err: unknown) =>
        recordFailure(delivery.status === 'sent' ? `the delivery to ${target.label}` : `the outcome for ${target.label}`, err),
      );
      return delivery;
    });
  } finally {
    if (heartbeat) clearInterval(heartbeat);
  }

  const targets: TargetReport[] = input.targets.map((target, index) => {
    const delivery = deliveries[index]!;
    const claimed = claims[target.key]?.digest ?? null;
    return {
      label: target.label,
      kind: target.kind,
      status: delivery.status,
      events: plan.events[target.key] ?? NO_EVENTS,
      items: claimed?.items.length ?? 0,
      attempts: delivery.attempts,
      bytes: delivery.bytes,
      reason: delivery.reason,
      possibleRepeat: delivery.attempts > 0 && claimed?.possibleRepeat != null,
    };
  });
  const undelivered = targets
    .filter((t) => t.status === 'failed' || t.status === 'pending' || t.status === 'interrupted')
    .map((t) => ({ label: t.label, kind: t.kind, status: t.status as 'failed' | 'pending' | 'interrupted', reason: t.reason ?? 'unknown reason' }));
  for (const target of undelivered) problems.push(`notify: ${target.label} (${target.kind}) not delivered: ${target.reason}`);
  const interrupted = signal?.aborted === true;
  if (interrupted) problems.push('notify: interrupted; undelivered digests stay queued for the next run');

  return {
    runId,
    regionId: input.regionId,
    counts: plan.counts,
    targets,
    complete: problems.length === 0,
    interrupted,
    dedup,
    undelivered,
    problems,
    state: { location: input.store.location, loaded, saved, warnings: [...input.store.warnings], error: loaded && saved ? null : problems.filter((p) => p.includes(input.store.location)).join('; ') },
  };
}
