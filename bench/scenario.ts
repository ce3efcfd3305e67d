// The fleet benchmark's scenario: N load balancers spread over 5 VPCs, ~3 listeners and ~10 backend entries each, 5 %
// of the entries unhealthy with a fault from the sandbox's zoo, and the finding code each fault must produce.
// Deterministic: the same options and seed give the same scenario, byte for byte.
//
// Address plan (all loopback): VPC v ∈ 1…5 owns 127.v.0.0/16. A small pool of ECS instances per VPC (127.v.0.10+) hosts
// the healthy services every load balancer shares, one socket per service port, so 10,000 healthy entries cost a few
// hundred sockets. A fault is never shared: in a VServer group it gets a port of its own on a pool instance; in the
// default group (whose port is the listener's) it gets a dedicated "fault host" (127.v.1.1+) that serves the fault on
// that listener's port and healthy services on the LB's other default-group ports.
import { targetKey } from '../lib/model';
import type {
  BehaviourName,
  BehaviourOptions,
  Scenario,
  ScenarioBackendServer,
  ScenarioEndpoint,
  ScenarioHealthCheck,
  ScenarioInstance,
  ScenarioListener,
  ScenarioLoadBalancer,
} from '../lib/sandbox/scenario/types';

export const FLEET_REGION = 'cn-hangzhou';
export const FLEET_ACCOUNT = '1688000000000042';
export const DEFAULT_SEED = 20240601;
export const DEFAULT_UNHEALTHY_SHARE = 0.05;
/** SLB's own checker runs at this fraction of the configured rate, so that it does not eat the 2 cores. */
export const DEFAULT_INTERVAL_SCALE = 4;
export const MAX_FLEET_LOAD_BALANCERS = 5000;

const VPC_COUNT = 5;
const POOL_INSTANCES_PER_VPC = 24;
const FAULT_PORT_BASE = 20000;
const FAULT_HOSTS_PER_SUBNET = 250;

type Protocol = ScenarioListener['ListenerProtocol'];

/** One planted fault: the behaviour to serve and the code the product must report for it. */
export interface FaultKind {
  behaviour: BehaviourName;
  code: string;
  /** Options given the check's effective timeout (max of timeout and interval) in ms. */
  options?: (timeoutMs: number, ip: string) => BehaviourOptions;
}

/** A kind of listener the generator builds: its port, protocol, group, health check and the faults that fit it. */
export interface ListenerProfile {
  name: 'web' | 'api' | 'admin' | 'tcp-http' | 'db' | 'dns';
  protocol: Protocol;
  listenerPort: number;
  /** The port the backends serve on (the default group's BackendServerPort, or each VServer group member's Port). */
  backendPort: number;
  group: 'default' | 'vserver';
  healthCheck: ScenarioHealthCheck;
  /** The healthy service on backendPort. */
  healthy: { behaviour: BehaviourName; options?: BehaviourOptions };
  faults: readonly FaultKind[];
}

const refused: FaultKind = { behaviour: 'refused', code: 'PORT_CLOSED' };
const blackhole: FaultKind = { behaviour: 'blackhole', code: 'CONNECT_TIMEOUT' };
const sourceBlocked: FaultKind = { behaviour: 'slb-source-blocked', code: 'SLB_SOURCE_BLOCKED' };
const httpFaults = (status: number): FaultKind[] => [
  refused,
  blackhole,
  sourceBlocked,
  { behaviour: 'hang', code: 'RESPONSE_TIMEOUT' },
  { behaviour: 'trickle', code: 'RESPONSE_TIMEOUT', options: () => ({ delayMs: 250 }) },
  // Past SLB's timeout, within the product's extended wait (3× the timeout).
  { behaviour: 'slow', code: 'SLOW_RESPONSE', options: (timeoutMs) => ({ delayMs: Math.round(timeoutMs * 1.5) }) },
  { behaviour: 'not-found', code: 'PATH_NOT_FOUND' },
  { behaviour: 'status', code: 'STATUS_MISMATCH', options: () => ({ status }) },
  { behaviour: 'reset', code: 'CONNECTION_RESET' },
  { behaviour: 'close-silently', code: 'CONNECTION_RESET' },
  { behaviour: 'garbage', code: 'PROTOCOL_ERROR' },
];
const headRefused: FaultKind = { behaviour: 'head-refused', code: 'HEAD_NOT_SUPPORTED' };
const redirect: FaultKind = { behaviour: 'redirect', code: 'REDIRECT_NOT_ACCEPTED', options: () => ({ location: '/login' }) };
const healthyHttp = { behaviour: 'healthy' as const };

