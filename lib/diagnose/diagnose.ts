// The verdict for a region: control-plane facts first (in a fixed precedence), then the data-plane evidence, with
// SLB's re-check turning "our checks pass" into RECOVERED when SLB now agrees. Pure except for `recheck`.
import type { Backend, DataPlaneEvidence, Finding, FindingCode, FindingSubject, Inventory, InventoryError, LabelledProbe, Listener, LoadBalancer, ProbeJob, ProbeResult, RegionFacts, Severity, SlbHealthStatus } from '../model';
import { SEVERITY_ORDER, listenerBackendKey, targetKey } from '../model';
import { errorMessage } from '../util/errors';
import { backendControlPlaneCause, describeCheck, ecsFactsGap, isEcsAction, listenerControlPlaneCause, type ControlPlaneCause } from './control-plane';
import { replayRequest } from '../probe/evidence';
import { BASE_SEVERITY, GUIDE } from './guide';
import { interpretEvidence, withoutEcsFacts, type DataPlaneVerdict } from './interpret';
import { jobFor } from './jobs';
import { connectTimeoutHostCommands, curlHttpCommand, portClosedHostCommands, reproduceCommands, slowAnswerHostCommands, sourceBlockedHostCommands } from './reproduce';

/** SLB's current statuses for one load balancer, keyed by `listenerBackendKey` (lib/model/keys.ts). */
export type Recheck = (loadBalancerId: string) => Promise<Map<string, SlbHealthStatus>>;

export interface DiagnoseInput {
  inventory: Inventory;
  /** The jobs that were probed (jobsFromInventory's): their evidence is read against the very job that was sent. */
  jobs: ProbeJob[];
  evidence: DataPlaneEvidence[];
  /** SLB's current verdicts for one load balancer; called at most once per load balancer, and bounded by its owner. */
  recheck?: Recheck;
  /** Raise errors to critical when a listener has no healthy backend left (default true; off for a lone synthetic backend). */
  escalateOutages?: boolean;
}

const TIMED_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(['SLOW_RESPONSE', 'RESPONSE_TIMEOUT', 'TIMEOUT_RISK']);

export interface LoadBalancerDiagnosisInput {
  /** The ECS facts and the region's global errors (an ECS call that failed), as far as this load balancer needs them. */
  facts: RegionFacts;
  loadBalancer: LoadBalancer;
  /** Its probed jobs by id, and their evidence by job id. */
  jobsById: ReadonlyMap<string, ProbeJob>;
  evidenceByJob: ReadonlyMap<string, DataPlaneEvidence>;
}

/** One load balancer's findings, in inventory order; `recheck`'s owner bounds the re-checks (the audit: the inventory's call slots). */
export type LoadBalancerDiagnosis = (input: LoadBalancerDiagnosisInput) => Promise<Finding[]>;

/**
 * Diagnoses load balancers one at a time, each once its evidence is in, so that a streaming audit can let each one
 * go; `diagnose` is the same over a whole inventory.
 */
