// The fastest any audit of a scenario can be on this platform, and the fewest API calls its data needs
// (docs/performance.md explains the model). It is a property of the scenario and the platform only, never of the
// product's settings:
//   API    — the fewest calls per action, the per-call latency, and the rolling-window quota per action as the only
//            limit on concurrency; along the dependency chain LB ids → listeners, attribute, health status, groups →
//            ECS instances → security groups.
//   probes — per unhealthy backend, the shortest evidence chain that proves its code: the probes the diagnosis needs
//            for its fault (the product's own collectEvidence run against a model of the fault), with every probe that
//            can run beside the others concurrent; only the repeats, spaced in time by definition, form a sequence.
//            A backend can be probed once its load balancer's listeners and health status are known. Across
//            backends the work is parallel up to FC's default instance quota per region and a probe instance's
//            sockets.
//   end    — a verdict that needs SLB's re-check costs one more DescribeHealthStatus, under that action's quota;
//            then one notification round trip.
import { plantedTarget } from './accuracy';
import { interpretEvidence } from '../lib/diagnose/interpret';
import { jobFor } from '../lib/diagnose/jobs';
import { checkHostFor, normalizeHealthCheck } from '../lib/inventory/health-check';
import type { Backend, FindingCode, HttpCodeClass, Listener, LoadBalancer, ProbeJob, ProbeOutcome, ProbeRequest, ProbeResult } from '../lib/model';
import { ProbeScheduler } from '../lib/probe/scheduler';
import type { Clock } from '../lib/util/clock';
import { collectEvidence, DEFAULT_REPEAT_INTERVAL_MS as REPEAT_INTERVAL_MS } from '../lib/probe/evidence';
import type { BehaviourName, BehaviourOptions, Scenario, ScenarioEndpoint, ScenarioListener, ScenarioLoadBalancer } from '../lib/sandbox/scenario/types';


/** The service's batch sizes the minimum is computed with (DescribeLoadBalancers pages, listeners per call, ECS ids per call). */
export const LOAD_BALANCERS_PER_PAGE = 100;
export const LOAD_BALANCERS_PER_LISTENER_CALL = 10;
export const LISTENERS_PER_PAGE = 100;
export const INSTANCES_PER_CALL = 100;
const DEFAULT_QUOTA = { calls: 3000, perSeconds: 60 };
/** A probe that is answered at once (loopback round trip). */
export const FAST_PROBE_MS = 1;
/** The chat sink's round trip: the sandbox's webhooks answer on loopback at once. */
export const NOTIFY_ROUND_TRIP_MS = FAST_PROBE_MS;
/**
 * FC's default limit of instances per account and region ("each Alibaba Cloud account is limited to a maximum of 100
 * concurrent instances per region",
 * https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/overview-of-configuring-the-maximum-number-of-on-demand-instances).
 */
export const FC_INSTANCES_PER_REGION = 100;
/**
 * Sockets one probe instance can hold: Linux's default soft limit of open files (1,024; FC publishes no other figure
 * that we found), less a few for the runtime itself. Memory does not bind first: a 128 MB instance holds a socket's
 * state, a few kB, thousands of times over.
 */
export const SOCKETS_PER_PROBE_INSTANCE = 1_000;
/** Connections one evidence chain holds at most (a long-waiting replay and one variant). */
export const CONNECTIONS_PER_CHAIN = 2;
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

export function quotaFor(scenario: Scenario, productAction: string): { calls: number; perSeconds: number } {
  const [product, action] = productAction.split(':') as [string, string];
  const quotas = scenario.api?.quotas ?? {};
  return quotas[productAction] ?? quotas[action] ?? quotas[`${product}:*`] ?? quotas['*'] ?? DEFAULT_QUOTA;
}

/** The mean API latency of the scenario. */
export function meanLatencyMs(scenario: Scenario): number {
  const [minLatency, maxLatency] = scenario.api?.latencyMs ?? [0, 0];
  return (minLatency + maxLatency) / 2;
}

/** When the last of `calls` calls of one action can be answered at the earliest, its first one sent at `startMs`. */
export function quotaFinishMs(scenario: Scenario, action: string, calls: number, startMs: number): number {
  if (calls <= 0) return 0;
  const quota = quotaFor(scenario, action);
  // A rolling window of q calls per W lets the first q through at once; call k·q+1 cannot be accepted before k·W.
  return startMs + Math.floor((calls - 1) / quota.calls) * quota.perSeconds * 1000 + meanLatencyMs(scenario);
}

export interface ApiBound {
  /** When the inventory's last call can be answered: the longer of the dependency chain and the quota windows. */
  ms: number;
  /** Round trips that depend on each other, at the mean latency. */
  chainMs: number;
  /** The action whose quota window forces the longest wait, and when its last call is answered. */
  quotaMs: number;
  quotaAction: string | null;
  meanLatencyMs: number;
  calls: number;
}

