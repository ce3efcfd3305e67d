// The run's report: per target what happened, and whether the run is complete (every target delivered or idle, the
// state read and written, not interrupted), with one problem line per reason it is not.
import type { NotifyReport, NotifyTarget, TargetReport, UndeliveredTarget } from '../types';
import type { Claimed } from './claim';
import type { Plan } from './plan';
import type { Delivery } from './send';

const NO_EVENTS: TargetReport['events'] = { new: 0, changed: 0, repeat: 0, resolved: 0 };

export interface ReportInput {
  runId: string;
  regionId: string;
  targets: NotifyTarget[];
  plan: Plan;
  claims: Record<string, Claimed>;
  deliveries: Delivery[];
  interrupted: boolean;
  /** The state problems found on the way (unavailable, an outcome not recorded). */
  stateProblems: string[];
  state: { location: string; loaded: boolean; saved: boolean; warnings: string[] };
}

function isUndelivered(status: TargetReport['status']): status is UndeliveredTarget['status'] {
  return status === 'failed' || status === 'pending' || status === 'interrupted';
}

export function reportOf(input: ReportInput): NotifyReport {
  const targets: TargetReport[] = input.targets.map((target, index) => {
    const delivery = input.deliveries[index]!;
    const claimed = input.claims[target.key]?.digest ?? null;
    return {
      label: target.label,
      kind: target.kind,
      status: delivery.status,
      events: input.plan.events[target.key] ?? NO_EVENTS,
      items: claimed?.items.length ?? 0,
      attempts: delivery.attempts,
      bytes: delivery.bytes,
      parts: delivery.parts,
      partsSent: delivery.partsSent,
      reason: delivery.reason,
      possibleRepeat: delivery.attempts > 0 && claimed?.possibleRepeat != null,
    };
  });
  const undelivered: UndeliveredTarget[] = [];
  for (const t of targets) if (isUndelivered(t.status)) undelivered.push({ label: t.label, kind: t.kind, status: t.status, reason: t.reason ?? 'unknown reason' });
  const problems = [
    ...input.stateProblems,
    ...undelivered.map((t) => `notify: ${t.label} (${t.kind}) not delivered: ${t.reason}`),
    ...(input.interrupted ? ['notify: interrupted; undelivered digests stay queued for the next run'] : []),
  ];
  return {
    runId: input.runId,
    regionId: input.regionId,
    counts: input.plan.counts,
    targets,
    complete: problems.length === 0,
    interrupted: input.interrupted,
    dedup: input.state.loaded ? 'on' : 'off',
    undelivered,
    problems,
    state: { ...input.state, error: input.stateProblems.length > 0 ? input.stateProblems.join('; ') : null },
  };
}
