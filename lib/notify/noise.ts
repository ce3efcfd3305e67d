// Noise control: which findings are new, still open, changed or resolved, with flap damping both ways, silences,
// per-target filters and the repeat interval. Pure functions over the state; notifyRun persists the result.
import { SEVERITY_ORDER } from '../model';
import { backendKeyOf, listenerKeyOf } from './fingerprint';
import { isInExaminedScope, type ExaminedScope } from './scope';
import type { NotifyTarget, Silence } from './types';
import type { DigestItem, FindingSummary, FingerprintRecord, NotifyState } from './vocabulary';

export interface Observation {
  /** This run's findings by fingerprint. */
  summaries: Map<string, FindingSummary>;
  regionId: string;
  now: number;
  flapRuns: number;
  /** What this run examined: only there does an absence count. */
  examined: ExaminedScope;
}

export interface RunTransition {
  /** Held for `flapRuns` runs: open from this run on. */
  opened: FingerprintRecord[];
  /** Open before, gone for `flapRuns` runs that examined it: resolved now (already removed from the state). */
  closed: FingerprintRecord[];
  /** Open and seen this run (includes `opened`). */
  openPresent: FingerprintRecord[];
  /** Seen, but not yet held long enough. */
  awaiting: FingerprintRecord[];
}

export function advanceRecords(state: NotifyState, observation: Observation): RunTransition {
  const { now, flapRuns } = observation;
  const transition: RunTransition = { opened: [], closed: [], openPresent: [], awaiting: [] };
  const held = holdWhatMissingFactsWouldChange(state, observation);
  for (const record of held.values()) {
    record.absentRuns = 0;
    transition.openPresent.push(record);
  }
  for (const [fingerprint, summary] of observation.summaries) {
    if (summary.withoutFacts !== undefined && state.records[fingerprint] === undefined && held.has(subjectKeyOf(fingerprint))) continue;
    const record: FingerprintRecord = state.records[fingerprint] ?? {
      fingerprint,
      subjectKey: subjectKeyOf(fingerprint),
      regionId: summary.subject.regionId,
      loadBalancerId: summary.subject.loadBalancerId,
      firstSeenAt: now,
      lastSeenAt: now,
      presentRuns: 0,
      absentRuns: 0,
      openedAt: null,
      notifiedAt: {},
      summary,
    };
    record.presentRuns += 1;
    record.absentRuns = 0;
    record.lastSeenAt = now;
    record.summary = summary;
    state.records[fingerprint] = record;
    if (record.openedAt === null && record.presentRuns >= flapRuns) {
      record.openedAt = now;
      transition.opened.push(record);
    }
    if (record.openedAt === null) transition.awaiting.push(record);
    else transition.openPresent.push(record);
  }
  for (const [fingerprint, record] of Object.entries(state.records)) {
    if (observation.summaries.has(fingerprint) || held.has(record.subjectKey) || record.regionId !== observation.regionId) continue;
    if (!isInExaminedScope(record.summary, observation.examined)) continue;
    record.absentRuns += 1;
    record.presentRuns = 0;
    if (record.openedAt === null) {
      delete state.records[fingerprint]; // never confirmed: a blip, forgotten without a word
    } else if (record.absentRuns >= flapRuns) {
      delete state.records[fingerprint];
      transition.closed.push(record);
    }
  }
  return transition;
}

function subjectKeyOf(fingerprint: string): string {
  return fingerprint.slice(0, fingerprint.lastIndexOf('#'));
}

/**
 * The open records, by subject, that stand although this run gave their subject another code: one reached without
 * facts that could have given it this code again (the ECS API failed, so a stopped instance or a security-group drop
 * could not be ruled out). Such a verdict neither closes the code already open nor opens its own: every run of an ECS
 * outage would otherwise announce a change, and the run after it the change back. The run's own error notice says
 * that the ECS facts were missing. A subject with no code open yet gets the verdict as it is.
 */