/**
 * The inventory's critical path with the API's own limits only. Levels: the first LB page (its total tells how many
 * more there are), the other pages at once, then listeners, attribute, health status and groups (they need only the
 * ids and the listeners), then ECS instances, then their security groups.
 */
export function apiCriticalPath(scenario: Scenario, minimum: Record<string, number>): ApiBound {
  const mean = meanLatencyMs(scenario);
  const has = (action: string): boolean => (minimum[action] ?? 0) > 0;
  const pageLevels = (minimum['slb:DescribeLoadBalancers'] ?? 1) > 1 ? 2 : 1;
  const levels = pageLevels + 2 + (has('ecs:DescribeInstances') ? 1 : 0) + (has('ecs:DescribeSecurityGroupAttribute') ? 1 : 0);
  let quotaMs = 0;
  let quotaAction: string | null = null;
  for (const [action, n] of Object.entries(minimum)) {
    if (Math.floor((n - 1) / quotaFor(scenario, action).calls) === 0) continue;
    const finish = quotaFinishMs(scenario, action, n, mean);
    if (finish > quotaMs) {
      quotaMs = finish;
      quotaAction = action;
    }
  }
  const chainMs = levels * mean;
  return { ms: Math.max(chainMs, quotaMs), chainMs, quotaMs, quotaAction, meanLatencyMs: mean, calls: Object.values(minimum).reduce((a, b) => a + b, 0) };
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
  loadBalancerId: string;
  behaviour: BehaviourName | null;
  plantedCode: string;
  /** The code the product's interpretation gives the modelled evidence (a mismatch points at the diagnosis). */
  predictedCode: FindingCode | null;
  probes: number;
  /** Every probe and pause one after another (how long a chain that ran nothing at once would take). */
  ms: number;
  /** The shortest chain that yields the same evidence: every probe at once, except the repeats (spaced in time). */
  chainMs: number;
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
  // The pauses at their 200 ms minimum: the product's pause grid (lib/probe/pauses.ts) is a setting, not the physics.
  const evidence = await collectEvidence(planned.job, scheduler, { clock, pauseGridMs: 0 });
  // The repeats re-send the replay after a pause each: they follow one another whatever else runs beside them.
  const repeats = evidence.variants.filter((v) => v.label.startsWith('repeat-'));
  const repeatSpanMs = repeats.length === 0 ? 0 : evidence.replay.timings.totalMs + repeats.reduce((n, v) => n + REPEAT_INTERVAL_MS + v.result.timings.totalMs, 0);
  const longestProbeMs = Math.max(evidence.replay.timings.totalMs, ...evidence.variants.map((v) => v.result.timings.totalMs));
  return {
    jobId: planned.job.id,
    loadBalancerId: planned.job.target.loadBalancerId,
    behaviour: planned.behaviour,
    plantedCode: planned.plantedCode,
    predictedCode: interpretEvidence(planned.job, evidence)?.code ?? null,
    probes,
    ms: elapsed,
    chainMs: Math.max(longestProbeMs, repeatSpanMs),
  };
}

export interface ProbeBound {
  /** The longest of: each chain after its load balancer is ready (and its re-check), and all chains over the capacity. */
  ms: number;
  /** The job whose chain (from its load balancer's readiness, re-check included) ends last. */
  criticalJob: { jobId: string; behaviour: BehaviourName | null; readyMs: number; chainMs: number; recheckMs: number } | null;
  longestChainMs: number;
  /** Every chain's length added up, and the evidence chains the platform can hold at once. */
  workMs: number;
  capacity: number;
  capacityMs: number;
  jobs: number;
  probes: number;
  costs: JobCost[];
}

/**
 * When each load balancer's probes can start: its page of the listing (the first page tells how many follow), then
 * its listeners and SLB's verdicts, asked side by side (DescribeHealthStatus needs only the load balancer's id, and
 * its reply names every backend with its IP, port, listener and verdict).
 */
export function readyTimes(scenario: Scenario): Map<string, number> {
  const mean = meanLatencyMs(scenario);
  const ready = new Map<string, number>();
  scenario.loadBalancers.forEach((lb, index) => {
    const pageLevels = index < LOAD_BALANCERS_PER_PAGE ? 1 : 2;
    ready.set(lb.LoadBalancerId, (pageLevels + 1) * mean);
  });
  return ready;
}

/** Every planted data-plane fault's modelled evidence chain. */
export async function jobCosts(scenario: Scenario): Promise<JobCost[]> {
  const costs: JobCost[] = [];
  for (const planned of plannedJobs(scenario)) costs.push(await costOfJob(planned));
  return costs;
}