export function loadBalancerDiagnosis(options: Pick<DiagnoseInput, 'recheck' | 'escalateOutages'>): LoadBalancerDiagnosis {
  return async ({ facts, loadBalancer: lb, jobsById, evidenceByJob }) => {
    // The load balancer's re-check starts the moment a verdict asks for it (every probe of it has ended by then), so
    // its round trip overlaps the rest of the diagnosis instead of following it.
    let recheck: Promise<{ statuses: Map<string, SlbHealthStatus> | null; failure: string | null }> | null = null;
    const recheckOf = (loadBalancerId: string) => {
      const read = options.recheck;
      if (!read) return null;
      recheck ??= read(loadBalancerId).then(
        (statuses) => ({ statuses, failure: null }),
        (err: unknown) => ({ statuses: null, failure: errorMessage(err) }),
      );
      return recheck;
    };
    // Verdicts that need SLB's re-check wait for their load balancer's (one DescribeHealthStatus per load balancer).
    type Deferred = { context: BackendContext; verdict: DataPlaneVerdict; evidence: DataPlaneEvidence };
    const entries: Array<Finding | Deferred> = [];
    for (const listener of lb.listeners) {
      const listenerCause = listenerControlPlaneCause(listener);
      if (listenerCause) {
        if (listener.backends.length > 0) entries.push(listenerFinding(facts, lb, listener, listenerCause));
        continue;
      }
      const inRotation = listener.backends.filter((b) => b.weight > 0);
      const noneHealthy = (options.escalateOutages ?? true) && inRotation.length > 0 && inRotation.every((b) => b.slbStatus === 'abnormal');
      for (const backend of listener.backends) {
        // Backends the control plane explains were never probed: their job (the resolved check, for the fix) is built here.
        const target = { loadBalancerId: lb.id, listener: { protocol: listener.protocol, port: listener.port }, backend: { ip: backend.ip, port: backend.port } };
        const probed = jobsById.get(targetKey(target));
        // A backend SLB calls normal that was not probed has nothing to say (no control-plane cause, no evidence):
        // most of a fleet's backends, so their jobs are not built for nothing.
        if (!probed && backend.slbStatus === 'normal') continue;
        const job = probed ?? jobFor(lb, listener, backend, backend.slbStatus === 'normal');
        const context: BackendContext = { inventory: facts, lb, listener, backend, job, noneHealthy };
        const controlCause = backendControlPlaneCause(facts, listener, backend, job);
        if (controlCause) {
          entries.push(backendFinding(context, { ...controlCause, contrast: [] }));
          continue;
        }
        const evidence = evidenceByJob.get(job.id);
        if (!evidence) continue; // not probed (deadline): the caller reports it as not covered
        const verdict = interpretEvidence(job, evidence);
        if (!verdict) continue;
        if (verdict.code === 'SLB_SOURCE_BLOCKED' && options.recheck) {
          void recheckOf(lb.id);
          entries.push({ context, verdict, evidence });
        } else {
          entries.push(backendFinding(context, verdict, evidence));
        }
      }
    }
    const findings: Finding[] = [];
    for (const entry of entries) {
      if (!('context' in entry)) {
        findings.push(entry);
        continue;
      }
      const { context, evidence } = entry;
      let { verdict } = entry;
      const rechecked = await recheckOf(context.lb.id);
      const status = rechecked?.statuses?.get(listenerBackendKey(context.listener, context.backend));
      const extraFacts: string[] = [];
      if (rechecked?.failure) extraFacts.push(`SLB re-check failed: ${rechecked.failure}`);
      else if (status) extraFacts.push(`SLB re-check: ${status}`);
      if (status === 'normal') verdict = recoveredVerdict(verdict);
      findings.push(backendFinding(context, verdict, evidence, extraFacts));
    }
    return findings;
  };
}

/** One finding per inventory error; `loadBalancers` are those of the inventory that an error may name. */
export function inventoryErrorFindings(inventory: Pick<Inventory, 'regionId' | 'errors' | 'loadBalancers'>): Finding[] {
  return inventory.errors.map((error) => inventoryErrorFinding(inventory, error));
}

/** Most severe first; the given order is kept within a severity. */
export function mostSevereFirst<F extends Pick<Finding, 'severity'>>(findings: readonly F[]): F[] {
  return findings.map((finding, index) => ({ finding, index })).sort((a, b) => SEVERITY_ORDER[b.finding.severity] - SEVERITY_ORDER[a.finding.severity] || a.index - b.index).map((x) => x.finding);
}

export async function diagnose(input: DiagnoseInput): Promise<Finding[]> {
  const { inventory } = input;
  const evidenceByJob = new Map(input.evidence.map((e) => [e.jobId, e]));
  const jobsById = new Map(input.jobs.map((job) => [job.id, job]));
  const diagnoseOne = loadBalancerDiagnosis(input);
  // Every load balancer's pass (and its re-check) starts at once; the findings keep the inventory order.
  const perLoadBalancer = inventory.loadBalancers.map((loadBalancer) => diagnoseOne({ facts: inventory, loadBalancer, jobsById, evidenceByJob }));
  const findings = inventoryErrorFindings(inventory);
  for (const found of await Promise.all(perLoadBalancer)) findings.push(...found);
  return mostSevereFirst(findings);
}

