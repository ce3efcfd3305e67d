// The fastest any audit of a scenario can be, and the fewest API calls its data needs (docs/performance.md explains
// the model). Two critical paths bound a fleet audit:
//   API   — the calls the inventory needs, per action, under the per-action quotas, the per-call latency and the
//           client's concurrency, along the dependency chain LB ids → listeners/attribute/health → groups → ECS.
//   probe — per unhealthy backend, the sequence of probes the diagnosis makes for its fault (the product's own
//           collectEvidence run against a model of the fault with a virtual clock: a hang costs the replay's timeout,
//           the GET variant's and the extended wait), spread over the configured job concurrency.
import { collectEvidence } from '../lib/probe/evidence';
import { plantedTarget } from './accuracy';
import { interpretEvidence } from '../lib/diagnose/interpret';
import { jobFor } from '../lib/diagnose/jobs';
import { checkHostFor, normalizeHealthCheck } from '../lib/inventory/health-check';
import type { Backend, FindingCode, HttpCodeClass, Listener, LoadBalancer, ProbeJob, ProbeOutcome, ProbeRequest, ProbeResult } from '../lib/model';
import { ProbeScheduler } from '../lib/probe/scheduler';
import type { Clock } from '../lib/util/clock';
import type { BehaviourName, BehaviourOptions, Scenario, ScenarioEndpoint, ScenarioListener, ScenarioLoadBalancer } from '../lib/sandbox/scenario/types';

/** The service's batch sizes the minimum is computed with (DescribeLoadBalancers pages, listeners per call, ECS ids per call). */
export const LOAD_BALANCERS_PER_PAGE = 100;
export const LOAD_BALANCERS_PER_LISTENER_CALL = 10;
export const LISTENERS_PER_PAGE = 100;
export const INSTANCES_PER_CALL = 100;
const DEFAULT_QUOTA = { calls: 3000, perSeconds: 60 };
/** A probe that is answered at once (loopback round trip). */
export const FAST_PROBE_MS = 1;
/** Codes the control plane explains: no probe is sent for them. */
const CONTROL_PLANE_CODES: ReadonlySet<string> = new Set(['INSTANCE_NOT_RUNNING', 'WEIGHT_ZERO', 'HEALTH_CHECK_DISABLED', 'LISTENER_STOPPED', 'CHECK_PENDING', 'SECURITY_GROUP_BLOCKS']);

// ---------------------------------------------------------------------------------------------------------------
// API

function groupOf(listener: ScenarioListener): 'default' | 'vserver' | 'master-slave' {
  if (listener.VServerGroupId !== undefined) return 'vserver';
  if (listener.MasterSlaveServerGroupId !== undefined) return 'master-slave';
  return 'default';
}

function serverIdsOf(lb: ScenarioLoadBalancer, listener: ScenarioListener): string[] {
  if (listener.VServerGroupId !== undefined) return (lb.VServerGroups ?? []).find((g) => g.VServerGroupId === listener.VServerGroupId)?.BackendServers.map((s) => s.ServerId) ?? [];
  if (listener.MasterSlaveServerGroupId !== undefined) {
    return (lb.MasterSlaveServerGroups ?? []).find((g) => g.MasterSlaveServerGroupId === listener.MasterSlaveServerGroupId)?.BackendServers.map((s) => s.ServerId) ?? [];
  }
  return (lb.BackendServers ?? []).map((s) => s.ServerId);
}

/**
 * The fewest calls per "product:Action" that read the whole scenario: LB pages of 100; listeners for 10 LBs per call
 * (100 per page) with their health-check config, so no per-listener attribute call; per LB one DescribeHealthStatus
 * and, when a listener uses the default group, one DescribeLoadBalancerAttribute; each server group once; ECS
 * instances 100 per call and each of their security groups once. Actions with no call are left out.
 */
