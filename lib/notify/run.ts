// One run's notifications: advance the state (flap damping, repeats, resolutions), queue one digest per target in
// the same conditional write, send the digests (rate budget, retries honouring the service's wait), then remove
// what was delivered. A dead target never holds up the others, and what it missed is sent with its next digest.
import { randomUUID } from 'node:crypto';
import { SEVERITY_ORDER, type Severity } from '../model';
import { memoryStateStore } from '../state/memory-store';
import type { FindingSummary, NotifyState, PendingDigest, RunContext, StateStore } from '../state/types';
import { systemClock } from '../util/clock';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import { MultiBucket } from '../util/rate';
import { withRetry } from '../util/retry';
import { createNotifier, RATE_LIMITS } from './channels';
import { buildDigest } from './digest/model';
import { fingerprintOf, summarize } from './fingerprint';
import { advanceRecords, isSilenced, planForTarget, targetAccepts, type RunTransition } from './noise';
import { claimPending, mergePending, settlePending } from './pending';
import {
  DEFAULT_NOTIFY_OPTIONS,
  type HttpFetch,
  type NotifyOptions,
  type NotifyReport,
  type NotifyRunInput,
  type NotifyTarget,
  type SendResult,
  type TargetReport,
} from './types';

type SendFailure = Extract<SendResult, { ok: false }>;

class SendFailedError extends Error {
  constructor(readonly result: SendFailure) {
    super(result.reason);
  }
}

interface TargetPlanResult {
  events: TargetReport['events'];
  /** A copy of the digest this run claimed to send; null when there is nothing or another run holds it. */
  claimed: PendingDigest | null;
  heldBy: string | null;
}

interface Planned {
  targets: Record<string, TargetPlanResult>;
  counts: NotifyReport['counts'];
}

function runContext(target: NotifyTarget, transition: RunTransition, input: NotifyRunInput, runId: string, now: number, options: NotifyOptions): RunContext {
  const openBySeverity: Record<Severity, number> = { critical: 0, error: 0, warning: 0, info: 0 };
  const loadBalancers = new Set<string>();
  for (const record of transition.openPresent) {
    if (!targetAccepts(target, record.summary) || isSilenced(record.summary, options.silences, now)) continue;
    openBySeverity[record.summary.severity] += 1;
    loadBalancers.add(record.loadBalancerId);
  }
  return { runId, regionId: input.regionId, at: now, openBySeverity, loadBalancersAffected: loadBalancers.size, uncovered: input.covered?.uncovered ?? [] };
}

function planRun(state: NotifyState, input: NotifyRunInput, summaries: Map<string, FindingSummary>, runId: string, now: number, options: NotifyOptions, leaseMs: number): Planned {
  const transition = advanceRecords(state, {
    summaries,
    regionId: input.regionId,
    now,
    flapRuns: options.flapRuns,
    coveredLoadBalancerIds: input.covered ? new Set(input.covered.loadBalancerIds) : null,
  });
  const targets: Record<string, TargetPlanResult> = {};
  const repeated = new Set<string>();
  for (const target of input.targets) {
    const plan = planForTarget(target, transition, { now, runId, repeatIntervalMs: options.repeatIntervalMs, silences: options.silences });
    const events: TargetReport['events'] = { new: 0, changed: 0, repeat: 0, resolved: 0 };
    for (const item of plan.items) {
      events[item.event] += 1;
      if (item.event === 'repeat') repeated.add(item.fingerprint);
    }
    let pending: PendingDigest | undefined = state.pending[target.key];
    const context = runContext(target, transition, input, runId, now, options);
    if (plan.items.length > 0) pending = mergePending(pending, plan.items, context, now);
    else if (pending) pending.contexts[input.regionId] = context;
    if (pending && pending.items.length === 0 && pending.overflow === 0) pending = undefined;
    if (pending) state.pending[target.key] = pending;
    else delete state.pending[target.key];
    const claimed = pending && claimPending(pending, runId, now, leaseMs) ? structuredClone(pending) : null;
    targets[target.key] = { events, claimed, heldBy: pending && !claimed ? (pending.claim?.runId ?? null) : null };
  }
  const successorSubjects = new Set(transition.opened.map((r) => r.subjectKey));
  const changed = transition.closed.filter((r) => successorSubjects.has(r.subjectKey)).length;
  const silenced = [...transition.openPresent, ...transition.closed].filter((r) => isSilenced(r.summary, options.silences, now)).length;
  return {
    targets,
    counts: {
      findings: input.findings.length,
      new: transition.opened.length - changed,
      changed,
      repeat: repeated.size,
      resolved: transition.closed.length - changed,
      suppressed: silenced,
      awaitingConfirmation: transition.awaiting.length,
      stillOpen: transition.openPresent.length,
    },
  };
}

interface Delivery {
  status: TargetReport['status'];
  attempts: number;
  bytes: number | null;
  reason: string | null;
}