function recoveredVerdict(previous: DataPlaneVerdict): DataPlaneVerdict {
  return {
    code: 'RECOVERED',
    cause: 'SLB reported abnormal, every check from the VPC passes, and SLB\'s re-check now reports normal: the backend has recovered.',
    evidenceLine: `${previous.evidenceLine}; SLB re-check: normal`,
    remedy: 'Nothing to do now. If it recurs, compare the failure time with deploys, restarts and load peaks (audit with --all to watch the check latency).',
    guideStep: GUIDE.timeWindows,
    contrast: [],
  };
}

interface BackendContext {
  inventory: RegionFacts;
  lb: LoadBalancer;
  listener: Listener;
  backend: Backend;
  job: ProbeJob;
  noneHealthy: boolean;
}

function subjectOf(inventory: RegionFacts, lb: LoadBalancer, listener: Listener | null, backend: Backend | null): FindingSubject {
  return {
    regionId: inventory.regionId,
    loadBalancerId: lb.id,
    loadBalancerName: lb.name,
    vpcId: lb.vpcId,
    tags: lb.tags,
    listener: listener ? { port: listener.port, protocol: listener.protocol } : null,
    backend: backend ? { serverId: backend.serverId, ip: backend.ip, port: backend.port, checkPort: backend.checkPort } : null,
  };
}

function severityFor(code: FindingCode, explicit: Severity | undefined, context: BackendContext, facts: string[]): Severity {
  const base = explicit ?? BASE_SEVERITY[code];
  if (base !== 'error') return base;
  if (context.backend.slbStatus === 'normal') {
    facts.push('SLB still reports this backend normal');
    return 'warning';
  }
  if (context.noneHealthy && context.backend.slbStatus === 'abnormal') {
    facts.push(`no healthy backend left on ${context.listener.protocol}:${context.listener.port}`);
    return 'critical';
  }
  return base;
}

function hostCommandsFor(code: FindingCode, job: ProbeJob): string[] {
  const protocol = job.checkType === 'udp' ? 'udp' : 'tcp';
  switch (code) {
    case 'SLB_SOURCE_BLOCKED':
      return sourceBlockedHostCommands(job.checkPort, protocol);
    case 'PORT_CLOSED':
    case 'UDP_PORT_UNREACHABLE':
      return portClosedHostCommands(job.checkPort, protocol);
    case 'PROTOCOL_ERROR':
    case 'CONNECTION_RESET':
      return [`ss -ltnp 'sport = :${job.checkPort}'`];
    case 'CONNECT_TIMEOUT':
      return connectTimeoutHostCommands(job.checkPort);
    case 'RESPONSE_TIMEOUT':
    case 'SLOW_RESPONSE':
    case 'TIMEOUT_RISK':
      return slowAnswerHostCommands(job.checkPort);
    default:
      return [];
  }
}

function reproduceFor(code: FindingCode, job: ProbeJob, contrast: ProbeResult[]): string[] {
  const lines = reproduceCommands(replayRequest(job), { timed: TIMED_CODES.has(code) });
  for (const probe of contrast) lines.push(...(probe.request.kind === 'http' ? [curlHttpCommand(probe.request)] : reproduceCommands(probe.request)));
  return [...new Set(lines)];
}