export const LISTENER_PROFILES: Readonly<Record<ListenerProfile['name'], ListenerProfile>> = {
  web: {
    name: 'web',
    protocol: 'http',
    listenerPort: 80,
    backendPort: 8080,
    group: 'default',
    healthCheck: { HealthCheckURI: '/health', HealthCheckDomain: '$_ip', HealthCheckHttpCode: 'http_2xx,http_3xx', HealthCheckInterval: 2, HealthCheckTimeout: 2, HealthyThreshold: 2, UnhealthyThreshold: 2 },
    healthy: healthyHttp,
    faults: [...httpFaults(503), headRefused, { behaviour: 'head-hangs', code: 'HEAD_NOT_SUPPORTED' }],
  },
  api: {
    name: 'api',
    protocol: 'https',
    listenerPort: 443,
    backendPort: 8443,
    group: 'vserver',
    healthCheck: {
      HealthCheckURI: '/status',
      HealthCheckMethod: 'get',
      HealthCheckHttpVersion: 'http1.1',
      HealthCheckDomain: 'api.bench.example',
      HealthCheckHttpCode: 'http_2xx',
      HealthCheckInterval: 1,
      HealthCheckTimeout: 1,
      HealthyThreshold: 2,
      UnhealthyThreshold: 2,
    },
    healthy: healthyHttp,
    // An HTTPS listener checks its backends over plain HTTP: a backend that speaks only TLS fails.
    faults: [...httpFaults(500), redirect, { behaviour: 'tls-only', code: 'TLS_ON_PLAIN_PORT' }],
  },
  admin: {
    name: 'admin',
    protocol: 'http',
    listenerPort: 8080,
    backendPort: 8000,
    group: 'vserver',
    healthCheck: { HealthCheckURI: '/healthz', HealthCheckDomain: 'www.bench.example', HealthCheckHttpCode: 'http_2xx', HealthCheckInterval: 3, HealthCheckTimeout: 3, HealthyThreshold: 2, UnhealthyThreshold: 2 },
    healthy: healthyHttp,
    faults: [
      ...httpFaults(403),
      headRefused,
      redirect,
      // An nginx default server that only knows the site by the backend's IP: the configured domain gets 404.
      { behaviour: 'default-server', code: 'HOST_REJECTED', options: (_timeoutMs, ip) => ({ domain: ip }) },
    ],
  },
  'tcp-http': {
    name: 'tcp-http',
    protocol: 'tcp',
    listenerPort: 9000,
    backendPort: 9000,
    group: 'vserver',
    healthCheck: { HealthCheckType: 'http', HealthCheckURI: '/ping', HealthCheckHttpCode: 'http_2xx', HealthCheckInterval: 1, HealthCheckConnectTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 },
    healthy: healthyHttp,
    faults: httpFaults(500),
  },
  db: {
    name: 'db',
    protocol: 'tcp',
    listenerPort: 3306,
    backendPort: 3306,
    group: 'default',
    healthCheck: { HealthCheckType: 'tcp', HealthCheckInterval: 2, HealthCheckConnectTimeout: 2, HealthyThreshold: 2, UnhealthyThreshold: 2 },
    healthy: healthyHttp,
    faults: [refused, blackhole, sourceBlocked],
  },
  dns: {
    name: 'dns',
    protocol: 'udp',
    listenerPort: 53,
    backendPort: 5353,
    group: 'default',
    healthCheck: { HealthCheckReq: 'ping', HealthCheckExp: 'pong', HealthCheckInterval: 2, HealthCheckConnectTimeout: 2, HealthyThreshold: 2, UnhealthyThreshold: 2 },
    healthy: { behaviour: 'udp-echo', options: { reply: 'pong' } },
    faults: [
      { behaviour: 'udp-closed', code: 'UDP_PORT_UNREACHABLE' },
      { behaviour: 'udp-silent', code: 'UDP_NO_REPLY' },
    ],
  },
};

