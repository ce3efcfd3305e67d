// Turns the scenario into what SLB's health checker does for each listener × backend: which check, which bytes, which
// timing. Defaults are SLB's documented ones (docs: CLB "Configure health checks", CreateLoadBalancer*Listener).
import type {
  Scenario,
  ScenarioBackendServer,
  ScenarioHealthCheck,
  ScenarioInstance,
  ScenarioListener,
  ScenarioLoadBalancer,
} from '../scenario/types';

export type HealthStatus = 'normal' | 'abnormal' | 'unavailable';

/** Exactly what goes on the wire. Two checks with equal probes share one attempt within an interval. */
export interface ProbeSpec {
  kind: 'tcp' | 'http' | 'udp';
  ip: string;
  port: number;
  /** The wait for the whole attempt: max(timeout, interval), as SLB documents. */
  timeoutMs: number;
  /** The HTTP request bytes, or the UDP payload; empty for TCP. */
  payload: string;
}

export interface CheckPlan {
  key: string;
  probe: ProbeSpec;
  /** HTTP: accepted status classes, e.g. [2, 3] for http_2xx,http_3xx. */
  acceptedClasses: number[];
  /** UDP: a reply must contain this (HealthCheckExp); without it, silence is healthy. */
  expect?: string;
  /** Set when the backend instance is not running: nothing at its address can answer, so every check fails. */
  instanceDown?: string;
  /** Scaled by the scenario's intervalScale. */
  intervalMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** One line a person can read, e.g. `HTTP HEAD / HTTP/1.0 Host 127.0.0.11 → 127.0.0.11:80, timeout 5 s, every 2 s, 3/3`. */
  description: string;
}

export type PlannedPair = { key: string; check: CheckPlan } | { key: string; notChecked: string };

/** A scenario health-check setting that SLB itself would reject, or a backend that cannot be resolved. */
export class HealthCheckConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthCheckConfigError';
  }
}

export const DEFAULT_SOURCE_IPS: readonly string[] = Array.from({ length: 8 }, (_, index) => `127.100.64.${index + 1}`);
/** Sent to UDP backends when the listener has no HealthCheckReq (SLB's own default payload is undocumented). */
export const DEFAULT_UDP_PAYLOAD = 'slb-health-check';
const DEFAULT_HTTP_CODES = 'http_2xx,http_3xx';
const TCP_CHECK_USER_AGENT = 'KeepAliveClient';

