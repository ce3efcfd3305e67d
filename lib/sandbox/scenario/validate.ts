// Validating a scenario: first its one schema (schema.ts: shapes, ranges, each field's own value), then the checks
// that look across fields over the typed value (ids referenced and duplicated, addresses that clash, fields that
// depend on another field). Either way the first problem becomes ONE ScenarioError naming the exact field path, e.g.
// `loadBalancers[2].Listeners[0].ListenerPort: must be an integer 1-65535`.
// It returns a fresh copy holding only validated fields; defaults are NOT applied (omitted health-check fields keep
// meaning "SLB's default", see health-check.ts).
import * as v from 'valibot';
import { cidrContains, cidrsOverlap, parseCidr, parseIpv4, type Ipv4Cidr } from './ipv4';
import { BEHAVIOUR_PROTOCOLS, FINDING_KEY, scenarioSchema } from './schema';
import type {
  Scenario,
  ScenarioAccessKey,
  ScenarioApiFault,
  ScenarioBackendServer,
  ScenarioEndpoint,
  ScenarioHealthCheck,
  ScenarioHostFirewall,
  ScenarioInstance,
  ScenarioListener,
  ScenarioLoadBalancer,
  ScenarioSecurityGroupRule,
  ScenarioVpc,
} from './types';
import { FirewallRuleError, parseIpsetSave, parseIptablesSave } from '../hosts/iptables';

