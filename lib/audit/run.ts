// One audit run: inventory → probe jobs → executor (in-process or VPC fan-out) → diagnosis → notification.
// Deadline-aware: probing stops early enough that the notification always finishes, and the summary says exactly
// which load balancers were covered.
import { randomUUID } from 'node:crypto';
import { createCloudClients } from '../cloud';
import { diagnose, jobsFromInventory } from '../diagnose';
import { inProcessExecutor } from '../fanout/in-process';
import { collectInventory, readHealthStatus } from '../inventory';
import type { Finding, Inventory } from '../model';
import { notifyRun, parseTargets, type NotifyReport } from '../notify';
import { ON_HOST_DEFAULT_BUDGET_MS, confirmOnHosts, type OnHostReport } from '../onhost';
import { openStateStore } from '../state';
import { systemClock } from '../util/clock';
import { UserFacingError } from '../util/errors';
import { computeCoverage } from './coverage';
import type { AuditOptions, AuditSummary } from './types';

/** Time kept back from probing for diagnosis and notification when the run has a deadline. */
export function notificationReserveMs(budgetMs: number): number {
  return Math.min(30_000, Math.max(2_000, Math.floor(budgetMs * 0.25)));
}

function countBy(findings: Finding[], key: (f: Finding) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[key(finding)] = (counts[key(finding)] ?? 0) + 1;
  return counts;
}

function backendsPerListener(inventory: Inventory): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const lb of inventory.loadBalancers) {
    for (const listener of lb.listeners) counts[`${lb.id}/${listener.protocol}:${listener.port}`] = listener.backends.length;
  }
  return counts;
}

export interface AuditRun {
  summary: AuditSummary;
  inventory: Inventory;
}

export async function runAudit(options: AuditOptions): Promise<AuditSummary> {
  return (await runAuditDetailed(options)).summary;
}

/** Like runAudit, and also hands back the inventory (the CLI prints listeners and their checks from it). */
export async function runAuditDetailed(options: AuditOptions): Promise<AuditRun> {
  const clock = options.clock ?? systemClock;
  const progress = options.onProgress ?? (() => undefined);
  const runId = randomUUID();
  const startedAt = clock.now();
  const { regionId, all, ...filter } = options.scope;

  // Parse notification config first: a malformed target list must be reported before any work is done.
  const parsedTargets = options.notify?.targetsJson ? parseTargets(options.notify.targetsJson, options.notify.targetsSource) : null;
  for (const problem of parsedTargets?.errors ?? []) progress(`notify: ${problem}`);

  const clients = createCloudClients({
    regionId,
    credentials: options.credentials,
    endpoints: options.endpoints,
    ...(options.env ? { env: options.env } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  progress(`inventory of ${regionId}…`);
  const inventory = await collectInventory(clients, { regionId, filter });
  if (filter.loadBalancerIds?.length && inventory.loadBalancers.length === 0) {
    const reasons = [...new Set(inventory.errors.map((e) => e.message.replace(/[.;\s]+$/, '')))].join('; ');
    throw new UserFacingError(reasons || `no load balancer ${filter.loadBalancerIds.join(', ')} in region ${regionId}; check the id and the region`, 'LB_NOT_FOUND');
  }
  const jobs = jobsFromInventory(inventory, { all: all ?? false });
  progress(`${inventory.loadBalancers.length} load balancer(s), ${jobs.length} backend(s) to probe`);

  const probeDeadline = options.deadlineAt === null ? null : options.deadlineAt - notificationReserveMs(options.deadlineAt - startedAt);
  const executor = options.executor ?? inProcessExecutor({});
  const evidence = jobs.length > 0 ? await executor(jobs, { deadlineAt: probeDeadline }) : [];
  const coverage = computeCoverage(inventory, jobs, evidence);
  progress(`probed ${evidence.length}/${jobs.length} backend(s); diagnosing`);

  let findings = await diagnose({ inventory, evidence, recheck: (loadBalancerId) => readHealthStatus(clients, regionId, loadBalancerId) });

  let onHost: OnHostReport | null = null;
  if (options.onHost) {
    // The host phase ends where probing had to end: the notification reserve stays untouched.
    const hostDeadline = probeDeadline ?? clock.now() + ON_HOST_DEFAULT_BUDGET_MS;
    const confirmed = await confirmOnHosts({ clients, inventory, findings, deadlineAt: hostDeadline, clock, onProgress: progress });
    findings = confirmed.findings;
    onHost = confirmed.report;
  }

  let notify: NotifyReport | null = null;
  if (options.notify && parsedTargets && parsedTargets.targets.length > 0) {
    const store = openStateStore(options.notify.stateUrl ?? 'memory:', {
      credentials: await clients.credentials.current(),
      ossEndpoint: options.endpoints.oss ?? null,
      ossRegion: regionId,
    });
    progress(`notifying ${parsedTargets.targets.length} target(s)`);
    notify = await notifyRun({
      findings,
      regionId,
      runId,
      covered: { loadBalancerIds: coverage.covered, uncovered: coverage.uncovered },
      backendsPerListener: backendsPerListener(inventory),
      targets: parsedTargets.targets,
      store,
      clock,
      options: options.notify.options ?? {},
      deadlineAt: options.deadlineAt,
    });
  }

  const summary: AuditSummary = {
    runId,
    regionId,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(clock.now()).toISOString(),
    covered: coverage.covered,
    uncovered: coverage.uncovered,
    findings,
    countsByCode: countBy(findings, (f) => f.code),
    countsBySeverity: countBy(findings, (f) => f.severity),
    apiCalls: inventory.apiCalls,
    probesSent: evidence.reduce((n, e) => n + (e.error ? 0 : 1 + e.variants.length), 0),
    notify,
    ...(onHost ? { onHost } : {}),
  };
  return { summary, inventory };
}
