// The part of the fleet one run examined, and whether a remembered finding lies inside it. Only inside may a run
// age, resolve or forget a finding: a scoped run (one load balancer, one listener, an alarm's port) or a partial
// run (deadline, inventory error) says nothing about what it did not look at.
import type { FindingCode, ListenerProtocol } from '../model';
import type { FindingSummary } from './vocabulary';

/** Built by the audit (`examinedScopeOf` in lib/audit/coverage.ts); see there for how each field is decided. */
export interface ExaminedScope {
  regionId: string;
  /** Load balancers examined completely. */
  loadBalancerIds: string[];
  /** In scope but not examined completely (deadline, inventory error): nothing of theirs is concluded this run. */
  uncovered: { loadBalancerId: string; reason: string }[];
  /** Every load balancer of the region was listed (no filter, no listing error): one not seen is gone. */
  wholeRegion: boolean;
  /** Only listeners matching this were examined; load-balancer-level findings are then outside. null: every listener. */
  listener: { port: number; protocol?: ListenerProtocol } | null;
  /** Healthy backends were probed too (`--all`), so findings only such a sweep reveals were decided. */
  healthyBackendsProbed: boolean;
}

/** Codes only a probe of a backend SLB calls healthy can produce (the `--all` sweep). */
const SWEEP_ONLY_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(['TIMEOUT_RISK']);

/** The scope's load balancer ids as sets, built once per scope: a run asks this of every remembered finding. */
const idSets = new WeakMap<ExaminedScope, { examined: ReadonlySet<string>; uncovered: ReadonlySet<string> }>();

function idSetsOf(scope: ExaminedScope): { examined: ReadonlySet<string>; uncovered: ReadonlySet<string> } {
  let sets = idSets.get(scope);
  if (!sets) {
    sets = { examined: new Set(scope.loadBalancerIds), uncovered: new Set(scope.uncovered.map((u) => u.loadBalancerId)) };
    idSets.set(scope, sets);
  }
  return sets;
}

export function isInExaminedScope(summary: Pick<FindingSummary, 'subject' | 'code'>, scope: ExaminedScope): boolean {
  const { subject } = summary;
  if (subject.regionId !== scope.regionId) return false;
  const lbId = subject.loadBalancerId;
  const { examined, uncovered } = idSetsOf(scope);
  const covered = examined.has(lbId) || (scope.wholeRegion && !uncovered.has(lbId));
  if (!covered) return false;
  if (scope.listener) {
    if (!subject.listener) return false;
    if (subject.listener.port !== scope.listener.port) return false;
    if (scope.listener.protocol !== undefined && subject.listener.protocol !== scope.listener.protocol) return false;
  }
  if (SWEEP_ONLY_CODES.has(summary.code) && !scope.healthyBackendsProbed) return false;
  return true;
}