export function minimumApiCalls(scenario: Scenario): Record<string, number> {
  const lbs = scenario.loadBalancers;
  const calls: Record<string, number> = {};
  const add = (action: string, n: number): void => {
    if (n > 0) calls[action] = (calls[action] ?? 0) + n;
  };
  add('slb:DescribeLoadBalancers', Math.max(1, Math.ceil(lbs.length / LOAD_BALANCERS_PER_PAGE)));
  for (let start = 0; start < lbs.length; start += LOAD_BALANCERS_PER_LISTENER_CALL) {
    const listeners = lbs.slice(start, start + LOAD_BALANCERS_PER_LISTENER_CALL).reduce((n, lb) => n + lb.Listeners.length, 0);
    add('slb:DescribeLoadBalancerListeners', Math.max(1, Math.ceil(listeners / LISTENERS_PER_PAGE)));
  }
  const vServerGroups = new Set<string>();
  const masterSlaveGroups = new Set<string>();
  const instanceIds = new Set<string>();
  for (const lb of lbs) {
    if (lb.Listeners.length === 0) continue;
    add('slb:DescribeHealthStatus', 1);
    if (lb.Listeners.some((l) => groupOf(l) === 'default')) add('slb:DescribeLoadBalancerAttribute', 1);
    for (const listener of lb.Listeners) {
      if (listener.VServerGroupId !== undefined) vServerGroups.add(listener.VServerGroupId);
      if (listener.MasterSlaveServerGroupId !== undefined) masterSlaveGroups.add(listener.MasterSlaveServerGroupId);
      for (const id of serverIdsOf(lb, listener)) instanceIds.add(id);
    }
  }
  add('slb:DescribeVServerGroupAttribute', vServerGroups.size);
  add('slb:DescribeMasterSlaveServerGroupAttribute', masterSlaveGroups.size);
  add('ecs:DescribeInstances', Math.ceil(instanceIds.size / INSTANCES_PER_CALL));
  const instances = new Map(scenario.instances.map((i) => [i.instanceId, i]));
  const securityGroups = new Set([...instanceIds].flatMap((id) => instances.get(id)?.securityGroupIds ?? []));
  add('ecs:DescribeSecurityGroupAttribute', securityGroups.size);
  return calls;
}

function quotaFor(scenario: Scenario, productAction: string): { calls: number; perSeconds: number } {
  const [product, action] = productAction.split(':') as [string, string];
  const quotas = scenario.api?.quotas ?? {};
  return quotas[productAction] ?? quotas[action] ?? quotas[`${product}:*`] ?? quotas['*'] ?? DEFAULT_QUOTA;
}

export interface ApiBound {
  /** The bound: the largest of the three terms. */
  ms: number;
  /** Round trips that depend on each other, at the mean latency. */
  chainMs: number;
  /** Every call at the mean latency, `concurrency` at a time. */
  throughputMs: number;
  /** The action whose quota window forces the longest wait, and that wait. */
  quotaMs: number;
  quotaAction: string | null;
  meanLatencyMs: number;
  calls: number;
}

/**
 * The API critical path. A rolling quota of q calls per W seconds lets the first q through at once; call k·q+1 cannot
 * be accepted before k·W after the first. Levels of the chain: LB ids; then listeners, attribute and health status
 * (they need only the ids); then the server groups (their ids come with the listeners); then ECS instances (their
 * ids come with the group members); then security groups.
 */
export function apiCriticalPath(scenario: Scenario, minimum: Record<string, number>, concurrency: number): ApiBound {
  const [minLatency, maxLatency] = scenario.api?.latencyMs ?? [0, 0];
  const mean = (minLatency + maxLatency) / 2;
  const has = (action: string): boolean => (minimum[action] ?? 0) > 0;
  const levels =
    1 +
    1 +
    (has('slb:DescribeVServerGroupAttribute') || has('slb:DescribeMasterSlaveServerGroupAttribute') ? 1 : 0) +
    (has('ecs:DescribeInstances') ? 1 : 0) +
    (has('ecs:DescribeSecurityGroupAttribute') ? 1 : 0);
  const calls = Object.values(minimum).reduce((a, b) => a + b, 0);
  let quotaMs = 0;
  let quotaAction: string | null = null;
  for (const [action, n] of Object.entries(minimum)) {
    const quota = quotaFor(scenario, action);
    const windows = Math.floor((n - 1) / quota.calls);
    const wait = windows > 0 ? windows * quota.perSeconds * 1000 + mean : 0;
    if (wait > quotaMs) {
      quotaMs = wait;
      quotaAction = action;
    }
  }
  const chainMs = levels * mean;
  const throughputMs = (calls * mean) / Math.max(1, concurrency);
  return { ms: Math.max(chainMs, throughputMs, quotaMs), chainMs, throughputMs, quotaMs, quotaAction, meanLatencyMs: mean, calls };
}