export class ScenarioError extends Error {
  constructor(
    /** The offending field's path, e.g. `loadBalancers[2].Listeners[0].ListenerPort` ('' for the whole scenario). */
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${field}: ${problem}` : problem);
    this.name = 'ScenarioError';
  }
}

export function validateScenario(input: unknown): Scenario {
  const result = v.safeParse(scenarioSchema, input, { abortPipeEarly: true });
  if (!result.success) throw errorOf(firstIssue(result.issues));
  crossCheck(result.output);
  return result.output;
}

// ---------------------------------------------------------------------------------------------------------------
// Schema issues → one ScenarioError

type Issue = v.BaseIssue<unknown>;
type PathItem = NonNullable<Issue['path']>[number];

function isKeyIssue(issue: Issue): boolean {
  const last = issue.path?.at(-1);
  return issue.type === 'strict_object' && last?.origin === 'key';
}

/**
 * The problem a reader fixes first: valibot checks an object's fields before its unknown keys, but a misspelt key
 * (`behavior`) explains the "missing" field that follows from it, so an unknown key of the same or an enclosing
 * object wins.
 */
function firstIssue(issues: readonly [Issue, ...Issue[]]): Issue {
  const first = issues[0];
  const firstPath = first.path ?? [];
  const enclosing = issues.filter((issue) => {
    if (!isKeyIssue(issue) || issue.expected !== 'never') return false;
    const parent = (issue.path ?? []).slice(0, -1);
    return parent.length < firstPath.length && parent.every((item, index) => item.key === firstPath[index]?.key);
  });
  enclosing.sort((a, b) => (a.path?.length ?? 0) - (b.path?.length ?? 0));
  return enclosing[0] ?? first;
}

function pathOf(items: readonly PathItem[]): string {
  let path = '';
  for (const { key } of items) {
    if (typeof key === 'number') path += `[${key}]`;
    // Keys that are not names (finding keys, "slb:*" quota keys) are quoted, as in JavaScript.
    else if (typeof key === 'string') path += /^[A-Za-z_$][\w$]*$/.test(key) ? `${path === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
  }
  return path;
}

function errorOf(issue: Issue): ScenarioError {
  const items = issue.path ?? [];
  // valibot takes an array for an object (its keys "0", "1" … are then unknown); say what it is instead.
  if (isKeyIssue(issue) && Array.isArray(items.at(-1)?.input)) return new ScenarioError(pathOf(items.slice(0, -1)), 'must be an object');
  return new ScenarioError(pathOf(items), issue.message);
}

// ---------------------------------------------------------------------------------------------------------------
// The second pass: checks across fields, over the typed scenario. Each throws ScenarioError naming the field path.

function fail(field: string, problem: string): never {
  throw new ScenarioError(field, problem);
}

/** Remembers where each id was first seen, so a duplicate names both places. */
class IdRegistry {
  private readonly seen = new Map<string, string>();
  constructor(private readonly kind: string) {}
  add(id: string, path: string): void {
    const first = this.seen.get(id);
    if (first !== undefined) fail(path, `duplicate ${this.kind} '${id}' (first at ${first})`);
    this.seen.set(id, path);
  }
}

interface VpcInfo {
  vpc: ScenarioVpc;
  cidr: Ipv4Cidr;
}

interface Context {
  vpcs: Map<string, VpcInfo>;
  securityGroups: Map<string, { vpcId: string }>;
  instances: Map<string, ScenarioInstance>;
}

function crossCheck(scenario: Scenario): void {
  const context: Context = { vpcs: checkVpcs(scenario.vpcs), securityGroups: new Map(), instances: new Map() };
  const groupIds = new IdRegistry('securityGroupId');
  scenario.securityGroups.forEach((group, index) => {
    const path = `securityGroups[${index}]`;
    groupIds.add(group.securityGroupId, `${path}.securityGroupId`);
    vpcRef(group.vpcId, `${path}.vpcId`, context);
    group.rules.forEach((rule, ruleIndex) => checkSecurityGroupRule(rule, `${path}.rules[${ruleIndex}]`));
    context.securityGroups.set(group.securityGroupId, group);
  });
  checkInstances(scenario.instances, context);
  checkEndpoints(scenario.endpoints);
  checkLoadBalancers(scenario.loadBalancers, context);
  if (scenario.api !== undefined) {
    const latency = scenario.api.latencyMs;
    if (latency !== undefined && latency[0] > latency[1]) fail('api.latencyMs', 'min must not exceed max');
    const knownLbs = new Set(scenario.loadBalancers.map((lb) => lb.LoadBalancerId));
    scenario.api.faults?.forEach((fault, index) => checkFault(fault, `api.faults[${index}]`, knownLbs));
    const keyIds = new IdRegistry('accessKeyId');
    scenario.api.accessKeys?.forEach((key, index) => {
      keyIds.add(key.accessKeyId, `api.accessKeys[${index}].accessKeyId`);
      checkAccessKey(key, `api.accessKeys[${index}]`);
    });
  }
  if (scenario.expectedFindings !== undefined) checkExpectedFindings(scenario.expectedFindings, scenario.loadBalancers, context);
  if (scenario.expectedOnHostFindings !== undefined) checkExpectedFindings(scenario.expectedOnHostFindings, scenario.loadBalancers, context, 'expectedOnHostFindings');
  scenario.instances.forEach((instance, index) => {
    if (instance.host?.firewall) checkHostFirewall(instance.host.firewall, `instances[${index}].host.firewall`);
  });
}

/** The declared rules are evaluated once here: a rule the sandbox cannot evaluate is named now, not at start. */
function checkHostFirewall(firewall: ScenarioHostFirewall, path: string): void {
  try {
    parseIptablesSave(firewall.iptables ?? '', parseIpsetSave(firewall.ipset ?? ''));
  } catch (err) {
    if (err instanceof FirewallRuleError) fail(`${path}.${err.message.startsWith('ipset') ? 'ipset' : 'iptables'}`, err.message);
    throw err;
  }
}

function checkVpcs(vpcs: ScenarioVpc[]): Map<string, VpcInfo> {
  const ids = new IdRegistry('vpcId');
  const vSwitchIds = new IdRegistry('vSwitchId');
  const infos: VpcInfo[] = [];
  vpcs.forEach((vpc, index) => {
    const path = `vpcs[${index}]`;
    ids.add(vpc.vpcId, `${path}.vpcId`);
    const cidr = parseCidr(vpc.cidr) as Ipv4Cidr; // the schema checked it parses
    infos.forEach((other, otherIndex) => {
      if (cidrsOverlap(cidr, other.cidr)) fail(`${path}.cidr`, `${vpc.cidr} overlaps vpcs[${otherIndex}].cidr ${other.vpc.cidr}`);
    });
    vSwitchIds.add(vpc.vSwitchId, `${path}.vSwitchId`);
    infos.push({ vpc, cidr });
  });
  return new Map(infos.map((info) => [info.vpc.vpcId, info]));
}

function vpcRef(vpcId: string, path: string, context: Context): VpcInfo {
  const info = context.vpcs.get(vpcId);
  if (!info) fail(path, `unknown VPC '${vpcId}' (not in vpcs)`);
  return info;
}

function checkSecurityGroupRule(rule: ScenarioSecurityGroupRule, path: string): void {
  const { ipProtocol, portRange } = rule;
  if (ipProtocol === 'TCP' || ipProtocol === 'UDP') {
    const match = /^([0-9]{1,5})\/([0-9]{1,5})$/.exec(portRange);
    const from = match ? Number(match[1]) : NaN;
    const to = match ? Number(match[2]) : NaN;
    if (!(from >= 1 && to <= 65535 && from <= to)) fail(`${path}.portRange`, `must be "from/to" with 1 <= from <= to <= 65535 for ${ipProtocol}`);
  } else if (portRange !== '-1/-1') {
    fail(`${path}.portRange`, `must be "-1/-1" for ${ipProtocol}`);
  }
}

function checkInstances(instances: ScenarioInstance[], context: Context): void {
  const ids = new IdRegistry('instanceId');
  const addresses = new IdRegistry('privateIp');
  instances.forEach((instance, index) => {
    const path = `instances[${index}]`;
    ids.add(instance.instanceId, `${path}.instanceId`);
    const vpc = vpcRef(instance.vpcId, `${path}.vpcId`, context);
    inVpc(instance.privateIp, `${path}.privateIp`, vpc);
    addresses.add(instance.privateIp, `${path}.privateIp`);
    instance.securityGroupIds.forEach((id, groupIndex) => {
      const groupPath = `${path}.securityGroupIds[${groupIndex}]`;
      const group = context.securityGroups.get(id);
      if (!group) fail(groupPath, `unknown security group '${id}' (not in securityGroups)`);
      if (group.vpcId !== vpc.vpc.vpcId) fail(groupPath, `security group '${id}' belongs to ${group.vpcId}, not to the instance's VPC ${vpc.vpc.vpcId}`);
    });
    context.instances.set(instance.instanceId, instance);
  });
}

function inVpc(ip: string, path: string, vpc: VpcInfo): void {
  if (!cidrContains(vpc.cidr, parseIpv4(ip) ?? -1)) fail(path, `${ip} is not inside ${vpc.vpc.vpcId}'s cidr ${vpc.vpc.cidr}`);
}

function checkEndpoints(endpoints: ScenarioEndpoint[]): void {
  const sockets = new IdRegistry('endpoint');
  const udpBehaviours = Object.entries(BEHAVIOUR_PROTOCOLS).flatMap(([name, protocol]) => (protocol === 'udp' ? [name] : []));
  endpoints.forEach((endpoint, index) => {
    const path = `endpoints[${index}]`;
    sockets.add(`${endpoint.protocol ?? 'tcp'} ${endpoint.ip}:${endpoint.port}`, path);
    if ('external' in endpoint) return;
    const { behaviour, protocol } = endpoint;
    const udpBehaviour = BEHAVIOUR_PROTOCOLS[behaviour] === 'udp';
    if (udpBehaviour && protocol !== 'udp') fail(`${path}.behaviour`, `'${behaviour}' is a UDP behaviour: set protocol to "udp"`);
    if (!udpBehaviour && protocol === 'udp') fail(`${path}.behaviour`, `'${behaviour}' is a TCP behaviour; UDP endpoints use ${udpBehaviours.join(', ')}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Load balancers

function checkLoadBalancers(loadBalancers: ScenarioLoadBalancer[], context: Context): void {
  const lbIds = new IdRegistry('LoadBalancerId');
  const vServerGroupIds = new IdRegistry('VServerGroupId');
  const masterSlaveGroupIds = new IdRegistry('MasterSlaveServerGroupId');
  loadBalancers.forEach((lb, index) => {
    const path = `loadBalancers[${index}]`;
    lbIds.add(lb.LoadBalancerId, `${path}.LoadBalancerId`);
    const vpc = vpcRef(lb.VpcId, `${path}.VpcId`, context);
    if (lb.VSwitchId !== undefined && lb.VSwitchId !== vpc.vpc.vSwitchId) {
      fail(`${path}.VSwitchId`, `'${lb.VSwitchId}' is not the vSwitch of ${vpc.vpc.vpcId} (${vpc.vpc.vSwitchId})`);
    }
    if (lb.Address !== undefined) inVpc(lb.Address, `${path}.Address`, vpc);
    const serverRef = (serverId: string, serverPath: string): void => {
      const instance = context.instances.get(serverId);
      if (!instance) fail(serverPath, `unknown instance '${serverId}' (not in instances)`);
      if (instance.vpcId !== vpc.vpc.vpcId) fail(serverPath, `instance '${serverId}' is in ${instance.vpcId}, not in the load balancer's VPC ${vpc.vpc.vpcId}`);
    };
    if (lb.BackendServers !== undefined) checkServers(lb.BackendServers, `${path}.BackendServers`, 'default', serverRef);
    lb.VServerGroups?.forEach((group, groupIndex) => {
      const groupPath = `${path}.VServerGroups[${groupIndex}]`;
      vServerGroupIds.add(group.VServerGroupId, `${groupPath}.VServerGroupId`);
      checkServers(group.BackendServers, `${groupPath}.BackendServers`, 'vserver', serverRef);
    });
    lb.MasterSlaveServerGroups?.forEach((group, groupIndex) => {
      const groupPath = `${path}.MasterSlaveServerGroups[${groupIndex}]`;
      masterSlaveGroupIds.add(group.MasterSlaveServerGroupId, `${groupPath}.MasterSlaveServerGroupId`);
      checkServers(group.BackendServers, `${groupPath}.BackendServers`, 'master-slave', serverRef);
      const masters = group.BackendServers.filter((server) => server.ServerType === 'Master').length;
      if (masters !== 1 || group.BackendServers.length > 2) fail(`${groupPath}.BackendServers`, 'a master-slave group holds exactly one Master and at most one Slave');
    });

    const groups = {
      vServer: new Set((lb.VServerGroups ?? []).map((group) => group.VServerGroupId)),
      masterSlave: new Set((lb.MasterSlaveServerGroups ?? []).map((group) => group.MasterSlaveServerGroupId)),
    };
    const portOwners = new Map<string, string>();
    lb.Listeners.forEach((listener, listenerIndex) => {
      const listenerPath = `${path}.Listeners[${listenerIndex}]`;
      checkListener(listener, listenerPath, groups);
      // TCP, HTTP and HTTPS listeners share the TCP port space; a UDP listener may reuse a TCP listener's port.
      const family = `${listener.ListenerProtocol === 'udp' ? 'udp' : 'tcp'}:${listener.ListenerPort}`;
      const owner = portOwners.get(family);
      if (owner !== undefined) fail(`${listenerPath}.ListenerPort`, `port ${listener.ListenerPort} is already used by ${owner}`);
      portOwners.set(family, `${listenerPath} (${listener.ListenerProtocol})`);
    });
  });
}

function checkServers(
  servers: ScenarioBackendServer[],
  path: string,
  group: 'default' | 'vserver' | 'master-slave',
  serverRef: (serverId: string, path: string) => void,
): void {
  const members = new IdRegistry('backend server');
  servers.forEach((server, index) => {
    const serverPath = `${path}[${index}]`;
    serverRef(server.ServerId, `${serverPath}.ServerId`);
    if (group === 'default') {
      if (server.Port !== undefined) fail(`${serverPath}.Port`, "the default server group has no per-server port (the listener's BackendServerPort is used)");
    } else if (server.Port === undefined) {
      fail(`${serverPath}.Port`, 'is required');
    }
    if (group === 'master-slave') {
      if (server.ServerType === undefined) fail(`${serverPath}.ServerType`, 'is required');
    } else if (server.ServerType !== undefined) {
      fail(`${serverPath}.ServerType`, 'only servers of a master-slave group have a ServerType');
    }
    members.add(`${server.ServerId}:${server.Port ?? 'default'}`, serverPath);
  });
}

function checkListener(listener: ScenarioListener, path: string, groups: { vServer: Set<string>; masterSlave: Set<string> }): void {
  const { VServerGroupId, MasterSlaveServerGroupId, ListenerProtocol } = listener;
  if (VServerGroupId !== undefined && !groups.vServer.has(VServerGroupId)) {
    fail(`${path}.VServerGroupId`, `unknown VServer group '${VServerGroupId}' (not in this load balancer's VServerGroups)`);
  }
  if (MasterSlaveServerGroupId !== undefined) {
    const msPath = `${path}.MasterSlaveServerGroupId`;
    if (ListenerProtocol !== 'tcp' && ListenerProtocol !== 'udp') fail(msPath, 'only TCP and UDP listeners can use a master-slave server group');
    if (!groups.masterSlave.has(MasterSlaveServerGroupId)) {
      fail(msPath, `unknown master-slave group '${MasterSlaveServerGroupId}' (not in this load balancer's MasterSlaveServerGroups)`);
    }
  }
  if (VServerGroupId !== undefined && MasterSlaveServerGroupId !== undefined) {
    fail(path, 'a listener uses either VServerGroupId or MasterSlaveServerGroupId, not both');
  }
  const grouped = VServerGroupId !== undefined || MasterSlaveServerGroupId !== undefined;
  if (grouped && listener.BackendServerPort !== undefined) {
    fail(`${path}.BackendServerPort`, "must be omitted when the listener uses a server group (the group's servers carry their ports)");
  }
  if (!grouped && listener.BackendServerPort === undefined) {
    fail(`${path}.BackendServerPort`, 'is required when the listener has no VServerGroupId or MasterSlaveServerGroupId');
  }
  if (listener.healthCheck !== undefined) checkHealthCheck(listener.healthCheck, `${path}.healthCheck`, ListenerProtocol);
}

const COMMON_CHECK_FIELDS = ['HealthCheck', 'HealthCheckConnectPort', 'HealthCheckInterval', 'HealthyThreshold', 'UnhealthyThreshold'] as const;
const HTTP_CHECK_FIELDS = ['HealthCheckDomain', 'HealthCheckURI', 'HealthCheckHttpCode', 'HealthCheckMethod'] as const;
type CheckField = keyof ScenarioHealthCheck;
/** The health-check fields SLB has for each listener protocol (the schema knows the union of them). */
const CHECK_FIELDS_BY_PROTOCOL: Record<ScenarioListener['ListenerProtocol'], readonly CheckField[]> = {
  http: [...COMMON_CHECK_FIELDS, ...HTTP_CHECK_FIELDS, 'HealthCheckType', 'HealthCheckHttpVersion', 'HealthCheckTimeout'],
  https: [...COMMON_CHECK_FIELDS, ...HTTP_CHECK_FIELDS, 'HealthCheckType', 'HealthCheckHttpVersion', 'HealthCheckTimeout'],
  tcp: [...COMMON_CHECK_FIELDS, ...HTTP_CHECK_FIELDS, 'HealthCheckType', 'HealthCheckConnectTimeout'],
  udp: [...COMMON_CHECK_FIELDS, 'HealthCheckConnectTimeout', 'HealthCheckReq', 'HealthCheckExp'],
};

function wrongProtocolHint(key: CheckField): string {
  if (key === 'HealthCheckTimeout') return 'TCP and UDP listeners use HealthCheckConnectTimeout';
  if (key === 'HealthCheckConnectTimeout') return 'HTTP and HTTPS listeners use HealthCheckTimeout';
  if (key === 'HealthCheckHttpVersion') return 'only HTTP and HTTPS listeners have HealthCheckHttpVersion';
  if (key === 'HealthCheckReq' || key === 'HealthCheckExp') return 'only UDP listeners have HealthCheckReq/HealthCheckExp';
  return 'a UDP listener has a UDP check'; // the only protocol left without HTTP check fields
}

function checkHealthCheck(check: ScenarioHealthCheck, path: string, protocol: ScenarioListener['ListenerProtocol']): void {
  const allowed = CHECK_FIELDS_BY_PROTOCOL[protocol];
  for (const key of Object.keys(check) as CheckField[]) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown field (${wrongProtocolHint(key)})`);
  }
  const layer7 = protocol === 'http' || protocol === 'https';
  if (layer7 && check.HealthCheckType === 'tcp') fail(`${path}.HealthCheckType`, 'must be one of: http');
  if (protocol === 'tcp' && check.HealthCheckType === 'tcp') {
    const httpOnly = HTTP_CHECK_FIELDS.find((key) => check[key] !== undefined);
    if (httpOnly) fail(`${path}.${httpOnly}`, 'only applies to an HTTP check (set HealthCheckType to "http")');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// API settings and expected findings

function checkFault(fault: ScenarioApiFault, path: string, knownLbs: Set<string>): void {
  fault.loadBalancerIds?.forEach((id, index) => {
    if (!knownLbs.has(id)) fail(`${path}.loadBalancerIds[${index}]`, `unknown load balancer '${id}' (not in loadBalancers)`);
  });
  if (fault.latencyMs !== undefined && fault.kind !== 'latency') fail(`${path}.latencyMs`, 'only applies to kind "latency"');
  if (fault.latencyMs === undefined && fault.kind === 'latency') fail(`${path}.latencyMs`, 'is required for kind "latency"');
  if (fault.variant !== undefined && fault.kind !== 'malformed-body') fail(`${path}.variant`, 'only applies to kind "malformed-body"');
}

function checkAccessKey(key: ScenarioAccessKey, path: string): void {
  const temporary = key.accessKeyId.startsWith('STS.');
  if (temporary && key.securityToken === undefined) fail(`${path}.securityToken`, 'is required for an STS key (accessKeyId starting "STS.")');
  if (!temporary && key.securityToken !== undefined) fail(`${path}.securityToken`, 'only STS keys (accessKeyId starting "STS.") have a security token');
  if (!temporary && key.expired !== undefined) fail(`${path}.expired`, 'only STS keys expire');
}

function checkExpectedFindings(findings: Record<string, string>, loadBalancers: ScenarioLoadBalancer[], context: Context, field = 'expectedFindings'): void {
  for (const key of Object.keys(findings)) {
    const keyPath = `${field}[${JSON.stringify(key)}]`;
    const [, lbId, protocol, port, ip, backendPort] = FINDING_KEY.exec(key) as RegExpExecArray; // the schema checked the key
    const lb = loadBalancers.find((candidate) => candidate.LoadBalancerId === lbId);
    if (!lb) fail(keyPath, `unknown load balancer '${lbId}'`);
    const listener = lb.Listeners.find((candidate) => candidate.ListenerProtocol === protocol && candidate.ListenerPort === Number(port));
    if (!listener) fail(keyPath, `load balancer '${lbId}' has no ${protocol}:${port} listener`);
    const backends = listenerBackendAddresses(lb, listener, context);
    if (!backends.includes(`${ip}:${backendPort}`)) {
      fail(keyPath, `${ip}:${backendPort} is not a backend of that listener (its backends: ${backends.join(', ') || 'none'})`);
    }
  }
}

/** "ip:port" of every server a listener forwards to. */
function listenerBackendAddresses(lb: ScenarioLoadBalancer, listener: ScenarioListener, context: Context): string[] {
  const address = (server: ScenarioBackendServer, port: number | undefined): string => `${context.instances.get(server.ServerId)?.privateIp}:${port}`;
  if (listener.VServerGroupId !== undefined) {
    const group = lb.VServerGroups?.find((candidate) => candidate.VServerGroupId === listener.VServerGroupId);
    return (group?.BackendServers ?? []).map((server) => address(server, server.Port));
  }
  if (listener.MasterSlaveServerGroupId !== undefined) {
    const group = lb.MasterSlaveServerGroups?.find((candidate) => candidate.MasterSlaveServerGroupId === listener.MasterSlaveServerGroupId);
    return (group?.BackendServers ?? []).map((server) => address(server, server.Port));
  }
  return (lb.BackendServers ?? []).map((server) => address(server, listener.BackendServerPort));
}