const VSERVER_PROFILES = [LISTENER_PROFILES.api, LISTENER_PROFILES.admin, LISTENER_PROFILES['tcp-http']] as const;
/** Share of load balancers with a TCP database listener, and with a UDP listener. */
const DB_SHARE = 0.9;
const DNS_SHARE = 0.1;

/** The check's effective timeout in ms: SLB waits the interval when it is longer than the timeout. */
export function effectiveTimeoutMs(check: ScenarioHealthCheck): number {
  const timeout = check.HealthCheckTimeout ?? check.HealthCheckConnectTimeout ?? 5;
  return Math.max(timeout, check.HealthCheckInterval ?? 2) * 1000;
}

/** mulberry32: a small, fast, seedable PRNG (public domain), good enough to shuffle a scenario. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** `count` distinct items, in random order. */
function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, count);
}

export interface FleetOptions {
  loadBalancers: number;
  seed?: number;
  /** Share of backend entries to make unhealthy, 0…1 (default 0.05). */
  unhealthyShare?: number;
  /** Only these behaviours are planted (default: the whole zoo); entries whose listener fits none stay healthy. */
  behaviours?: readonly BehaviourName[];
  /** SLB's checker interval multiplier (default 4). */
  intervalScale?: number;
}

export interface FleetShape {
  loadBalancers: number;
  listeners: number;
  listenersByProtocol: Record<Protocol, number>;
  vServerGroups: number;
  backendEntries: number;
  unhealthyEntries: number;
  instances: number;
  endpoints: number;
  faultsByBehaviour: Record<string, number>;
}

export interface FleetScenario {
  scenario: Scenario;
  shape: FleetShape;
}

interface Entry {
  lb: ScenarioLoadBalancer;
  vpc: number;
  profile: ListenerProfile;
  /** The server as it sits in its group (the default group's list or the VServer group's list). */
  server: ScenarioBackendServer;
}

interface VpcPlan {
  vpcId: string;
  index: number;
  pool: ScenarioInstance[];
  faultHosts: number;
  faultPorts: number;
}

function vpcIdOf(v: number): string {
  return `vpc-bench-${v}`;
}

function instanceOf(vpc: VpcPlan, instanceId: string, privateIp: string, name: string): ScenarioInstance {
  return { instanceId, instanceName: name, status: 'Running', vpcId: vpc.vpcId, privateIp, securityGroupIds: [`sg-bench-${vpc.index}`] };
}

function endpointFor(ip: string, port: number, protocol: Protocol, behaviour: BehaviourName, options: BehaviourOptions | undefined, note?: string): ScenarioEndpoint {
  return {
    ip,
    port,
    ...(protocol === 'udp' ? { protocol: 'udp' as const } : {}),
    behaviour,
    ...(options ? { options } : {}),
    ...(note ? { note } : {}),
  };
}

