// One audit run in two steps, so that the caller can show the report before anything is sent:
//   runAudit: inventory → probe jobs → executor (in-process or VPC fan-out) → diagnosis, returning the findings and
//             what the delivery needs (the parsed targets, the opened state store, the coverage);
//   deliverAuditNotices: the notification of that run (lib/notify), interruptible through an AbortSignal.
// Deadline-aware: probing stops early enough that the delivery always finishes, and the summary says exactly which
// load balancers were covered. Configuration problems (malformed targets, a bad state URL, missing credentials) are
// thrown before any cloud call, so that a bad config never costs an audit.
import { randomUUID } from 'node:crypto';
import { createCloudClients, type CloudClients } from '../cloud';
import { diagnose, jobsFromInventory } from '../diagnose';
import { inProcessExecutor } from '../fanout/in-process';
import { collectInventory, readHealthStatus } from '../inventory';
import type { DataPlaneEvidence, Finding, Inventory, LoadBalancer, ProbeExecutor, ProbeJob } from '../model';
import { notifyRun, parseTargets, type NotifyOptions, type NotifyReport, type NotifyTarget } from '../notify';
import { openNotifyStateStore, type NotifyStateStore } from '../notify/state';
import { systemClock, type Clock } from '../util/clock';
import { reserveMs } from '../util/deadline';
import { ON_HOST_DEFAULT_BUDGET_MS, confirmOnHosts, type OnHostReport } from '../onhost';
import { UserFacingError } from '../util/errors';
import { computeCoverage, examinedScopeOf, type Coverage, type ExaminedScope } from './coverage';
import type { AuditOptions, AuditScope, AuditSummary } from './types';

