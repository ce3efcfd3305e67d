// Which load balancers a run examined completely, and why the others were not: the run result must say exactly.
// The examined scope is what the delivery may draw conclusions from: a finding outside it is neither resolved,
// re-sent nor forgotten, because this run never looked there.
import type { DataPlaneEvidence, Inventory, InventoryError, InventoryFilter, ProbeJob } from '../model';
import type { ExaminedScope } from '../notify/scope';

// The delivery's input type: defined by lib/notify, which decides what a scope lets it conclude.
export type { ExaminedScope };

export interface Coverage {
  covered: string[];
  uncovered: { loadBalancerId: string; reason: string }[];
}

export function computeCoverage(inventory: Inventory, jobs: ProbeJob[], evidence: DataPlaneEvidence[]): Coverage {
  const examined = new Set(evidence.map((e) => e.jobId));
  const pending = new Map<string, number>();
  for (const job of jobs) {
    if (!examined.has(job.id)) {
      const lb = job.target.loadBalancerId;
      pending.set(lb, (pending.get(lb) ?? 0) + 1);
    }
  }
  return coverageOf(inventory.errors, inventory.loadBalancers.map((lb) => ({ loadBalancerId: lb.id, missing: pending.get(lb.id) ?? 0 })));
}

/**
 * The coverage from the inventory's errors and, per load balancer in listing order, how many of its jobs have no
 * evidence: a load balancer named by an error is not covered (first, in the errors' order), nor one with a job left.
 */
export function coverageOf(errors: readonly InventoryError[], loadBalancers: Iterable<{ loadBalancerId: string; missing: number }>): Coverage {
  const uncovered: Coverage['uncovered'] = [];
  const failed = new Set<string>();
  for (const error of errors) {
    if (error.loadBalancerId === null || failed.has(error.loadBalancerId)) continue;
    failed.add(error.loadBalancerId);
    uncovered.push({ loadBalancerId: error.loadBalancerId, reason: `inventory failed: ${error.action} ${error.code}` });
  }
  const covered: string[] = [];
  for (const { loadBalancerId, missing } of loadBalancers) {
    if (failed.has(loadBalancerId)) continue;
    if (missing > 0) uncovered.push({ loadBalancerId, reason: `deadline reached before ${missing} backend probe(s) ran` });
    else covered.push(loadBalancerId);
  }
  return { covered, uncovered };
}

export interface ExaminedScopeInput {
  inventory: Inventory;
  jobs: ProbeJob[];
  evidence: DataPlaneEvidence[];
  /** The run's filter: the CLI's --lb/--listener/--tag, or an alarm's load balancer and port; `all` is --all. */
  filter: InventoryFilter & { all?: boolean };
}

export function examinedScopeOf(input: ExaminedScopeInput): ExaminedScope {
  const { inventory } = input;
  return examinedScopeFrom(computeCoverage(inventory, input.jobs, input.evidence), inventory, input.filter);
}

/** The examined scope from a run's coverage, its inventory's errors and its filter. */
export function examinedScopeFrom(coverage: Coverage, inventory: Pick<Inventory, 'regionId' | 'errors'>, filter: ExaminedScopeInput['filter']): ExaminedScope {
  const unfiltered = !filter.loadBalancerIds?.length && Object.keys(filter.tags ?? {}).length === 0;
  // A listing error without a load balancer (a failed page, the ECS facts) means the run may not have seen them all.
  const listedAll = inventory.errors.every((error) => error.loadBalancerId !== null);
  return {
    regionId: inventory.regionId,
    loadBalancerIds: coverage.covered,
    uncovered: coverage.uncovered,
    wholeRegion: unfiltered && listedAll,
    listener: filter.listener ? { ...filter.listener } : null,
    healthyBackendsProbed: filter.all === true,
  };
}