export function planChecks(scenario: Scenario): PlannedPair[] {
  const intervalScale = scenario.healthChecker?.intervalScale ?? 1;
  if (!(Number.isFinite(intervalScale) && intervalScale > 0)) {
    throw new HealthCheckConfigError(`healthChecker.intervalScale must be a positive number, got ${String(intervalScale)}`);
  }
  const instances = new Map(scenario.instances.map((instance) => [instance.instanceId, instance]));
  const pairs: PlannedPair[] = [];
  const seen = new Set<string>();
  for (const loadBalancer of scenario.loadBalancers) {
    for (const listener of loadBalancer.Listeners) {
      const where = `${loadBalancer.LoadBalancerId} ${listener.ListenerProtocol}:${listener.ListenerPort}`;
      const settings = listener.healthCheck ?? {};
      const skipReason = notCheckedReason(loadBalancer, listener, settings);
      for (const server of listenerServers(loadBalancer, listener, where)) {
        const instance = instances.get(server.ServerId);
        if (!instance) {
          throw new HealthCheckConfigError(`${where}: backend server ${server.ServerId} is not in scenario.instances; add the instance or remove the backend`);
        }
        const backendPort = server.Port ?? listener.BackendServerPort;
        if (backendPort === undefined) {
          throw new HealthCheckConfigError(`${where}: backend ${server.ServerId} has no port; set the listener's BackendServerPort or the server's Port`);
        }
        const key = `${loadBalancer.LoadBalancerId}/${listener.ListenerProtocol}:${listener.ListenerPort}/${instance.privateIp}:${backendPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push(
          skipReason
            ? { key, notChecked: skipReason }
            : { key, check: planOne(key, where, listener, settings, instance, backendPort, intervalScale) },
        );
      }
    }
  }
  return pairs;
}

function notCheckedReason(loadBalancer: ScenarioLoadBalancer, listener: ScenarioListener, settings: ScenarioHealthCheck): string | undefined {
  if (loadBalancer.LoadBalancerStatus === 'inactive') return 'load balancer is inactive';
  if (listener.Status === 'stopped') return 'listener is stopped';
  if (settings.HealthCheck === 'off') return 'health check is off';
  return undefined;
}

function listenerServers(loadBalancer: ScenarioLoadBalancer, listener: ScenarioListener, where: string): ScenarioBackendServer[] {
  if (listener.VServerGroupId) {
    const group = loadBalancer.VServerGroups?.find((candidate) => candidate.VServerGroupId === listener.VServerGroupId);
    if (!group) throw new HealthCheckConfigError(`${where}: VServerGroupId ${listener.VServerGroupId} is not a VServer group of this load balancer`);
    return group.BackendServers;
  }
  if (listener.MasterSlaveServerGroupId) {
    const group = loadBalancer.MasterSlaveServerGroups?.find(
      (candidate) => candidate.MasterSlaveServerGroupId === listener.MasterSlaveServerGroupId,
    );
    if (!group) {
      throw new HealthCheckConfigError(`${where}: MasterSlaveServerGroupId ${listener.MasterSlaveServerGroupId} is not a master-slave group of this load balancer`);
    }
    return group.BackendServers;
  }
  return loadBalancer.BackendServers ?? [];
}

function planOne(
  key: string,
  where: string,
  listener: ScenarioListener,
  settings: ScenarioHealthCheck,
  instance: ScenarioInstance,
  backendPort: number,
  intervalScale: number,
): CheckPlan {
  const protocol = listener.ListenerProtocol;
  const isUdp = protocol === 'udp';
  const isLayer7 = protocol === 'http' || protocol === 'https';
  const kind: ProbeSpec['kind'] = isUdp ? 'udp' : isLayer7 || settings.HealthCheckType === 'http' || settings.HealthCheckURI ? 'http' : 'tcp';
  const intervalS = seconds(where, 'HealthCheckInterval', settings.HealthCheckInterval, isUdp ? 5 : 2);
  const timeoutS = isLayer7
    ? seconds(where, 'HealthCheckTimeout', settings.HealthCheckTimeout, 5)
    : seconds(where, 'HealthCheckConnectTimeout', settings.HealthCheckConnectTimeout, isUdp ? 10 : 5);
  const timeoutMs = Math.round(Math.max(timeoutS, intervalS) * 1000);
  const port = settings.HealthCheckConnectPort ?? backendPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HealthCheckConfigError(`${where}: HealthCheckConnectPort must be 1–65535, got ${String(port)}`);
  }
  const healthyThreshold = threshold(where, 'HealthyThreshold', settings.HealthyThreshold);
  const unhealthyThreshold = threshold(where, 'UnhealthyThreshold', settings.UnhealthyThreshold);
  const timing = `timeout ${timeoutMs / 1000} s, every ${intervalS} s, thresholds ${healthyThreshold}/${unhealthyThreshold}`;
  const ip = instance.privateIp;
  const base = {
    key,
    intervalMs: Math.max(1, Math.round(intervalS * 1000 * intervalScale)),
    healthyThreshold,
    unhealthyThreshold,
    acceptedClasses: [] as number[],
    ...(instance.status === 'Running' ? {} : { instanceDown: `instance ${instance.instanceId} is ${instance.status}: nothing answers at ${ip}` }),
  };
  if (kind === 'tcp') {
    return { ...base, probe: { kind, ip, port, timeoutMs, payload: '' }, description: `TCP connect → ${ip}:${port}, ${timing}` };
  }
  if (kind === 'udp') {
    const payload = udpString(where, 'HealthCheckReq', settings.HealthCheckReq) ?? DEFAULT_UDP_PAYLOAD;
    const expect = udpString(where, 'HealthCheckExp', settings.HealthCheckExp);
    return {
      ...base,
      probe: { kind, ip, port, timeoutMs, payload },
      ...(expect === undefined ? {} : { expect }),
      description: `UDP "${payload}" → ${ip}:${port}${expect === undefined ? ', silence is healthy' : `, expect "${expect}"`}, ${timing}`,
    };
  }
  const method = (settings.HealthCheckMethod ?? (isLayer7 ? 'head' : 'get')).toUpperCase();
  const path = settings.HealthCheckURI ?? '/';
  if (!/^\/[\x21-\x7e]{0,79}$/.test(path)) {
    throw new HealthCheckConfigError(`${where}: HealthCheckURI must start with "/" and hold at most 80 visible characters, got "${path}"`);
  }
  const domain = settings.HealthCheckDomain?.trim();
  if (domain && domain !== '$_ip' && !/^[A-Za-z0-9.-]{1,80}$/.test(domain)) {
    throw new HealthCheckConfigError(`${where}: HealthCheckDomain must be $_ip or a domain of 1–80 letters, digits, dots and hyphens, got "${domain}"`);
  }
  const host = !domain || domain === '$_ip' ? ip : domain;
  const version = settings.HealthCheckHttpVersion === 'http1.1' ? 'HTTP/1.1' : 'HTTP/1.0';
  const headers = [`Host: ${host}`];
  if (!isLayer7) headers.push(`User-Agent: ${TCP_CHECK_USER_AGENT}`);
  if (version === 'HTTP/1.1') headers.push('Connection: close');
  const codes = settings.HealthCheckHttpCode ?? DEFAULT_HTTP_CODES;
  return {
    ...base,
    acceptedClasses: httpCodeClasses(where, codes),
    probe: { kind, ip, port, timeoutMs, payload: `${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n` },
    description: `HTTP ${method} ${path} ${version} Host ${host}${isLayer7 ? '' : ` UA ${TCP_CHECK_USER_AGENT}`} → ${ip}:${port}, codes ${codes}, ${timing}`,
  };
}

/** A positive number of seconds; the sandbox accepts fractions so tests can run fast. */
function seconds(where: string, name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!(Number.isFinite(chosen) && chosen > 0 && chosen <= 300)) {
    throw new HealthCheckConfigError(`${where}: ${name} must be a number of seconds in (0, 300], got ${String(value)}`);
  }
  return chosen;
}

// Thresholds are 2–10 and UDP HealthCheckReq/HealthCheckExp 1–64 characters, per the current CreateLoadBalancer*Listener
// parameter tables (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/developer-reference/api-slb-2014-05-15-createloadbalancerudplistener).
function threshold(where: string, name: string, value: number | undefined): number {
  const chosen = value ?? 3;
  if (!Number.isInteger(chosen) || chosen < 2 || chosen > 10) {
    throw new HealthCheckConfigError(`${where}: ${name} must be a whole number 2–10, got ${String(value)}`);
  }
  return chosen;
}

function udpString(where: string, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length < 1 || value.length > 64) throw new HealthCheckConfigError(`${where}: ${name} must be 1–64 characters`);
  return value;
}

function httpCodeClasses(where: string, codes: string): number[] {
  const classes = new Set<number>();
  for (const token of codes.split(',').map((part) => part.trim())) {
    const match = /^http_([2-5])xx$/.exec(token);
    if (!match) {
      throw new HealthCheckConfigError(`${where}: HealthCheckHttpCode must be a comma list of http_2xx, http_3xx, http_4xx, http_5xx, got "${codes}"`);
    }
    classes.add(Number(match[1]));
  }
  return [...classes].sort();
}