export function generateFleetScenario(options: FleetOptions): FleetScenario {
  const count = options.loadBalancers;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FLEET_LOAD_BALANCERS) {
    throw new RangeError(`a fleet has 1 to ${MAX_FLEET_LOAD_BALANCERS} load balancers, got ${count}`);
  }
  const share = options.unhealthyShare ?? DEFAULT_UNHEALTHY_SHARE;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`unhealthyShare must be within 0…1, got ${share}`);
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const allowed = options.behaviours ? new Set(options.behaviours) : null;

  const vpcs: VpcPlan[] = Array.from({ length: VPC_COUNT }, (_, i) => {
    const index = i + 1;
    const plan: VpcPlan = { vpcId: vpcIdOf(index), index, pool: [], faultHosts: 0, faultPorts: 0 };
    for (let k = 0; k < POOL_INSTANCES_PER_VPC; k++) {
      plan.pool.push(instanceOf(plan, `i-bench-${index}-pool-${String(k).padStart(2, '0')}`, `127.${index}.0.${10 + k}`, `pool-${index}-${k}`));
    }
    return plan;
  });
  const instances: ScenarioInstance[] = vpcs.flatMap((vpc) => vpc.pool);
  const endpoints = new Map<string, ScenarioEndpoint>();
  const addEndpoint = (endpoint: ScenarioEndpoint): void => {
    endpoints.set(`${endpoint.protocol ?? 'tcp'}://${endpoint.ip}:${endpoint.port}`, endpoint);
  };
  // Every pool instance serves every profile's healthy service.
  for (const vpc of vpcs) {
    for (const instance of vpc.pool) {
      for (const profile of Object.values(LISTENER_PROFILES)) {
        addEndpoint(endpointFor(instance.privateIp, profile.backendPort, profile.protocol, profile.healthy.behaviour, profile.healthy.options));
      }
    }
  }

  // Healthy layout first.
  const loadBalancers: ScenarioLoadBalancer[] = [];
  const entries: Entry[] = [];
  const profilesOf = new Map<ScenarioLoadBalancer, ListenerProfile[]>();
  for (let i = 0; i < count; i++) {
    const vpcIndex = (i % VPC_COUNT) + 1;
    const vpc = vpcs[vpcIndex - 1] as VpcPlan;
    const id = `lb-bench-${String(i).padStart(5, '0')}`;
    const profiles: ListenerProfile[] = [LISTENER_PROFILES.web, pick(VSERVER_PROFILES, random)];
    if (random() < DB_SHARE) profiles.push(LISTENER_PROFILES.db);
    if (random() < DNS_SHARE) profiles.push(LISTENER_PROFILES.dns);
    const defaultServers = sample(vpc.pool, random() < 0.7 ? 3 : 4, random).map((instance): ScenarioBackendServer => ({ ServerId: instance.instanceId, Weight: 100 }));
    const lb: ScenarioLoadBalancer = {
      LoadBalancerId: id,
      LoadBalancerName: `bench-${i}`,
      VpcId: vpc.vpcId,
      Tags: { env: 'bench', team: `team-${i % 7}` },
      BackendServers: defaultServers,
      VServerGroups: [],
      Listeners: [],
    };
    for (const profile of profiles) {
      const listener: ScenarioListener = { ListenerPort: profile.listenerPort, ListenerProtocol: profile.protocol, Description: profile.name, healthCheck: { ...profile.healthCheck } };
      if (profile.group === 'vserver') {
        const groupId = `rsp-bench-${String(i).padStart(5, '0')}-${profile.name}`;
        const members = sample(vpc.pool, random() < 0.5 ? 3 : 4, random).map((instance): ScenarioBackendServer => ({ ServerId: instance.instanceId, Port: profile.backendPort, Weight: 100 }));
        lb.VServerGroups?.push({ VServerGroupId: groupId, VServerGroupName: profile.name, BackendServers: members });
        listener.VServerGroupId = groupId;
        for (const server of members) entries.push({ lb, vpc: vpcIndex, profile, server });
      } else {
        listener.BackendServerPort = profile.backendPort;
        for (const server of defaultServers) entries.push({ lb, vpc: vpcIndex, profile, server });
      }
      lb.Listeners.push(listener);
    }
    profilesOf.set(lb, profiles);
    loadBalancers.push(lb);
  }

  // Then the faults: a random share of the entries whose listener fits an allowed behaviour.
  const faultsOf = (profile: ListenerProfile): readonly FaultKind[] => profile.faults.filter((f) => allowed === null || allowed.has(f.behaviour));
  const eligible = entries.filter((entry) => faultsOf(entry.profile).length > 0);
  const faulty = sample(eligible, Math.min(eligible.length, Math.round(share * entries.length)), random);
  const expectedFindings: Record<string, string> = {};
  const faultsByBehaviour: Record<string, number> = {};
  // Default-group faults of one load balancer's server share one fault host (the server object is the group member).
  const faultHostOf = new Map<ScenarioBackendServer, { lb: ScenarioLoadBalancer; host: ScenarioInstance; faultyPorts: Set<number> }>();
  const plant = (entry: Entry, ip: string, port: number): void => {
    const fault = pick(faultsOf(entry.profile), random);
    const timeoutMs = effectiveTimeoutMs(entry.profile.healthCheck);
    addEndpoint(endpointFor(ip, port, entry.profile.protocol, fault.behaviour, fault.options?.(timeoutMs, ip), `planted ${fault.code}`));
    expectedFindings[targetKey({ loadBalancerId: entry.lb.LoadBalancerId, listener: { protocol: entry.profile.protocol, port: entry.profile.listenerPort }, backend: { ip, port } })] = fault.code;
    faultsByBehaviour[fault.behaviour] = (faultsByBehaviour[fault.behaviour] ?? 0) + 1;
  };
  for (const entry of faulty) {
    const vpc = vpcs[entry.vpc - 1] as VpcPlan;
    if (entry.profile.group === 'vserver') {
      const n = vpc.faultPorts++;
      const host = vpc.pool[n % vpc.pool.length] as ScenarioInstance;
      entry.server.ServerId = host.instanceId;
      entry.server.Port = FAULT_PORT_BASE + Math.floor(n / vpc.pool.length);
      plant(entry, host.privateIp, entry.server.Port);
      continue;
    }
    let fault = faultHostOf.get(entry.server);
    if (!fault) {
      const n = vpc.faultHosts++;
      const ip = `127.${vpc.index}.${1 + Math.floor(n / FAULT_HOSTS_PER_SUBNET)}.${1 + (n % FAULT_HOSTS_PER_SUBNET)}`;
      const host = instanceOf(vpc, `i-bench-${vpc.index}-fault-${String(n).padStart(4, '0')}`, ip, `fault-${vpc.index}-${n}`);
      instances.push(host);
      fault = { lb: entry.lb, host, faultyPorts: new Set() };
      faultHostOf.set(entry.server, fault);
      // Every default-group entry of this server on this load balancer now points at the fault host.
      entry.server.ServerId = host.instanceId;
    }
    fault.faultyPorts.add(entry.profile.backendPort);
    plant(entry, fault.host.privateIp, entry.profile.backendPort);
  }
  // Fault hosts serve healthy services on the load balancer's other default-group ports.
  for (const fault of faultHostOf.values()) {
    for (const profile of profilesOf.get(fault.lb) ?? []) {
      if (profile.group !== 'default' || fault.faultyPorts.has(profile.backendPort)) continue;
      addEndpoint(endpointFor(fault.host.privateIp, profile.backendPort, profile.protocol, profile.healthy.behaviour, profile.healthy.options));
    }
  }

  const scenario: Scenario = {
    description: `Fleet benchmark: ${count} load balancers in ${VPC_COUNT} VPCs, ${Math.round(share * 100)} % of the backend entries unhealthy (seed ${options.seed ?? DEFAULT_SEED}).`,
    regionId: FLEET_REGION,
    accountId: FLEET_ACCOUNT,
    vpcs: vpcs.map((vpc) => ({ vpcId: vpc.vpcId, cidr: `127.${vpc.index}.0.0/16`, vSwitchId: `vsw-bench-${vpc.index}` })),
    instances,
    securityGroups: vpcs.map((vpc) => ({
      securityGroupId: `sg-bench-${vpc.index}`,
      vpcId: vpc.vpcId,
      rules: [
        { direction: 'ingress', policy: 'accept', priority: 1, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0', description: 'open inside the bench' },
        { direction: 'egress', policy: 'accept', priority: 1, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0' },
      ],
    })),
    endpoints: [...endpoints.values()],
    loadBalancers,
    // Latency and quotas as the issue gives them: 20–50 ms per call, about 3000 calls per 60 s per action.
    api: { latencyMs: [20, 50], quotas: { '*': { calls: 3000, perSeconds: 60 } } },
    healthChecker: { intervalScale: options.intervalScale ?? DEFAULT_INTERVAL_SCALE },
    expectedFindings,
  };

  const listenersByProtocol: Record<Protocol, number> = { http: 0, https: 0, tcp: 0, udp: 0 };
  for (const lb of loadBalancers) for (const listener of lb.Listeners) listenersByProtocol[listener.ListenerProtocol]++;
  return {
    scenario,
    shape: {
      loadBalancers: count,
      listeners: Object.values(listenersByProtocol).reduce((a, b) => a + b, 0),
      listenersByProtocol,
      vServerGroups: loadBalancers.reduce((n, lb) => n + (lb.VServerGroups?.length ?? 0), 0),
      backendEntries: entries.length,
      unhealthyEntries: Object.keys(expectedFindings).length,
      instances: instances.length,
      endpoints: endpoints.size,
      faultsByBehaviour,
    },
  };
}
