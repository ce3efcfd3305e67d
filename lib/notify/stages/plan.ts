// Stage 1, plan: this run's findings become fingerprints; noise control (flap damping, repeats, resolutions inside
// the examined scope only, silences, per-target filters) decides what each target is told, and the notices are
// queued per target in the same state write that marks them as told.
import { SEVERITY_ORDER, type NoticeFinding, type Severity } from '../../model';
import { fingerprintOf, summarize } from '../fingerprint';
import { advanceRecords, isSilenced, planForTarget, targetAccepts, type RunTransition } from '../noise';
import { mergePending } from '../pending';
import type { ExaminedScope } from '../scope';
import type { NotifyOptions, NotifyReport, NotifyTarget, TargetReport } from '../types';
import type { FindingSummary, NotifyState, PendingDigest, RunContext } from '../vocabulary';

export interface PlanInput {
  regionId: string;
  runId: string;
  now: number;
  summaries: Map<string, FindingSummary>;
  findingCount: number;
  examined: ExaminedScope;
  targets: NotifyTarget[];
  options: NotifyOptions;
}

export interface Plan {
  events: Record<string, TargetReport['events']>;
  counts: NotifyReport['counts'];
}

/** One summary per fingerprint; two findings on one subject and code keep the more severe. */
export function summariesOf(findings: NoticeFinding[], backendsPerListener: Record<string, number> | undefined): Map<string, FindingSummary> {
  const summaries = new Map<string, FindingSummary>();
  for (const finding of findings) {
    const summary = summarize(finding, backendsPerListener);
    const fingerprint = fingerprintOf(summary);
    const previous = summaries.get(fingerprint);
    if (!previous || SEVERITY_ORDER[summary.severity] > SEVERITY_ORDER[previous.severity]) summaries.set(fingerprint, summary);
  }
  return summaries;
}

function runContext(target: NotifyTarget, transition: RunTransition, input: PlanInput): RunContext {
  const openBySeverity: Record<Severity, number> = { critical: 0, error: 0, warning: 0, info: 0 };
  const loadBalancers = new Set<string>();
  for (const record of transition.openPresent) {
    if (!targetAccepts(target, record.summary) || isSilenced(record.summary, input.options.silences, input.now)) continue;
    openBySeverity[record.summary.severity] += 1;
    loadBalancers.add(record.loadBalancerId);
  }
  return { runId: input.runId, regionId: input.regionId, at: input.now, openBySeverity, loadBalancersAffected: loadBalancers.size, uncovered: input.examined.uncovered };
}

/** Changes `state` in place (inside the store's conditional write). */
export function planRun(state: NotifyState, input: PlanInput): Plan {
  const { now, runId, options } = input;
  const transition = advanceRecords(state, { summaries: input.summaries, regionId: input.regionId, now, flapRuns: options.flapRuns, examined: input.examined });
  const events: Plan['events'] = {};
  const repeated = new Set<string>();
  for (const target of input.targets) {
    const plan = planForTarget(target, transition, { now, runId, repeatIntervalMs: options.repeatIntervalMs, silences: options.silences });
    const counts: TargetReport['events'] = { new: 0, changed: 0, repeat: 0, resolved: 0 };
    for (const item of plan.items) {
      counts[item.event] += 1;
      if (item.event === 'repeat') repeated.add(item.fingerprint);
    }
    events[target.key] = counts;
    let pending: PendingDigest | undefined = state.pending[target.key];
    const context = runContext(target, transition, input);
    if (plan.items.length > 0) pending = mergePending(pending, plan.items, context, now);
    else if (pending) pending.contexts[input.regionId] = context;
    if (pending && pending.items.length === 0 && pending.overflow === 0) pending = undefined;
    if (pending) state.pending[target.key] = pending;
    else delete state.pending[target.key];
  }
  const successorSubjects = new Set(transition.opened.map((r) => r.subjectKey));
  const changed = transition.closed.filter((r) => successorSubjects.has(r.subjectKey)).length;
  const silenced = [...transition.openPresent, ...transition.closed].filter((r) => isSilenced(r.summary, options.silences, now)).length;
  return {
    events,
    counts: {
      findings: input.findingCount,
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

/**
 * Without a readable state nothing can be told apart from what was sent before: every open finding of this run is
 * delivered as a possible repeat (never as new, and nothing resolves), so that a person still hears of it.
 */
export function planWithoutState(state: NotifyState, input: PlanInput, reason: string): Plan {
  const plan = planRun(state, { ...input, options: { ...input.options, flapRuns: 1 } });
  for (const [key, pending] of Object.entries(state.pending)) {
    pending.items = pending.items.map((item) => (item.event === 'new' ? { ...item, event: 'repeat' } : item));
    pending.possibleRepeat = reason;
    const events = plan.events[key];
    if (events) {
      events.repeat += events.new;
      events.new = 0;
    }
  }
  plan.counts.repeat = plan.counts.new + plan.counts.repeat;
  plan.counts.new = 0;
  return plan;
}