export async function notifyRun(input: NotifyRunInput): Promise<NotifyReport> {
  const clock = input.clock ?? systemClock;
  const options: NotifyOptions = { ...DEFAULT_NOTIFY_OPTIONS, ...input.options, retry: { ...DEFAULT_NOTIFY_OPTIONS.retry, ...input.options?.retry } };
  const runId = input.runId ?? randomUUID();
  const http: HttpFetch = input.http ?? ((url, init) => fetch(url, init));
  const deadlineAt = input.deadlineAt ?? null;
  const now = clock.now();
  const retryBudgetMs = Math.max(0, Math.min(options.retry.maxTotalMs ?? Infinity, deadlineAt === null ? Infinity : deadlineAt - now));
  // A run that crashes mid-send leaves its claim behind; after the lease another run takes the digest over.
  const leaseMs = (Number.isFinite(retryBudgetMs) ? retryBudgetMs : 60 * 60 * 1000) + 2 * options.sendTimeoutMs;

  const summaries = new Map<string, FindingSummary>();
  for (const finding of input.findings) {
    const summary = summarize(finding, input.backendsPerListener);
    const fingerprint = fingerprintOf(summary);
    const previous = summaries.get(fingerprint);
    if (!previous || SEVERITY_ORDER[summary.severity] > SEVERITY_ORDER[previous.severity]) summaries.set(fingerprint, summary);
  }

  let store: StateStore = input.store;
  const stateErrors: string[] = [];
  let planned: Planned;
  try {
    planned = await store.update((state) => planRun(state, input, summaries, runId, now, options, leaseMs));
  } catch (err) {
    // Without state we cannot tell new from old: better every open finding once than silence.
    stateErrors.push(`state ${store.location} unavailable (${errorMessage(err)}): notified every finding as new, nothing was remembered`);
    input.logger?.warn(stateErrors[0]!);
    store = memoryStateStore();
    const fallback = { ...options, flapRuns: 1 };
    planned = await store.update((state) => planRun(state, input, summaries, runId, now, fallback, leaseMs));
  }

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

  const deliver = async (target: NotifyTarget, claimed: PendingDigest): Promise<Delivery> => {
    const notifier = createNotifier(target, { http, timeoutMs: options.sendTimeoutMs, wallClock: () => Date.now() });
    const digest = buildDigest(claimed, { now, mentions: target.mentions });
    const bucket = budgetFor(target);
    const delivery: Delivery = { status: 'failed', attempts: 0, bytes: null, reason: null };
    if (retryBudgetMs <= 0) return { ...delivery, status: 'pending', reason: 'no time left before the deadline; kept for the next run' };
    try {
      await withRetry(
        async () => {
          // A budget drained by a "too fast" reply (possibly for another target on the same robot) can mean a long wait.
          const budgetWaitMs = Math.max(0, ...bucket.buckets.map((b) => b.waitTimeMs()));
          if (deadlineAt !== null && clock.now() + budgetWaitMs > deadlineAt) {
            throw new SendFailedError({ ok: false, retryable: false, reason: `the rate budget frees up only in ${Math.ceil(budgetWaitMs / 1000)} s, after the deadline` });
          }
          await bucket.take();
          delivery.attempts += 1;
          const result = await notifier.send(digest);
          delivery.bytes = result.bytes ?? delivery.bytes;
          if (result.ok) return;
          if (result.retryable && result.retryAfterMs) bucket.drain(result.retryAfterMs);
          throw new SendFailedError(result);
        },
        {
          clock,
          policy: { ...options.retry, maxTotalMs: retryBudgetMs },
          classify: (err) => (err instanceof SendFailedError && err.result.retryable ? { retry: true, retryAfterMs: err.result.retryAfterMs } : { retry: false }),
          onRetry: (err, attempt, delayMs) => input.logger?.info?.(`notify ${target.label}: attempt ${attempt} failed (${errorMessage(err)}); retrying in ${Math.round(delayMs)} ms`),
        },
      );
      return { ...delivery, status: 'sent' };
    } catch (err) {
      const reason = err instanceof SendFailedError ? err.result.reason : errorMessage(err);
      input.logger?.warn(`notify ${target.label} (${target.kind}) failed after ${delivery.attempts} attempt(s): ${reason}; the digest stays pending for the next run`);
      return { ...delivery, reason };
    }
  };

  const deliveries = await mapLimit(input.targets, options.concurrency, async (target): Promise<Delivery> => {
    const plan = planned.targets[target.key];
    if (!plan?.claimed) {
      return plan?.heldBy
        ? { status: 'pending', attempts: 0, bytes: null, reason: `another run (${plan.heldBy}) is delivering this target's digest` }
        : { status: 'idle', attempts: 0, bytes: null, reason: null };
    }
    return deliver(target, plan.claimed);
  });

  const settled = input.targets.map((target, index) => ({ target, delivery: deliveries[index]!, claimed: planned.targets[target.key]?.claimed ?? null }));
  if (settled.some((s) => s.claimed)) {
    try {
      await store.update((state) => {
        for (const { target, delivery, claimed } of settled) {
          const pending = state.pending[target.key];
          if (!claimed || !pending) continue;
          if (delivery.status === 'pending') {
            if (pending.claim?.runId === runId) pending.claim = null;
            continue;
          }
          settlePending(pending, runId, { ids: new Set(claimed.items.map((i) => i.id)), overflow: claimed.overflow }, { delivered: delivery.status === 'sent', error: delivery.reason });
          if (pending.items.length === 0 && pending.overflow === 0) delete state.pending[target.key];
        }
      });
    } catch (err) {
      const message = `could not record deliveries in ${store.location} (${errorMessage(err)}): delivered digests may be sent again next run`;
      stateErrors.push(message);
      input.logger?.warn(message);
    }
  }

  return {
    runId,
    regionId: input.regionId,
    counts: planned.counts,
    targets: settled.map(({ target, delivery, claimed }) => ({
      label: target.label,
      kind: target.kind,
      status: delivery.status,
      events: planned.targets[target.key]?.events ?? { new: 0, changed: 0, repeat: 0, resolved: 0 },
      items: claimed?.items.length ?? 0,
      attempts: delivery.attempts,
      bytes: delivery.bytes,
      reason: delivery.reason,
    })),
    state: { location: input.store.location, warnings: [...input.store.warnings], error: stateErrors.length ? stateErrors.join('; ') : null },
  };
}
