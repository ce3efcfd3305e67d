// Which load balancers a run examined completely, and why the others were not: the run result must say exactly.
import type { DataPlaneEvidence, Inventory, ProbeJob } from '../model';

export interface Coverage {
  covered: string[];
  uncovered: { loadBalancerId: string; reason: string }[];
}

export function loadBalancerOfJob(job: ProbeJob): string {
  return job.id.slice(0, job.id.indexOf('/'));
}

export function computeCoverage(inventory: Inventory, jobs: ProbeJob[], evidence: DataPlaneEvidence[]): Coverage {
  const examined = new Set(evidence.map((e) => e.jobId));
  const pending = new Map<string, number>();
  for (const job of jobs) {
    if (!examined.has(job.id)) {
      const lb = loadBalancerOfJob(job);
      pending.set(lb, (pending.get(lb) ?? 0) + 1);
    }
  }
  const uncovered: Coverage['uncovered'] = [];
  const failed = new Set<string>();
  for (const error of inventory.errors) {
    if (error.loadBalancerId === null || failed.has(error.loadBalancerId)) continue;
    failed.add(error.loadBalancerId);
    uncovered.push({ loadBalancerId: error.loadBalancerId, reason: `inventory failed: ${error.action} ${error.code}` });
  }
  const covered: string[] = [];
  for (const lb of inventory.loadBalancers) {
    if (failed.has(lb.id)) continue;
    const missing = pending.get(lb.id);
    if (missing) uncovered.push({ loadBalancerId: lb.id, reason: `deadline reached before ${missing} backend probe(s) ran` });
    else covered.push(lb.id);
  }
  return { covered, uncovered };
}
