// One audit run in two steps, so that the caller can show the report before anything is sent:
//   runAudit: inventory → probe jobs → executor (in-process or VPC fan-out) → diagnosis, returning the findings and
//             what the delivery needs (the parsed targets, the opened state store, the coverage), with the whole
//             inventory, jobs and evidence; runAuditForDelivery (the FC audit function) keeps only what the delivery
//             reads, letting each load balancer go once it is diagnosed;
//   deliverAuditNotices: the notification of that run (lib/notify), interruptible through an AbortSignal.
// Deadline-aware: probing stops early enough that the delivery always finishes, and the summary says exactly which
// load balancers were covered. Configuration problems (malformed targets, a bad state URL, missing credentials) are
// thrown before any cloud call, so that a bad config never costs an audit.
import { randomUUID } from 'node:crypto';
import { callsSince, createCloudClients, type CloudClients } from '../cloud';
import { inventoryErrorFindings, jobsFromInventory, loadBalancerDiagnosis, mostSevereFirst } from '../diagnose';
import { inProcessExecutor } from '../fanout/in-process';
import { collectInventory, DEFAULT_INVENTORY_CONCURRENCY, priorityGate, recheckThrough, type CollectedInventory } from '../inventory';
import { noticeOf, type DataPlaneEvidence, type Finding, type Inventory, type LoadBalancer, type NoticeFinding, type ProbeExecutor, type ProbeJob } from '../model';
import { notifyRun, parseTargets, type NotifyOptions, type NotifyReport, type NotifyTarget } from '../notify';
import { openNotifyStateStore, type NotifyStateStore } from '../notify/state';
import { systemClock, type Clock } from '../util/clock';
import { reserveMs } from '../util/deadline';
import { ON_HOST_DEFAULT_BUDGET_MS, confirmOnHosts, type OnHostReport } from '../onhost';
import { UserFacingError } from '../util/errors';
import { coverageOf, examinedScopeFrom, type Coverage, type ExaminedScope } from './coverage';
import { PerLoadBalancer, type LoadBalancerOutcome } from './per-load-balancer';
import type { AuditOptions, AuditScope, AuditSummary } from './types';

/** Time kept back from probing for diagnosis and notification when the run has a deadline. */
export function notificationReserveMs(budgetMs: number): number {
  return reserveMs(budgetMs, 0.25);
}