/** `recheckFinishMs`: when a re-check asked for at a time can be answered (its quota included). */
export function probeCriticalPath(scenario: Scenario, costs: JobCost[], recheckFinishMs: (probesDoneMs: number) => number): ProbeBound {
  const ready = readyTimes(scenario);
  const capacity = FC_INSTANCES_PER_REGION * Math.floor(SOCKETS_PER_PROBE_INSTANCE / CONNECTIONS_PER_CHAIN);
  const workMs = costs.reduce((n, c) => n + c.chainMs, 0);
  let critical: ProbeBound['criticalJob'] = null;
  let endMs = 0;
  for (const cost of costs) {
    const readyMs = ready.get(cost.loadBalancerId) ?? 0;
    const done = readyMs + cost.chainMs;
    const end = cost.predictedCode === 'SLB_SOURCE_BLOCKED' ? recheckFinishMs(done) : done;
    if (end > endMs) {
      endMs = end;
      critical = { jobId: cost.jobId, behaviour: cost.behaviour, readyMs, chainMs: cost.chainMs, recheckMs: end - done };
    }
  }
  const capacityMs = workMs / capacity;
  return {
    ms: Math.max(endMs, capacityMs),
    criticalJob: critical,
    longestChainMs: costs.reduce((n, c) => Math.max(n, c.chainMs), 0),
    workMs,
    capacity,
    capacityMs,
    jobs: costs.length,
    probes: costs.reduce((n, c) => n + c.probes, 0),
    costs,
  };
}

// ---------------------------------------------------------------------------------------------------------------

export interface LowerBound {
  ms: number;
  /** The term that sets the bound, in words. */
  binding: string;
  api: ApiBound;
  probe: ProbeBound;
  /** Load balancers with a verdict that needs SLB's re-check (one more DescribeHealthStatus each). */
  rechecks: number;
  notifyMs: number;
  /** The fewest calls per action, the re-checks included. */
  minimumCalls: Record<string, number>;
}

/** Load balancers whose planted faults the diagnosis reads as SLB_SOURCE_BLOCKED: their status is read once more. */
function recheckedLoadBalancers(costs: readonly JobCost[]): number {
  return new Set(costs.filter((c) => c.predictedCode === 'SLB_SOURCE_BLOCKED').map((c) => c.loadBalancerId)).size;
}

export async function lowerBound(scenario: Scenario): Promise<LowerBound> {
  const inventoryCalls = minimumApiCalls(scenario);
  const mean = meanLatencyMs(scenario);
  const healthAction = 'slb:DescribeHealthStatus';
  const healthCalls = inventoryCalls[healthAction] ?? 0;
  const costs = await jobCosts(scenario);
  const rechecks = recheckedLoadBalancers(costs);
  // A re-check is the same action as the inventory's health reads: past the quota it waits for the window to roll
  // (the inventory's first health read goes out once the first page is back).
  const recheckFinishMs = (probesDoneMs: number): number => Math.max(probesDoneMs + mean, quotaFinishMs(scenario, healthAction, healthCalls + rechecks, mean));
  const withQuota = probeCriticalPath(scenario, costs, recheckFinishMs);
  const minimumCalls = { ...inventoryCalls, ...(rechecks > 0 ? { [healthAction]: healthCalls + rechecks } : {}) };
  const api = apiCriticalPath(scenario, inventoryCalls);
  const terms: Array<[string, number]> = [
    [`API: ${api.quotaAction && api.quotaMs >= api.chainMs ? `quota of ${api.quotaAction}` : 'dependency chain'}`, api.ms],
    [describeProbeTerm(withQuota, scenario, healthCalls + rechecks), withQuota.ms],
  ];
  const [binding, ms] = terms.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { ms: ms + NOTIFY_ROUND_TRIP_MS, binding, api, probe: withQuota, rechecks, notifyMs: NOTIFY_ROUND_TRIP_MS, minimumCalls };
}

function describeProbeTerm(probe: ProbeBound, scenario: Scenario, healthCalls: number): string {
  if (probe.capacityMs >= probe.ms) return `probe capacity (${Math.round(probe.workMs / 1000)} s of chains over ${probe.capacity} at once)`;
  const job = probe.criticalJob;
  if (!job) return 'probes';
  const quota = quotaFor(scenario, 'slb:DescribeHealthStatus');
  if (job.recheckMs > meanLatencyMs(scenario)) return `re-check under the DescribeHealthStatus quota (${healthCalls} calls > ${quota.calls} per ${quota.perSeconds} s)`;
  return `probe chain (${job.behaviour ?? 'no listener'} ${(job.chainMs / 1000).toFixed(1)} s after its LB is ready at ${job.readyMs.toFixed(0)} ms)`;
}