function backendFinding(
  context: BackendContext,
  decided: DataPlaneVerdict | (ControlPlaneCause & { contrast: ProbeResult[] }),
  evidence?: DataPlaneEvidence,
  extraFacts: string[] = [],
): Finding {
  const { inventory, lb, listener, backend, job } = context;
  // Without ECS facts a stopped instance or a security-group drop could not be ruled out: the verdict says so.
  const gap = ecsFactsGap(inventory, backend);
  const verdict = withoutEcsFacts(decided, gap);
  const missing = gap ? `ECS facts unavailable: ${gap.reason}` : null;
  // Only a verdict the missing facts changed (withoutEcsFacts returns the others as they were) could have another code.
  const withoutFacts = verdict === decided ? null : missing;
  const instance = inventory.instances[backend.serverId];
  const baseFacts = 'facts' in verdict ? verdict.facts : [];
  const facts = [
    ...new Set([
      ...baseFacts,
      describeCheck(listener),
      `SLB status ${backend.slbStatusReported ?? backend.slbStatus}`,
      `weight ${backend.weight}`,
      ...(instance ? [`instance ${instance.instanceId} ${instance.status}`] : []),
      ...(missing ? [missing] : []),
      // How SLB spelled this listener's settings when we did not know the spelling: the probe used the default.
      ...(listener.warnings ?? []),
      ...extraFacts,
    ]),
  ];
  const severity = severityFor(verdict.code, 'severity' in verdict ? verdict.severity : undefined, context, facts);
  const labelled: LabelledProbe[] = evidence ? [{ label: 'replay', result: evidence.replay }, ...evidence.variants] : [];
  return {
    code: verdict.code,
    severity,
    subject: subjectOf(inventory, lb, listener, backend),
    slbStatus: backend.slbStatus,
    cause: verdict.cause,
    evidenceLine: verdict.evidenceLine,
    evidence: labelled,
    facts,
    remedy: verdict.remedy,
    guideStep: verdict.guideStep,
    reproduce: reproduceFor(verdict.code, job, verdict.contrast),
    hostCommands: hostCommandsFor(verdict.code, job),
    ...(withoutFacts ? { withoutFacts } : {}),
  };
}

function listenerFinding(inventory: RegionFacts, lb: LoadBalancer, listener: Listener, cause: ControlPlaneCause): Finding {
  return {
    code: cause.code,
    severity: cause.severity ?? BASE_SEVERITY[cause.code],
    subject: subjectOf(inventory, lb, listener, null),
    slbStatus: null,
    cause: cause.cause,
    evidenceLine: cause.evidenceLine,
    evidence: [],
    facts: [...cause.facts, describeCheck(listener), `${listener.backends.length} backends`],
    remedy: cause.remedy,
    guideStep: cause.guideStep,
    reproduce: [],
    hostCommands: [],
  };
}

function inventoryErrorFinding(inventory: Pick<Inventory, 'regionId' | 'loadBalancers'>, error: InventoryError): Finding {
  const lb = inventory.loadBalancers.find((l) => l.id === error.loadBalancerId);
  const denied = /Forbidden|NoPermission|Unauthorized|AccessDenied/i.test(error.code);
  const throttled = /Throttling/i.test(error.code);
  const ecs = isEcsAction(error.action);
  const remedy = denied
    ? `Grant the RAM identity permission for ${error.action} (e.g. the ${ecs ? 'AliyunECSReadOnlyAccess' : 'AliyunSLBReadOnlyAccess'} policy), then run again.`
    : throttled
      ? 'The API kept throttling after retries: run again later, or lower the inventory concurrency.'
      : 'Run again; if it persists, check the endpoint, the region and the credentials.';
  return {
    code: 'INVENTORY_ERROR',
    severity: BASE_SEVERITY.INVENTORY_ERROR,
    subject: {
      regionId: inventory.regionId,
      loadBalancerId: error.loadBalancerId ?? '',
      loadBalancerName: lb?.name ?? '',
      vpcId: lb?.vpcId ?? null,
      tags: lb?.tags ?? {},
      listener: null,
      backend: null,
    },
    slbStatus: null,
    // An ECS call failing does not stop the probes: the backends were examined, only without ECS facts.
    cause: ecs
      ? `${error.action} failed: ${error.code} ${error.message}; the backends were still probed, but findings that need ECS facts (instance status, security-group rules) say "ECS facts unavailable".`
      : `${error.action} failed${error.loadBalancerId ? ` for ${error.loadBalancerId}` : ''}: ${error.code} ${error.message}; its backends were not examined.`,
    evidenceLine: `${error.action} → ${error.code}`,
    evidence: [],
    facts: [`${error.action} ${error.code}: ${error.message}`],
    remedy,
    guideStep: GUIDE.api,
    reproduce: [],
    hostCommands: [],
  };
}