function countBy(findings: readonly NoticeFinding[], key: (f: NoticeFinding) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[key(finding)] = (counts[key(finding)] ?? 0) + 1;
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
export type DeliverableRun = Pick<AuditRun, 'examined' | 'backendsPerListener' | 'delivery'> & { summary: AuditSummary<NoticeFinding> };

/** How a run keeps its findings, and whether it keeps everything else for its caller. */
interface FindingForm<F extends NoticeFinding> {
  /** Keep the whole inventory, the jobs and the evidence (the CLI prints them; the host phase reads them). */
  retain: boolean;
  keep: (finding: Finding) => F;
  /** The host phase, which reads the findings' probes; null in a form that lets them go. */
  confirmOnHosts: ((input: Omit<Parameters<typeof confirmOnHosts>[0], 'findings'> & { findings: F[] }) => Promise<{ findings: F[]; report: OnHostReport }>) | null;
}

const WHOLE: FindingForm<Finding> = { retain: true, keep: (finding) => finding, confirmOnHosts };
const FOR_NOTICES: FindingForm<NoticeFinding> = { retain: false, keep: noticeOf, confirmOnHosts: null };

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

interface RegionAuditOptions<F extends NoticeFinding> {
  regionId: string;
  filter: Omit<AuditScope, 'regionId' | 'all'>;
  all: boolean;
  deadlineAt: number | null;
  progress: (line: string) => void;
  /** Keep the whole inventory, the jobs and the evidence for the caller; otherwise each load balancer goes once diagnosed. */
  retain: boolean;
  keep: (finding: Finding) => F;
  /** Called once probing has ended, before the last diagnoses (the state's read-ahead). */
  onProbingEnd: () => void;
}

/** What a region's audit keeps: per load balancer in listing order, its outcome; and, when asked, everything. */
interface RegionAudit<F extends NoticeFinding> {
  /** The inventory's errors, its ECS facts and the load balancers it kept (all of them when retained). */
  inventory: Inventory;
  loadBalancerIds: string[];
  outcomes: ReadonlyMap<string, LoadBalancerOutcome<F>>;
  retained: { jobs: ProbeJob[]; evidence: DataPlaneEvidence[] } | null;
}

/** The inventory without the ECS facts, as one load balancer: enough to build its probe jobs. */
function inventoryOfOne(regionId: string, loadBalancer: LoadBalancer): Inventory {
  return { regionId, loadBalancers: [loadBalancer], errors: [], instances: {}, securityGroupRules: {}, apiCalls: {} };
}

/**
 * The inventory, the evidence of every job it calls for, and the diagnosis, per load balancer. With an executor that
 * takes jobs while it runs, each load balancer's jobs start as soon as its listeners and SLB verdicts are in, while
 * the rest of the region is still being read; its weights (attribute and group calls) and the ECS facts (a stopped
 * instance, a security group that drops the check) come later, so a backend they explain may have been probed
 * meanwhile: its evidence is dropped, and the jobs, the coverage and the diagnosis are exactly those of the complete
 * inventory. Once a load balancer's facts are complete and its jobs' evidence is in, it is diagnosed and let go
 * (./per-load-balancer.ts).
 */
async function auditRegion<F extends NoticeFinding>(clients: CloudClients, executor: ProbeExecutor, options: RegionAuditOptions<F>): Promise<RegionAudit<F>> {
  const { regionId, filter, progress } = options;
  // Set when the inventory failed: load balancers still arriving from calls in flight start nothing more.
  let abandoned = false;
  // SLB's re-checks run while the inventory is still being read, so they take its call slots, after the verdicts.
  const slots = priorityGate(DEFAULT_INVENTORY_CONCURRENCY);
  const diagnoseOne = loadBalancerDiagnosis({ recheck: recheckThrough(slots, clients, regionId) });
  const session = executor.open?.({ deadlineAt: options.deadlineAt, onEvidence: (evidence) => perLoadBalancer.evidence(evidence) }) ?? null;
  const perLoadBalancer = new PerLoadBalancer({
    submit: session && ((jobs) => (abandoned ? undefined : session.submit(jobs))),
    all: options.all,
    diagnose: diagnoseOne,
    retain: options.retain,
    keep: options.keep,
  });
  const submitJobsOf = (lb: LoadBalancer): void => perLoadBalancer.submit(lb.id, jobsFromInventory(inventoryOfOne(regionId, lb), { all: options.all }));
  const settling = new Set<Promise<void>>();
  let inventory: CollectedInventory;
  try {
    inventory = await collectInventory(clients, {
      regionId,
      filter,
      slots,
      // Jobs go out as soon as a load balancer's listeners and verdicts are in; the complete model adds any backend
      // SLB listed without an IP or a verdict.
      ...(session ? { onVerdicts: submitJobsOf, onLoadBalancer: submitJobsOf } : {}),
      onComplete: (lb, facts, factsRead) => {
        // Most load balancers: every backend reported normal, nothing to probe, nothing ECS could add.
        if (!perLoadBalancer.needsEcsFacts(lb)) {
          perLoadBalancer.settle(lb, facts);
          return;
        }
        const settled = factsRead.then(
          () => (abandoned ? undefined : perLoadBalancer.settle(lb, facts)),
          // The inventory fails with it.
          () => undefined,
        );
        settling.add(settled);
        void settled.then(() => settling.delete(settled));
      },
    });
    await Promise.all(settling);
  } catch (err) {
    // Whatever was started still ends (each job is bounded), and nothing of it is reported.
    abandoned = true;
    await session?.finish();
    throw err;
  }
  if (filter.loadBalancerIds?.length && inventory.loadBalancerIds.length === 0) {
    abandoned = true;
    await session?.finish();
    const reasons = [...new Set(inventory.errors.map((e) => e.message.replace(/[.;\s]+$/, '')))].join('; ');
    throw new UserFacingError(reasons || `no load balancer ${filter.loadBalancerIds.join(', ')} in region ${regionId}; check the id and the region`, 'LB_NOT_FOUND');
  }
  // The ones the inventory kept (backends whose IP only ECS knew, entries it reports unreadable) have every fact now.
  for (const lb of inventory.loadBalancers) perLoadBalancer.settle(lb, inventory);
  progress(`${inventory.loadBalancerIds.length} load balancer(s), ${perLoadBalancer.jobCount} backend(s) to probe`);
  if (session) {
    // An executor that does not hand evidence over as it comes returns it all here.
    for (const evidence of await session.finish()) perLoadBalancer.evidence(evidence);
  } else if (perLoadBalancer.pendingJobs.length > 0) {
    for (const evidence of await executor(perLoadBalancer.pendingJobs, { deadlineAt: options.deadlineAt })) perLoadBalancer.evidence(evidence);
  }
  options.onProbingEnd();
  perLoadBalancer.endProbing();
  progress(`probed ${perLoadBalancer.probedCount}/${perLoadBalancer.jobCount} backend(s); diagnosing`);
  const outcomes = await perLoadBalancer.outcomes();
  const { retained } = perLoadBalancer;
  if (!retained) return { inventory, loadBalancerIds: inventory.loadBalancerIds, outcomes, retained: null };
  // Every load balancer in scope was settled, so diagnosed and retained.
  const loadBalancers = inventory.loadBalancerIds.flatMap((id) => retained.loadBalancers.get(id) ?? []);
  const whole: Inventory = { ...inventory, loadBalancers };
  return {
    inventory: whole,
    loadBalancerIds: inventory.loadBalancerIds,
    outcomes,
    retained: { jobs: jobsFromInventory(whole, { all: options.all }), evidence: retained.evidence },
  };
}

/** A run's result before the delivery: `retained` is null unless the caller asked for the inventory, jobs and evidence. */
interface CompletedAudit<F extends NoticeFinding> extends Omit<DeliverableRun, 'summary'> {
  summary: AuditSummary<F>;
  scope: AuditScope;
  coverage: Coverage;
  retained: Pick<AuditRun, 'inventory' | 'jobs' | 'evidence'> | null;
}

async function completeAudit<F extends NoticeFinding>(options: AuditOptions, form: FindingForm<F>): Promise<CompletedAudit<F>> {
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
  const callsBefore = clients.counters.calls();
  const audited = await auditRegion(clients, executor, {
    regionId,
    filter,
    all: all ?? false,
    deadlineAt: probeDeadline,
    progress,
    retain: form.retain,
    keep: form.keep,
    // The notification state is read while the last diagnoses run and their re-checks are on the wire.
    onProbingEnd: () => delivery?.store.readAhead?.(),
  });
  // The run's calls, the diagnosis's re-checks included (they overlap the inventory).
  const apiCalls = callsSince(clients.counters, callsBefore);
  const { inventory, loadBalancerIds, outcomes } = audited;
  const outcomesInOrder = loadBalancerIds.flatMap((id) => outcomes.get(id) ?? []);
  let findings = inventoryErrorFindings(inventory).map(form.keep);
  for (const outcome of outcomesInOrder) findings.push(...outcome.findings);
  findings = mostSevereFirst(findings);
  const coverage = coverageOf(inventory.errors, loadBalancerIds.map((id) => ({ loadBalancerId: id, missing: outcomes.get(id)?.missing ?? 0 })));

  let onHost: OnHostReport | null = null;
  if (options.onHost && form.confirmOnHosts) {
    // The host phase ends where probing had to end: the notification reserve stays untouched.
    const hostDeadline = probeDeadline ?? clock.now() + ON_HOST_DEFAULT_BUDGET_MS;
    const confirmed = await form.confirmOnHosts({ clients, inventory, findings, deadlineAt: hostDeadline, clock, onProgress: progress });
    findings = confirmed.findings;
    onHost = confirmed.report;
  }

  const summary: AuditSummary<F> = {
    runId,
    regionId,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(clock.now()).toISOString(),
    covered: coverage.covered,
    uncovered: coverage.uncovered,
    findings,
    countsByCode: countBy(findings, (f) => f.code),
    countsBySeverity: countBy(findings, (f) => f.severity),
    apiCalls,
    probesSent: outcomesInOrder.reduce((n, outcome) => n + outcome.probesSent, 0),
    notify: null,
    ...(onHost ? { onHost } : {}),
  };
  const examined = examinedScopeFrom(coverage, inventory, options.scope);
  const backendsPerListener: Record<string, number> = {};
  for (const outcome of outcomesInOrder) for (const [key, count] of outcome.listenerSizes) backendsPerListener[key] = count;
  const retained = audited.retained ? { inventory, jobs: audited.retained.jobs, evidence: audited.retained.evidence } : null;
  return { summary, scope: options.scope, coverage, examined, backendsPerListener, delivery, retained };
}

/** Inventory → probe → diagnose, keeping the whole inventory, the jobs and the evidence. Notifies nobody: pass the result to deliverAuditNotices for that. */
export async function runAudit(options: AuditOptions): Promise<AuditRun> {
  const { retained, ...run } = await completeAudit(options, WHOLE);
  if (!retained) throw new Error('runAudit: the audit kept no inventory');
  return { ...run, ...retained };
}

/**
 * The same audit, keeping only what the delivery reads (the FC audit function): each load balancer's model, jobs and
 * evidence are let go once it is diagnosed, so that memory follows the load balancers in flight, not the region.
 */
export async function runAuditForDelivery(options: AuditOptions): Promise<DeliverableRun> {
  // The host phase reads the inventory and the findings' probes: with it, the run keeps them.
  const { summary, examined, backendsPerListener, delivery } = options.onHost ? await completeAudit(options, WHOLE) : await completeAudit(options, FOR_NOTICES);
  return { summary, examined, backendsPerListener, delivery };
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