// ---------------------------------------------------------------------------------------------------------------
// Probes

interface Simulated {
  outcome: ProbeOutcome;
  ms: number;
  statusCode?: number;
  location?: string;
  bytesRead?: number;
}

function hostName(host: string | null): string | null {
  return host === null ? null : host.toLowerCase().replace(/:\d+$/, '');
}

function httpAnswer(status: number, accepted: readonly HttpCodeClass[], ms = FAST_PROBE_MS, location?: string): Simulated {
  const ok = accepted.includes(`http_${Math.floor(status / 100)}xx` as HttpCodeClass);
  return { outcome: ok ? 'ok' : 'status_not_accepted', ms, statusCode: status, ...(location ? { location } : {}) };
}

/** What one probe meets at an endpoint with this behaviour (as seen from inside the VPC), and how long it takes. */
export function simulateProbe(behaviour: BehaviourName | null, options: BehaviourOptions, request: ProbeRequest): Simulated {
  const timeout = request.timeoutMs;
  if (request.kind === 'udp') {
    switch (behaviour) {
      case 'udp-echo': {
        const reply = options.reply ?? request.payload ?? '';
        return { outcome: request.expect === null || reply.includes(request.expect) ? 'ok' : 'udp_unexpected_reply', ms: FAST_PROBE_MS };
      }
      case 'udp-silent':
        return { outcome: request.expect === null ? 'ok' : 'udp_no_reply', ms: timeout };
      default:
        return { outcome: 'udp_port_unreachable', ms: FAST_PROBE_MS };
    }
  }
  if (behaviour === null || behaviour === 'refused' || behaviour.startsWith('udp-')) return { outcome: 'refused', ms: FAST_PROBE_MS };
  if (behaviour === 'blackhole') return { outcome: 'connect_timeout', ms: timeout };
  if (request.kind === 'tcp') return { outcome: 'ok', ms: FAST_PROBE_MS };
  const silent = behaviour === 'hang' || behaviour === 'trickle' || behaviour === 'endless-headers';
  if (request.kind === 'tls') {
    if (behaviour === 'tls-only') return { outcome: 'ok', ms: FAST_PROBE_MS };
    return { outcome: 'tls_handshake_failed', ms: silent || behaviour === 'head-hangs' || behaviour === 'slow' ? timeout : FAST_PROBE_MS };
  }
  const accepted = request.acceptedCodes;
  switch (behaviour) {
    case 'reset':
      return { outcome: 'reset', ms: FAST_PROBE_MS };
    case 'close-silently':
      return { outcome: 'closed_no_response', ms: FAST_PROBE_MS };
    case 'garbage':
      return { outcome: 'malformed_response', ms: FAST_PROBE_MS };
    case 'hang':
    case 'trickle':
    case 'endless-headers':
      return { outcome: 'response_timeout', ms: timeout, bytesRead: behaviour === 'hang' ? 0 : 1 };
    case 'slow': {
      const delay = options.delayMs ?? 10_000;
      return delay < timeout ? httpAnswer(200, accepted, delay) : { outcome: 'response_timeout', ms: timeout };
    }
    case 'head-hangs':
      return request.method === 'HEAD' ? { outcome: 'response_timeout', ms: timeout } : httpAnswer(200, accepted);
    case 'head-refused':
      return httpAnswer(request.method === 'HEAD' ? 405 : 200, accepted);
    case 'not-found':
      return httpAnswer(request.uri === '/' ? 200 : 404, accepted);
    case 'default-server':
      return httpAnswer(hostName(request.host) === hostName(options.domain ?? null) ? 200 : 404, accepted);
    case 'needs-host':
      return httpAnswer(request.host === null ? 400 : 200, accepted);
    case 'redirect':
      return httpAnswer(302, accepted, FAST_PROBE_MS, options.location ?? '/login');
    case 'status':
      return httpAnswer(options.status ?? 500, accepted);
    case 'tls-only':
      return httpAnswer(400, accepted);
    case 'flapping':
      return httpAnswer((options.pattern ?? 'ok').startsWith('fail') ? 503 : 200, accepted);
    default:
      return httpAnswer(200, accepted);
  }
}