function holdWhatMissingFactsWouldChange(state: NotifyState, observation: Observation): Map<string, FingerprintRecord> {
  const held = new Map<string, FingerprintRecord>();
  const degraded = new Set<string>();
  for (const [fingerprint, summary] of observation.summaries) {
    if (summary.withoutFacts !== undefined && state.records[fingerprint] === undefined) degraded.add(subjectKeyOf(fingerprint));
  }
  if (degraded.size === 0) return held;
  for (const record of Object.values(state.records)) {
    if (record.openedAt === null || record.summary.withoutFacts !== undefined || observation.summaries.has(record.fingerprint)) continue;
    if (degraded.has(record.subjectKey) && !held.has(record.subjectKey)) held.set(record.subjectKey, record);
  }
  return held;
}

export function isSilenced(summary: FindingSummary, silences: readonly Silence[], now: number): boolean {
  const listener = listenerKeyOf(summary.subject);
  const backend = backendKeyOf(summary.subject);
  return silences.some((silence) => {
    if (silence.expiresAt <= now) return false;
    if (silence.loadBalancerId !== null && silence.loadBalancerId !== summary.subject.loadBalancerId) return false;
    if (silence.code !== null && silence.code !== summary.code) return false;
    if (silence.listener !== null) {
      const matches = silence.listener.includes(':') ? silence.listener === listener : listener?.endsWith(`:${silence.listener}`) === true;
      if (!matches) return false;
    }
    if (silence.backend !== null) {
      const matches = silence.backend.includes(':') ? silence.backend === backend : backend?.startsWith(`${silence.backend}:`) === true;
      if (!matches) return false;
    }
    return true;
  });
}

export function targetAccepts(target: NotifyTarget, summary: FindingSummary): boolean {
  if (SEVERITY_ORDER[summary.severity] < SEVERITY_ORDER[target.minSeverity]) return false;
  const { loadBalancerIds, tags, codes } = target.match;
  if (loadBalancerIds && !loadBalancerIds.includes(summary.subject.loadBalancerId)) return false;
  if (codes && !codes.includes(summary.code)) return false;
  if (tags && !Object.entries(tags).every(([key, value]) => summary.subject.tags[key] === value)) return false;
  return true;
}

export interface TargetPlan {
  items: DigestItem[];
  /** Fingerprints that would have notified this target but are silenced. */
  suppressed: string[];
}

/**
 * What this run tells one target, recording on each record that the target has been told (the digest is queued in
 * the same write, so "told" means "delivered or pending", never lost).
 */
export function planForTarget(
  target: NotifyTarget,
  transition: RunTransition,
  context: { now: number; runId: string; repeatIntervalMs: number; silences: readonly Silence[] },
): TargetPlan {
  const { now, runId } = context;
  const plan: TargetPlan = { items: [], suppressed: [] };
  const item = (event: DigestItem['event'], record: FingerprintRecord, previousCode: DigestItem['previousCode'] = null): DigestItem => ({
    id: `${runId}:${event}:${record.fingerprint}`,
    event,
    fingerprint: record.fingerprint,
    at: now,
    previousCode,
    summary: record.summary,
  });
  const silenced = (record: FingerprintRecord): boolean => isSilenced(record.summary, context.silences, now);
  const handled = new Set<string>();

  // A subject whose told code went away while a new code opened: one "changed" line instead of resolved + new.
  for (const closed of transition.closed) {
    if (closed.notifiedAt[target.key] === undefined) continue;
    if (silenced(closed)) {
      plan.suppressed.push(closed.fingerprint);
      continue;
    }
    const successor = transition.opened.find((o) => o.subjectKey === closed.subjectKey && !handled.has(o.fingerprint) && targetAccepts(target, o.summary) && !silenced(o));
    if (successor) {
      handled.add(successor.fingerprint);
      successor.notifiedAt[target.key] = now;
      plan.items.push(item('changed', successor, closed.summary.code));
    } else {
      plan.items.push(item('resolved', closed));
    }
  }
  for (const record of transition.openPresent) {
    if (handled.has(record.fingerprint)) continue;
    const told = record.notifiedAt[target.key];
    if (!targetAccepts(target, record.summary)) {
      delete record.notifiedAt[target.key]; // the target's filter changed: it no longer follows this one
      continue;
    }
    if (told !== undefined && now - told < context.repeatIntervalMs) continue;
    if (silenced(record)) {
      plan.suppressed.push(record.fingerprint);
      continue;
    }
    record.notifiedAt[target.key] = now;
    plan.items.push(item(told === undefined ? 'new' : 'repeat', record));
  }
  return plan;
}