/** Time kept back from probing for diagnosis and notification when the run has a deadline. */
export function notificationReserveMs(budgetMs: number): number {
  return reserveMs(budgetMs, 0.25);
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

/** What deliverAuditNotices needs, prepared (and validated) by runAudit before any work. */
export interface PreparedDelivery {
  targets: NotifyTarget[];
  store: NotifyStateStore;
  options: Partial<NotifyOptions>;
  deadlineAt: number | null;
  clock: Clock;
}

export interface AuditRun {
  /** `notify` is null here: the delivery is a separate step (deliverAuditNotices). */
  summary: AuditSummary;
  /** What was asked for (region, filter, --all): with the coverage, it bounds what the delivery may conclude. */
  scope: AuditScope;
  inventory: Inventory;
  jobs: ProbeJob[];
  evidence: DataPlaneEvidence[];
  coverage: Coverage;
  /** What the delivery may draw conclusions from (examinedScopeOf), and each listener's backend count (inhibition). */
  examined: ExaminedScope;
  backendsPerListener: Record<string, number>;
  /** Null when notifications are off (no targets configured). */
  delivery: PreparedDelivery | null;
}

/** What deliverAuditNotices reads of a run: neither the inventory nor the evidence, which a caller may let go first. */
export type DeliverableRun = Pick<AuditRun, 'summary' | 'examined' | 'backendsPerListener' | 'delivery'>;

/**
 * The targets of a notify config, and warnings about usable ones; any malformed entry is a configuration error,
 * thrown with every problem listed (the caller exits before any work).
 */
export function parseNotifyConfig(notify: AuditOptions['notify']): { targets: NotifyTarget[]; warnings: string[] } {
  if (!notify?.targetsJson) return { targets: [], warnings: [] };
  const parsed = parseTargets(notify.targetsJson, notify.targetsSource);
  if (parsed.errors.length > 0) throw new UserFacingError(`invalid notification config: ${parsed.errors.join('; ')}`, 'CONFIG_INVALID');
  return { targets: parsed.targets, warnings: parsed.warnings };
}

async function prepareDelivery(options: AuditOptions, targets: NotifyTarget[], clients: CloudClients, clock: Clock): Promise<PreparedDelivery | null> {
  if (!options.notify || targets.length === 0) return null;
  const stateUrl = options.notify.stateUrl ?? 'memory:';
  // OSS state needs the keys now; other stores never ask, so the default credentials chain is not consulted for them.
  const credentials = stateUrl.trim().startsWith('oss://') ? await clients.credentials.current() : null;
  const store = openNotifyStateStore(stateUrl, { credentials, ossEndpoint: options.endpoints.oss ?? null, ossRegion: clients.regionId, clock });
  return { targets, store, options: options.notify.options ?? {}, deadlineAt: options.deadlineAt, clock };
}

interface InventoryAndProbesOptions {
  regionId: string;
  filter: Omit<AuditScope, 'regionId' | 'all'>;
  all: boolean;
  deadlineAt: number | null;
  progress: (line: string) => void;
}

/** The inventory without the ECS facts, as one load balancer: enough to build its probe jobs. */
function inventoryOfOne(regionId: string, loadBalancer: LoadBalancer): Inventory {
  return { regionId, loadBalancers: [loadBalancer], errors: [], instances: {}, securityGroupRules: {}, apiCalls: {} };
}

/**
 * The inventory, and the evidence of every job it calls for. With an executor that takes jobs while it runs, each
 * load balancer's jobs start as soon as its listeners and SLB verdicts are in, while the rest of the region is still
 * being read; its weights (attribute and group calls) and the ECS facts (a stopped instance, a security group that
 * drops the check) come later, so a backend they explain may have been probed meanwhile: its evidence is dropped,
 * and the jobs, the coverage and the diagnosis are exactly those of the complete inventory.
 */
async function inventoryAndProbes(
  clients: CloudClients,
  executor: ProbeExecutor,
  options: InventoryAndProbesOptions,
): Promise<{ inventory: Inventory; jobs: ProbeJob[]; evidence: DataPlaneEvidence[] }> {
  const { regionId, filter, progress } = options;
  const session = executor.open?.({ deadlineAt: options.deadlineAt }) ?? null;
  const submitted = new Set<string>();
  // Set when the inventory failed: load balancers still arriving from calls in flight start nothing more.
  let abandoned = false;
  const submit = (jobs: ProbeJob[]): void => {
    if (abandoned) return;
    const fresh = jobs.filter((job) => !submitted.has(job.id));
    for (const job of fresh) submitted.add(job.id);
    if (fresh.length > 0) session?.submit(fresh);
  };
  const submitJobsOf = (lb: LoadBalancer): void => submit(jobsFromInventory(inventoryOfOne(regionId, lb), { all: options.all }));
  let inventory: Inventory;
  try {
    inventory = await collectInventory(clients, {
      regionId,
      filter,
      // Jobs go out as soon as a load balancer's listeners and verdicts are in; the complete model adds any backend
      // SLB listed without an IP or a verdict.
      ...(session ? { onVerdicts: submitJobsOf, onLoadBalancer: submitJobsOf } : {}),
    });
  } catch (err) {
    // Whatever was started still ends (each job is bounded), and nothing of it is reported.
    abandoned = true;
    await session?.finish();
    throw err;
  }
  const jobs = jobsFromInventory(inventory, { all: options.all });
  if (filter.loadBalancerIds?.length && inventory.loadBalancers.length === 0) {
    abandoned = true;
    await session?.finish();
    const reasons = [...new Set(inventory.errors.map((e) => e.message.replace(/[.;\s]+$/, '')))].join('; ');
    throw new UserFacingError(reasons || `no load balancer ${filter.loadBalancerIds.join(', ')} in region ${regionId}; check the id and the region`, 'LB_NOT_FOUND');
  }
  progress(`${inventory.loadBalancers.length} load balancer(s), ${jobs.length} backend(s) to probe`);
  if (!session) return { inventory, jobs, evidence: jobs.length > 0 ? await executor(jobs, { deadlineAt: options.deadlineAt }) : [] };
  submit(jobs);
  const wanted = new Set(jobs.map((job) => job.id));
  const evidence = (await session.finish()).filter((e) => wanted.has(e.jobId));
  return { inventory, jobs, evidence };
}

/** Inventory → probe → diagnose. Notifies nobody: pass the result to deliverAuditNotices for that. */
export async function runAudit(options: AuditOptions): Promise<AuditRun> {
  const clock = options.clock ?? systemClock;
  const progress = options.onProgress ?? (() => undefined);
  const runId = randomUUID();
  const startedAt = clock.now();
  const { regionId, all, ...filter } = options.scope;

  // A malformed target list must be refused before any work is done.
  const { targets, warnings } = parseNotifyConfig(options.notify);
  for (const warning of warnings) progress(`notify: ${warning}`);
  const clients = createCloudClients({
    regionId,
    credentials: options.credentials,
    endpoints: options.endpoints,
    ...(options.environmentCredentials ? { environmentCredentials: options.environmentCredentials } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const delivery = await prepareDelivery(options, targets, clients, clock);

  const probeDeadline = options.deadlineAt === null ? null : options.deadlineAt - notificationReserveMs(options.deadlineAt - startedAt);
  const executor = options.executor ?? inProcessExecutor({});
  progress(`inventory of ${regionId}…`);
  const { inventory, jobs, evidence } = await inventoryAndProbes(clients, executor, { regionId, filter, all: all ?? false, deadlineAt: probeDeadline, progress });
  // The notification state is read while the diagnosis runs and its re-checks are on the wire.
  delivery?.store.readAhead?.();
  const coverage = computeCoverage(inventory, jobs, evidence);
  progress(`probed ${evidence.length}/${jobs.length} backend(s); diagnosing`);

  let findings = await diagnose({ inventory, jobs, evidence, recheck: (loadBalancerId) => readHealthStatus(clients, regionId, loadBalancerId) });

  let onHost: OnHostReport | null = null;
  if (options.onHost) {
    // The host phase ends where probing had to end: the notification reserve stays untouched.
    const hostDeadline = probeDeadline ?? clock.now() + ON_HOST_DEFAULT_BUDGET_MS;
    const confirmed = await confirmOnHosts({ clients, inventory, findings, deadlineAt: hostDeadline, clock, onProgress: progress });
    findings = confirmed.findings;
    onHost = confirmed.report;
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
    notify: null,
    ...(onHost ? { onHost } : {}),
  };
  const examined = examinedScopeOf({ inventory, jobs, evidence, filter: options.scope });
  return { summary, scope: options.scope, inventory, jobs, evidence, coverage, examined, backendsPerListener: backendsPerListener(inventory), delivery };
}

export interface DeliveryControl {
  /** Aborted on SIGINT/SIGTERM (the CLI): the delivery stops sending, releases its claims and reports promptly. */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/** The run's notices to its targets; null when notifications are off. */
export async function deliverAuditNotices(run: DeliverableRun, control: DeliveryControl = {}): Promise<NotifyReport | null> {
  const { delivery, summary } = run;
  if (!delivery) return null;
  control.onProgress?.(`notifying ${delivery.targets.length} target(s)`);
  return notifyRun({
    findings: summary.findings,
    regionId: summary.regionId,
    runId: summary.runId,
    examined: run.examined,
    backendsPerListener: run.backendsPerListener,
    targets: delivery.targets,
    store: delivery.store,
    clock: delivery.clock,
    options: delivery.options,
    deadlineAt: delivery.deadlineAt,
    ...(control.signal ? { signal: control.signal } : {}),
  });
}