function resultOf(request: ProbeRequest, simulated: Simulated): ProbeResult {
  const answered = simulated.statusCode !== undefined || simulated.outcome === 'ok';
  return {
    request,
    outcome: simulated.outcome,
    requestLine: null,
    statusCode: simulated.statusCode ?? null,
    statusLine: simulated.statusCode === undefined ? null : `HTTP/1.1 ${simulated.statusCode}`,
    location: simulated.location ?? null,
    bytesRead: simulated.bytesRead ?? (answered ? 64 : 0),
    timings: {
      connectMs: simulated.outcome === 'refused' || simulated.outcome === 'connect_timeout' ? null : FAST_PROBE_MS,
      firstByteMs: answered ? simulated.ms : null,
      headersMs: simulated.statusCode === undefined ? null : simulated.ms,
      totalMs: simulated.ms,
    },
    detail: null,
  };
}

/** One unhealthy backend the diagnosis examines, with its planted fault. */
export interface PlannedJob {
  job: ProbeJob;
  behaviour: BehaviourName | null;
  options: BehaviourOptions;
  plantedCode: string;
}


/** The probe jobs for the scenario's planted data-plane faults, built by the product's own jobFor. */
export function plannedJobs(scenario: Scenario): PlannedJob[] {
  const lbs = new Map(scenario.loadBalancers.map((lb) => [lb.LoadBalancerId, lb]));
  const endpoints = new Map<string, ScenarioEndpoint>(scenario.endpoints.map((e) => [`${e.protocol ?? 'tcp'}://${e.ip}:${e.port}`, e]));
  const serverIdByIp = new Map(scenario.instances.map((i) => [i.privateIp, i.instanceId]));
  const jobs: PlannedJob[] = [];
  for (const [key, code] of Object.entries(scenario.expectedFindings ?? {})) {
    if (CONTROL_PLANE_CODES.has(code)) continue;
    const planted = plantedTarget(key);
    const lb = planted ? lbs.get(planted.loadBalancerId) : undefined;
    const scenarioListener = lb?.Listeners.find((l) => l.ListenerProtocol === planted?.listener.protocol && l.ListenerPort === planted.listener.port);
    if (!planted || !lb || !scenarioListener) throw new RangeError(`expectedFindings key '${key}' names no listener of the scenario`);
    const { ip, port } = planted.backend;
    const healthCheck = normalizeHealthCheck(scenarioListener.ListenerProtocol, scenarioListener.healthCheck ?? {});
    const checkPort = healthCheck.connectPort ?? port;
    const backend: Backend = {
      serverId: serverIdByIp.get(ip) ?? ip,
      ip,
      port,
      checkPort,
      checkHost: checkHostFor(healthCheck, ip),
      weight: 100,
      type: 'ecs',
      group: { kind: 'default' },
      slbStatus: 'abnormal',
    };
    const listener: Listener = {
      loadBalancerId: lb.LoadBalancerId,
      port: scenarioListener.ListenerPort,
      protocol: scenarioListener.ListenerProtocol,
      status: 'running',
      backendServerPort: scenarioListener.BackendServerPort ?? null,
      vServerGroupId: scenarioListener.VServerGroupId ?? null,
      masterSlaveServerGroupId: scenarioListener.MasterSlaveServerGroupId ?? null,
      healthCheck,
      backends: [backend],
    };
    const model: LoadBalancer = {
      id: lb.LoadBalancerId,
      name: lb.LoadBalancerName ?? lb.LoadBalancerId,
      regionId: scenario.regionId,
      vpcId: lb.VpcId,
      vSwitchId: lb.VSwitchId ?? null,
      address: lb.Address ?? '',
      addressType: 'intranet',
      networkType: 'vpc',
      status: 'active',
      tags: lb.Tags ?? {},
      listeners: [listener],
    };
    const endpoint = endpoints.get(`${healthCheck.type === 'udp' ? 'udp' : 'tcp'}://${ip}:${checkPort}`);
    const served = endpoint && !('external' in endpoint) ? endpoint : null;
    jobs.push({ job: jobFor(model, listener, backend, false), behaviour: served?.behaviour ?? null, options: served?.options ?? {}, plantedCode: code });
  }
  return jobs;
}

export interface JobCost {
  jobId: string;
  behaviour: BehaviourName | null;
  plantedCode: string;
  /** The code the product's interpretation gives the modelled evidence (a mismatch points at the diagnosis). */
  predictedCode: FindingCode | null;
  probes: number;
  ms: number;
}

/** Runs the product's evidence collection for one job against the fault model, on a virtual clock. */
export async function costOfJob(planned: PlannedJob): Promise<JobCost> {
  let elapsed = 0;
  const origin = Date.UTC(2024, 0, 1);
  const clock: Clock = {
    now: () => origin + elapsed,
    sleep: async (ms) => {
      elapsed += ms;
    },
  };
  let probes = 0;
  const scheduler = new ProbeScheduler({
    concurrency: 1,
    prober: async (request) => {
      probes++;
      const simulated = simulateProbe(planned.behaviour, planned.options, request);
      elapsed += simulated.ms;
      return resultOf(request, simulated);
    },
  });
  const evidence = await collectEvidence(planned.job, scheduler, { clock });
  return {
    jobId: planned.job.id,
    behaviour: planned.behaviour,
    plantedCode: planned.plantedCode,
    predictedCode: interpretEvidence(planned.job, evidence)?.code ?? null,
    probes,
    ms: elapsed,
  };
}

export interface ProbeBound {
  /** The bound: the longest single job, or all the work spread over the concurrency, whichever is larger. */
  ms: number;
  longestJobMs: number;
  workMs: number;
  jobConcurrency: number;
  jobs: number;
  probes: number;
  costs: JobCost[];
}

export async function probeCriticalPath(scenario: Scenario, jobConcurrency: number): Promise<ProbeBound> {
  const costs: JobCost[] = [];
  for (const planned of plannedJobs(scenario)) costs.push(await costOfJob(planned));
  const workMs = costs.reduce((n, c) => n + c.ms, 0);
  const longestJobMs = costs.reduce((n, c) => Math.max(n, c.ms), 0);
  return {
    ms: Math.max(longestJobMs, workMs / Math.max(1, jobConcurrency)),
    longestJobMs,
    workMs,
    jobConcurrency,
    jobs: costs.length,
    probes: costs.reduce((n, c) => n + c.probes, 0),
    costs,
  };
}

// ---------------------------------------------------------------------------------------------------------------

export interface LowerBoundOptions {
  /** API calls the client keeps in flight (the inventory's concurrency). */
  apiConcurrency: number;
  /** Probe jobs in flight at once (fan-out concurrency × jobs per invocation, or the in-process concurrency). */
  jobConcurrency: number;
}

export interface LowerBound {
  ms: number;
  /** What an audit that finishes the inventory before it starts probing can reach at best. */
  serialMs: number;
  api: ApiBound;
  probe: ProbeBound;
  /** The first job can start once its load balancer's ids, listeners and health status are known. */
  firstJobMs: number;
  /** SLB_SOURCE_BLOCKED verdicts re-read SLB's status once more at the end. */
  tailMs: number;
  minimumCalls: Record<string, number>;
}

export async function lowerBound(scenario: Scenario, options: LowerBoundOptions): Promise<LowerBound> {
  const minimumCalls = minimumApiCalls(scenario);
  const api = apiCriticalPath(scenario, minimumCalls, options.apiConcurrency);
  const probe = await probeCriticalPath(scenario, options.jobConcurrency);
  const firstJobMs = probe.jobs > 0 ? 2 * api.meanLatencyMs : 0;
  const tailMs = probe.costs.some((c) => c.predictedCode === 'SLB_SOURCE_BLOCKED') ? api.meanLatencyMs : 0;
  return {
    ms: Math.max(api.ms, firstJobMs + probe.ms) + tailMs,
    serialMs: api.ms + probe.ms + tailMs,
    api,
    probe,
    firstJobMs,
    tailMs,
    minimumCalls,
  };
}
