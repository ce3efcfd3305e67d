// The scenario validator: hand-rolled so every problem becomes ONE error naming the exact field path
// (e.g. `loadBalancers[2].Listeners[0].ListenerPort: must be an integer 1-65535`), cross references included.
// It returns a fresh copy holding only validated fields; defaults are NOT applied (omitted health-check fields keep
// meaning "SLB's default", see health-check.ts).

import {
  HEALTH_CHECK_SOURCE,
  LOOPBACK,
  cidrContains,
  cidrWithin,
  cidrsOverlap,
  parseCidr,
  parseIpv4,
  type Ipv4Cidr,
} from './ipv4';
import type {
  BehaviourName,
  BehaviourOptions,
  Scenario,
  ScenarioAccessKey,
  ScenarioApiFault,
  ScenarioApiSettings,
  ScenarioBackendServer,
  ScenarioEndpoint,
  ScenarioHealthCheck,
  ScenarioHealthCheckerSettings,
  ScenarioHost,
  ScenarioInstance,
  ScenarioListener,
  ScenarioLoadBalancer,
  ScenarioSecurityGroup,
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

/** Every behaviour with the protocol it serves; a Record so that a behaviour added to types.ts must be added here. */
const BEHAVIOUR_PROTOCOLS: Record<BehaviourName, 'tcp' | 'udp'> = {
  healthy: 'tcp',
  'not-found': 'tcp',
  refused: 'tcp',
  blackhole: 'tcp',
  reset: 'tcp',
  'close-silently': 'tcp',
  hang: 'tcp',
  slow: 'tcp',
  'head-refused': 'tcp',
  'head-hangs': 'tcp',
  'default-server': 'tcp',
  'needs-host': 'tcp',
  redirect: 'tcp',
  status: 'tcp',
  'tls-only': 'tcp',
  trickle: 'tcp',
  'endless-headers': 'tcp',
  garbage: 'tcp',
  flapping: 'tcp',
  'slb-source-blocked': 'tcp',
  'udp-echo': 'udp',
  'udp-silent': 'udp',
  'udp-closed': 'udp',
};
const ALL_BEHAVIOURS = Object.keys(BEHAVIOUR_PROTOCOLS) as BehaviourName[];
const UDP_BEHAVIOURS = ALL_BEHAVIOURS.filter((name) => BEHAVIOUR_PROTOCOLS[name] === 'udp');

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ID_RULE = '1-128 letters, digits, ".", "_" or "-"';

/** Field names people (and the SLB Set* actions) use that the Describe API names differently. */
const KNOWN_TRAPS: Record<string, string> = {
  HealthCheckSwitch: 'the Describe API names it HealthCheck',
  healthCheckReq: 'the Describe API names it HealthCheckReq',
  healthCheckExp: 'the Describe API names it HealthCheckExp',
  HealthCheckHttpCodes: 'the API names it HealthCheckHttpCode',
};

// ---------------------------------------------------------------------------------------------------------------
// Small typed readers. Each throws ScenarioError naming the field path.

type Fields = Record<string, unknown>;

function fail(field: string, problem: string): never {
  throw new ScenarioError(field, problem);
}

function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function objectAt(value: unknown, path: string, allowed: readonly string[], extraHint?: (key: string) => string | undefined): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  const fields = value as Fields;
  for (const key of Object.keys(fields)) {
    if (allowed.includes(key)) continue;
    const hint =
      extraHint?.(key) ??
      KNOWN_TRAPS[key] ??
      (() => {
        const sameLetters = allowed.find((name) => name.toLowerCase() === key.toLowerCase());
        return sameLetters ? `did you mean ${sameLetters}?` : undefined;
      })();
    fail(at(path, key), hint ? `unknown field (${hint})` : `unknown field (known: ${allowed.join(', ')})`);
  }
  return fields;
}

function arrayAt(value: unknown, path: string, options: { max?: number } = {}): unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  if (options.max !== undefined && value.length > options.max) fail(path, `must have at most ${options.max} items`);
  return value;
}

interface StringRule {
  pattern?: RegExp;
  rule?: string;
  maxLength?: number;
}

function stringAt(value: unknown, path: string, rule: StringRule = {}): string {
  if (typeof value !== 'string' || value === '') fail(path, rule.rule ? `must be ${rule.rule}` : 'must be a non-empty string');
  if (rule.maxLength !== undefined && value.length > rule.maxLength) fail(path, `must be at most ${rule.maxLength} characters`);
  if (rule.pattern && !rule.pattern.test(value)) fail(path, `must be ${rule.rule ?? `a string matching ${rule.pattern}`}`);
  return value;
}

function textAt(value: unknown, path: string, maxLength = 1000): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (value.length > maxLength) fail(path, `must be at most ${maxLength} characters`);
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    fail(path, `must be one of: ${choices.join(', ')}`);
  }
  return value as T;
}

function integerAt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be an integer ${min}-${max}`);
  }
  return value;
}

function numberAt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(path, `must be a number ${min}-${max}`);
  }
  return value;
}

function required(fields: Fields, key: string, path: string): unknown {
  if (fields[key] === undefined) fail(at(path, key), 'is required');
  return fields[key];
}

/** Reads an optional field: undefined stays undefined, anything else must pass `read`. */
function optional<T>(fields: Fields, key: string, path: string, read: (value: unknown, path: string) => T): T | undefined {
  return fields[key] === undefined ? undefined : read(fields[key], at(path, key));
}

function loopbackAddress(value: unknown, path: string): { text: string; address: number } {
  const text = stringAt(value, path, { rule: 'an IPv4 address' });
  const address = parseIpv4(text);
  if (address === null) fail(path, 'must be an IPv4 address');
  if (!cidrContains(LOOPBACK, address)) fail(path, `${text} is not in 127.0.0.0/8 (the sandbox uses loopback addresses only)`);
  return { text, address };
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

// ---------------------------------------------------------------------------------------------------------------

interface VpcInfo {
  vpc: ScenarioVpc;
  cidr: Ipv4Cidr;
}

interface Context {
  vpcs: Map<string, VpcInfo>;
  securityGroups: Map<string, ScenarioSecurityGroup>;
  instances: Map<string, ScenarioInstance>;
}

export function validateScenario(input: unknown): Scenario {
  const root = objectAt(input, '', [
    'description', 'regionId', 'accountId', 'vpcs', 'instances', 'securityGroups', 'endpoints', 'loadBalancers', 'api',
    'healthChecker', 'expectedFindings', 'expectedOnHostFindings',
  ]);
  const description = optional(root, 'description', '', (value, path) => textAt(value, path));
  const regionId = stringAt(required(root, 'regionId', ''), 'regionId', {
    pattern: /^[a-z]{2,}(-[a-z0-9]+){1,4}$/,
    rule: 'a region id such as cn-hangzhou',
  });
  const accountId = stringAt(required(root, 'accountId', ''), 'accountId', { pattern: /^[0-9]{1,20}$/, rule: 'a string of 1-20 digits' });

  const vpcs = readVpcs(required(root, 'vpcs', ''));
  const context: Context = { vpcs: new Map(vpcs.map((info) => [info.vpc.vpcId, info])), securityGroups: new Map(), instances: new Map() };
  const securityGroups = readSecurityGroups(required(root, 'securityGroups', ''), context);
  const instances = readInstances(required(root, 'instances', ''), context);
  const endpoints = readEndpoints(required(root, 'endpoints', ''));
  const loadBalancers = readLoadBalancers(required(root, 'loadBalancers', ''), context);
  const api = optional(root, 'api', '', (value, path) => readApi(value, path, loadBalancers));
  const healthChecker = optional(root, 'healthChecker', '', readHealthCheckerSettings);
  const expectedFindings = optional(root, 'expectedFindings', '', (value, path) => readExpectedFindings(value, path, loadBalancers, context));
  const expectedOnHostFindings = optional(root, 'expectedOnHostFindings', '', (value, path) => readExpectedFindings(value, path, loadBalancers, context, true));

  return {
    ...(description !== undefined && { description }),
    regionId,
    accountId,
    vpcs: vpcs.map((info) => info.vpc),
    instances,
    securityGroups,
    endpoints,
    loadBalancers,
    ...(api !== undefined && { api }),
    ...(healthChecker !== undefined && { healthChecker }),
    ...(expectedFindings !== undefined && { expectedFindings }),
    ...(expectedOnHostFindings !== undefined && { expectedOnHostFindings }),
  };
}

function readVpcs(value: unknown): VpcInfo[] {
  const ids = new IdRegistry('vpcId');
  const vSwitchIds = new IdRegistry('vSwitchId');
  const infos: VpcInfo[] = [];
  arrayAt(value, 'vpcs').forEach((item, index) => {
    const path = `vpcs[${index}]`;
    const fields = objectAt(item, path, ['vpcId', 'cidr', 'vSwitchId']);
    const vpcId = stringAt(required(fields, 'vpcId', path), at(path, 'vpcId'), { pattern: ID_PATTERN, rule: ID_RULE });
    ids.add(vpcId, at(path, 'vpcId'));
    const cidrText = stringAt(required(fields, 'cidr', path), at(path, 'cidr'), { rule: 'a CIDR such as 127.0.0.0/25' });
    const cidr = parseCidr(cidrText);
    if (!cidr) fail(at(path, 'cidr'), 'must be a CIDR such as 127.0.0.0/25 (no host bits set)');
    if (!cidrWithin(cidr, LOOPBACK)) fail(at(path, 'cidr'), `${cidrText} is not inside 127.0.0.0/8`);
    if (cidrsOverlap(cidr, HEALTH_CHECK_SOURCE)) {
      fail(at(path, 'cidr'), `${cidrText} overlaps 127.100.64.0/24, which stands for SLB's health-check source`);
    }
    infos.forEach((other, otherIndex) => {
      if (cidrsOverlap(cidr, other.cidr)) fail(at(path, 'cidr'), `${cidrText} overlaps vpcs[${otherIndex}].cidr ${other.vpc.cidr}`);
    });
    const vSwitchId = stringAt(required(fields, 'vSwitchId', path), at(path, 'vSwitchId'), { pattern: ID_PATTERN, rule: ID_RULE });
    vSwitchIds.add(vSwitchId, at(path, 'vSwitchId'));
    infos.push({ vpc: { vpcId, cidr: cidrText, vSwitchId }, cidr });
  });
  return infos;
}

function vpcRef(value: unknown, path: string, context: Context): VpcInfo {
  const vpcId = stringAt(value, path);
  const info = context.vpcs.get(vpcId);
  if (!info) fail(path, `unknown VPC '${vpcId}' (not in vpcs)`);
  return info;
}

function readSecurityGroups(value: unknown, context: Context): ScenarioSecurityGroup[] {
  const ids = new IdRegistry('securityGroupId');
  return arrayAt(value, 'securityGroups').map((item, index) => {
    const path = `securityGroups[${index}]`;
    const fields = objectAt(item, path, ['securityGroupId', 'vpcId', 'rules']);
    const securityGroupId = stringAt(required(fields, 'securityGroupId', path), at(path, 'securityGroupId'), { pattern: ID_PATTERN, rule: ID_RULE });
    ids.add(securityGroupId, at(path, 'securityGroupId'));
    const vpcId = vpcRef(required(fields, 'vpcId', path), at(path, 'vpcId'), context).vpc.vpcId;
    const rules = arrayAt(required(fields, 'rules', path), at(path, 'rules'), { max: 1000 }).map((rule, ruleIndex) =>
      readSecurityGroupRule(rule, `${path}.rules[${ruleIndex}]`),
    );
    const group: ScenarioSecurityGroup = { securityGroupId, vpcId, rules };
    context.securityGroups.set(securityGroupId, group);
    return group;
  });
}

function readSecurityGroupRule(value: unknown, path: string): ScenarioSecurityGroupRule {
  const fields = objectAt(value, path, ['direction', 'policy', 'priority', 'ipProtocol', 'portRange', 'sourceCidrIp', 'description'], (key) =>
    key === 'Policy' || key === 'Priority' || key === 'PortRange' ? 'scenario rules use camelCase: policy, priority, portRange' : undefined,
  );
  const direction = oneOf(required(fields, 'direction', path), at(path, 'direction'), ['ingress', 'egress'] as const);
  const policy = oneOf(required(fields, 'policy', path), at(path, 'policy'), ['accept', 'drop'] as const);
  const priority = integerAt(required(fields, 'priority', path), at(path, 'priority'), 1, 100);
  const ipProtocol = oneOf(required(fields, 'ipProtocol', path), at(path, 'ipProtocol'), ['TCP', 'UDP', 'ICMP', 'ALL'] as const);
  const portRangePath = at(path, 'portRange');
  const portRange = stringAt(required(fields, 'portRange', path), portRangePath, { rule: 'a port range such as "80/80"' });
  if (ipProtocol === 'TCP' || ipProtocol === 'UDP') {
    const match = /^([0-9]{1,5})\/([0-9]{1,5})$/.exec(portRange);
    const from = match ? Number(match[1]) : NaN;
    const to = match ? Number(match[2]) : NaN;
    if (!(from >= 1 && to <= 65535 && from <= to)) fail(portRangePath, `must be "from/to" with 1 <= from <= to <= 65535 for ${ipProtocol}`);
  } else if (portRange !== '-1/-1') {
    fail(portRangePath, `must be "-1/-1" for ${ipProtocol}`);
  }
  const sourcePath = at(path, 'sourceCidrIp');
  const sourceCidrIp = stringAt(required(fields, 'sourceCidrIp', path), sourcePath, { rule: 'an IPv4 address or CIDR' });
  if (parseIpv4(sourceCidrIp) === null && parseCidr(sourceCidrIp) === null) fail(sourcePath, 'must be an IPv4 address or CIDR such as 100.64.0.0/10');
  const description = optional(fields, 'description', path, (text, textPath) => textAt(text, textPath, 512));
  return { direction, policy, priority, ipProtocol, portRange, sourceCidrIp, ...(description !== undefined && { description }) };
}

/** A sandbox host: its OS, its Cloud Assistant agent, and its firewall as real rules the sandbox can evaluate. */
function readHost(value: unknown, path: string): ScenarioHost {
  const fields = objectAt(value, path, ['osType', 'cloudAssistant', 'busySeconds', 'firewall', 'replyRoute']);
  const osType = optional(fields, 'osType', path, (v, p) => oneOf(v, p, ['Linux', 'Windows'] as const));
  const cloudAssistant = optional(fields, 'cloudAssistant', path, (v, p) => oneOf(v, p, ['online', 'absent', 'needs-upgrade'] as const));
  const busySeconds = optional(fields, 'busySeconds', path, (v, p) => integerAt(v, p, 0, 600));
  const firewall = optional(fields, 'firewall', path, (v, p) => {
    const rules = objectAt(v, p, ['iptables', 'ipset']);
    const iptables = optional(rules, 'iptables', p, (text, textPath) => textAt(text, textPath, 200_000));
    const ipset = optional(rules, 'ipset', p, (text, textPath) => textAt(text, textPath, 200_000));
    try {
      parseIptablesSave(iptables ?? '', parseIpsetSave(ipset ?? ''));
    } catch (err) {
      if (err instanceof FirewallRuleError) fail(at(p, err.message.startsWith('ipset') ? 'ipset' : 'iptables'), err.message);
      throw err;
    }
    return { ...(iptables !== undefined && { iptables }), ...(ipset !== undefined && { ipset }) };
  });
  const replyRoute = optional(fields, 'replyRoute', path, (v, p) => {
    const route = objectAt(v, p, ['device', 'table', 'via']);
    const device = stringAt(required(route, 'device', p), at(p, 'device'), { pattern: /^[A-Za-z0-9_.:-]{1,15}$/, rule: 'an interface name such as tailscale0' });
    const table = optional(route, 'table', p, (t, tp) => stringAt(t, tp, { pattern: /^[A-Za-z0-9_-]{1,32}$/, rule: 'a routing table name or number' }));
    const via = optional(route, 'via', p, (t, tp) => stringAt(t, tp, { pattern: /^[0-9.]{7,15}$/, rule: 'an IPv4 gateway address' }));
    return { device, ...(table !== undefined && { table }), ...(via !== undefined && { via }) };
  });
  return {
    ...(osType !== undefined && { osType }),
    ...(cloudAssistant !== undefined && { cloudAssistant }),
    ...(busySeconds !== undefined && { busySeconds }),
    ...(firewall !== undefined && { firewall }),
    ...(replyRoute !== undefined && { replyRoute }),
  };
}

function readInstances(value: unknown, context: Context): ScenarioInstance[] {
  const ids = new IdRegistry('instanceId');
  const addresses = new IdRegistry('privateIp');
  return arrayAt(value, 'instances').map((item, index) => {
    const path = `instances[${index}]`;
    const fields = objectAt(item, path, ['instanceId', 'instanceName', 'status', 'vpcId', 'privateIp', 'securityGroupIds', 'host']);
    const instanceId = stringAt(required(fields, 'instanceId', path), at(path, 'instanceId'), { pattern: ID_PATTERN, rule: ID_RULE });
    ids.add(instanceId, at(path, 'instanceId'));
    const instanceName = optional(fields, 'instanceName', path, (text, textPath) => textAt(text, textPath, 128));
    const status = oneOf(required(fields, 'status', path), at(path, 'status'), ['Running', 'Stopped', 'Starting', 'Stopping'] as const);
    const vpc = vpcRef(required(fields, 'vpcId', path), at(path, 'vpcId'), context);
    const ipPath = at(path, 'privateIp');
    const ip = loopbackAddress(required(fields, 'privateIp', path), ipPath);
    if (!cidrContains(vpc.cidr, ip.address)) fail(ipPath, `${ip.text} is not inside ${vpc.vpc.vpcId}'s cidr ${vpc.vpc.cidr}`);
    addresses.add(ip.text, ipPath);
    const groupsPath = at(path, 'securityGroupIds');
    const securityGroupIds = arrayAt(required(fields, 'securityGroupIds', path), groupsPath, { max: 5 }).map((groupId, groupIndex) => {
      const groupPath = `${groupsPath}[${groupIndex}]`;
      const id = stringAt(groupId, groupPath);
      const group = context.securityGroups.get(id);
      if (!group) fail(groupPath, `unknown security group '${id}' (not in securityGroups)`);
      if (group.vpcId !== vpc.vpc.vpcId) fail(groupPath, `security group '${id}' belongs to ${group.vpcId}, not to the instance's VPC ${vpc.vpc.vpcId}`);
      return id;
    });
    const host = optional(fields, 'host', path, readHost);
    const instance: ScenarioInstance = {
      instanceId,
      ...(instanceName !== undefined && { instanceName }),
      status,
      vpcId: vpc.vpc.vpcId,
      privateIp: ip.text,
      securityGroupIds,
      ...(host !== undefined && { host }),
    };
    context.instances.set(instanceId, instance);
    return instance;
  });
}

function readEndpoints(value: unknown): ScenarioEndpoint[] {
  const sockets = new IdRegistry('endpoint');
  return arrayAt(value, 'endpoints').map((item, index) => {
    const path = `endpoints[${index}]`;
    const fields = objectAt(item, path, ['ip', 'port', 'protocol', 'behaviour', 'options', 'external', 'note'], (key) =>
      key === 'behavior' ? 'spelled behaviour' : undefined,
    );
    const ipPath = at(path, 'ip');
    const ip = loopbackAddress(required(fields, 'ip', path), ipPath);
    if (cidrContains(HEALTH_CHECK_SOURCE, ip.address)) fail(ipPath, `${ip.text} is in 127.100.64.0/24, reserved for SLB's health-check source`);
    const port = integerAt(required(fields, 'port', path), at(path, 'port'), 1, 65535);
    const protocol = optional(fields, 'protocol', path, (text, textPath) => oneOf(text, textPath, ['tcp', 'udp'] as const));
    const note = optional(fields, 'note', path, (text, textPath) => textAt(text, textPath));
    sockets.add(`${protocol ?? 'tcp'} ${ip.text}:${port}`, path);
    const base = { ip: ip.text, port, ...(protocol !== undefined && { protocol }), ...(note !== undefined && { note }) };
    if (fields.external !== undefined) {
      if (fields.external !== true) fail(at(path, 'external'), 'must be true (or omitted)');
      if (fields.behaviour !== undefined || fields.options !== undefined) fail(path, 'an external endpoint has no behaviour or options');
      return { ...base, external: true as const };
    }
    const behaviourPath = at(path, 'behaviour');
    const behaviour = oneOf(required(fields, 'behaviour', path), behaviourPath, ALL_BEHAVIOURS);
    const udpBehaviour = BEHAVIOUR_PROTOCOLS[behaviour] === 'udp';
    if (udpBehaviour && protocol !== 'udp') fail(behaviourPath, `'${behaviour}' is a UDP behaviour: set protocol to "udp"`);
    if (!udpBehaviour && protocol === 'udp') fail(behaviourPath, `'${behaviour}' is a TCP behaviour; UDP endpoints use ${UDP_BEHAVIOURS.join(', ')}`);
    const options = optional(fields, 'options', path, readBehaviourOptions);
    return { ...base, behaviour, ...(options !== undefined && { options }) };
  });
}

function readBehaviourOptions(value: unknown, path: string): BehaviourOptions {
  const fields = objectAt(value, path, ['delayMs', 'domain', 'location', 'status', 'pattern', 'reply']);
  const delayMs = optional(fields, 'delayMs', path, (item, itemPath) => integerAt(item, itemPath, 0, 600_000));
  const domain = optional(fields, 'domain', path, (item, itemPath) =>
    stringAt(item, itemPath, { pattern: /^[A-Za-z0-9.-]{1,80}$/, rule: 'a domain of 1-80 letters, digits, "." or "-"' }),
  );
  const location = optional(fields, 'location', path, (item, itemPath) => stringAt(item, itemPath, { maxLength: 2048 }));
  const status = optional(fields, 'status', path, (item, itemPath) => integerAt(item, itemPath, 100, 599));
  const pattern = optional(fields, 'pattern', path, (item, itemPath) =>
    stringAt(item, itemPath, { pattern: /^(ok|fail)(,(ok|fail))*$/, rule: 'a comma list of ok/fail such as "ok,ok,fail"' }),
  );
  const reply = optional(fields, 'reply', path, (item, itemPath) => stringAt(item, itemPath, { maxLength: 1024 }));
  return {
    ...(delayMs !== undefined && { delayMs }),
    ...(domain !== undefined && { domain }),
    ...(location !== undefined && { location }),
    ...(status !== undefined && { status }),
    ...(pattern !== undefined && { pattern }),
    ...(reply !== undefined && { reply }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Load balancers

interface LoadBalancerIds {
  lbIds: IdRegistry;
  vServerGroupIds: IdRegistry;
  masterSlaveGroupIds: IdRegistry;
}

function readLoadBalancers(value: unknown, context: Context): ScenarioLoadBalancer[] {
  const ids: LoadBalancerIds = {
    lbIds: new IdRegistry('LoadBalancerId'),
    vServerGroupIds: new IdRegistry('VServerGroupId'),
    masterSlaveGroupIds: new IdRegistry('MasterSlaveServerGroupId'),
  };
  return arrayAt(value, 'loadBalancers').map((item, index) => readLoadBalancer(item, `loadBalancers[${index}]`, context, ids));
}

function readLoadBalancer(value: unknown, path: string, context: Context, ids: LoadBalancerIds): ScenarioLoadBalancer {
  const fields = objectAt(value, path, [
    'LoadBalancerId', 'LoadBalancerName', 'VpcId', 'VSwitchId', 'Address', 'LoadBalancerStatus', 'Tags', 'BackendServers',
    'VServerGroups', 'MasterSlaveServerGroups', 'Listeners',
  ]);
  const LoadBalancerId = stringAt(required(fields, 'LoadBalancerId', path), at(path, 'LoadBalancerId'), { pattern: ID_PATTERN, rule: ID_RULE });
  ids.lbIds.add(LoadBalancerId, at(path, 'LoadBalancerId'));
  const LoadBalancerName = optional(fields, 'LoadBalancerName', path, (text, textPath) => textAt(text, textPath, 80));
  const vpc = vpcRef(required(fields, 'VpcId', path), at(path, 'VpcId'), context);
  const VSwitchId = optional(fields, 'VSwitchId', path, (text, textPath) => {
    const id = stringAt(text, textPath);
    if (id !== vpc.vpc.vSwitchId) fail(textPath, `'${id}' is not the vSwitch of ${vpc.vpc.vpcId} (${vpc.vpc.vSwitchId})`);
    return id;
  });
  const Address = optional(fields, 'Address', path, (text, textPath) => {
    const address = loopbackAddress(text, textPath);
    if (!cidrContains(vpc.cidr, address.address)) fail(textPath, `${address.text} is not inside ${vpc.vpc.vpcId}'s cidr ${vpc.vpc.cidr}`);
    return address.text;
  });
  const LoadBalancerStatus = optional(fields, 'LoadBalancerStatus', path, (text, textPath) =>
    oneOf(text, textPath, ['active', 'inactive', 'locked'] as const),
  );
  const Tags = optional(fields, 'Tags', path, readTags);

  const serverRef = (serverPath: string, serverId: unknown): string => {
    const id = stringAt(serverId, serverPath);
    const instance = context.instances.get(id);
    if (!instance) fail(serverPath, `unknown instance '${id}' (not in instances)`);
    if (instance.vpcId !== vpc.vpc.vpcId) fail(serverPath, `instance '${id}' is in ${instance.vpcId}, not in the load balancer's VPC ${vpc.vpc.vpcId}`);
    return id;
  };
  const BackendServers = optional(fields, 'BackendServers', path, (list, listPath) => readServers(list, listPath, 'default', serverRef));
  const VServerGroups = optional(fields, 'VServerGroups', path, (list, listPath) =>
    arrayAt(list, listPath).map((group, groupIndex) => {
      const groupPath = `${listPath}[${groupIndex}]`;
      const groupFields = objectAt(group, groupPath, ['VServerGroupId', 'VServerGroupName', 'BackendServers']);
      const VServerGroupId = stringAt(required(groupFields, 'VServerGroupId', groupPath), at(groupPath, 'VServerGroupId'), { pattern: ID_PATTERN, rule: ID_RULE });
      ids.vServerGroupIds.add(VServerGroupId, at(groupPath, 'VServerGroupId'));
      const VServerGroupName = optional(groupFields, 'VServerGroupName', groupPath, (text, textPath) => textAt(text, textPath, 80));
      const servers = readServers(required(groupFields, 'BackendServers', groupPath), at(groupPath, 'BackendServers'), 'vserver', serverRef);
      return { VServerGroupId, ...(VServerGroupName !== undefined && { VServerGroupName }), BackendServers: servers };
    }),
  );
  const MasterSlaveServerGroups = optional(fields, 'MasterSlaveServerGroups', path, (list, listPath) =>
    arrayAt(list, listPath).map((group, groupIndex) => {
      const groupPath = `${listPath}[${groupIndex}]`;
      const groupFields = objectAt(group, groupPath, ['MasterSlaveServerGroupId', 'MasterSlaveServerGroupName', 'BackendServers']);
      const MasterSlaveServerGroupId = stringAt(required(groupFields, 'MasterSlaveServerGroupId', groupPath), at(groupPath, 'MasterSlaveServerGroupId'), {
        pattern: ID_PATTERN,
        rule: ID_RULE,
      });
      ids.masterSlaveGroupIds.add(MasterSlaveServerGroupId, at(groupPath, 'MasterSlaveServerGroupId'));
      const MasterSlaveServerGroupName = optional(groupFields, 'MasterSlaveServerGroupName', groupPath, (text, textPath) => textAt(text, textPath, 80));
      const serversPath = at(groupPath, 'BackendServers');
      const servers = readServers(required(groupFields, 'BackendServers', groupPath), serversPath, 'master-slave', serverRef);
      const masters = servers.filter((server) => server.ServerType === 'Master').length;
      if (masters !== 1 || servers.length > 2) fail(serversPath, 'a master-slave group holds exactly one Master and at most one Slave');
      return { MasterSlaveServerGroupId, ...(MasterSlaveServerGroupName !== undefined && { MasterSlaveServerGroupName }), BackendServers: servers };
    }),
  );

  const vServerGroupIds = new Set((VServerGroups ?? []).map((group) => group.VServerGroupId));
  const masterSlaveGroupIds = new Set((MasterSlaveServerGroups ?? []).map((group) => group.MasterSlaveServerGroupId));
  const listenersPath = at(path, 'Listeners');
  const portOwners = new Map<string, string>();
  const Listeners = arrayAt(required(fields, 'Listeners', path), listenersPath).map((listener, listenerIndex) => {
    const listenerPath = `${listenersPath}[${listenerIndex}]`;
    const parsed = readListener(listener, listenerPath, vServerGroupIds, masterSlaveGroupIds);
    // TCP, HTTP and HTTPS listeners share the TCP port space; a UDP listener may reuse a TCP listener's port.
    const family = `${parsed.ListenerProtocol === 'udp' ? 'udp' : 'tcp'}:${parsed.ListenerPort}`;
    const owner = portOwners.get(family);
    if (owner !== undefined) fail(at(listenerPath, 'ListenerPort'), `port ${parsed.ListenerPort} is already used by ${owner}`);
    portOwners.set(family, `${listenerPath} (${parsed.ListenerProtocol})`);
    return parsed;
  });

  return {
    LoadBalancerId,
    ...(LoadBalancerName !== undefined && { LoadBalancerName }),
    VpcId: vpc.vpc.vpcId,
    ...(VSwitchId !== undefined && { VSwitchId }),
    ...(Address !== undefined && { Address }),
    ...(LoadBalancerStatus !== undefined && { LoadBalancerStatus }),
    ...(Tags !== undefined && { Tags }),
    ...(BackendServers !== undefined && { BackendServers }),
    ...(VServerGroups !== undefined && { VServerGroups }),
    ...(MasterSlaveServerGroups !== undefined && { MasterSlaveServerGroups }),
    Listeners,
  };
}

function readTags(value: unknown, path: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object of tag key → value');
  const entries = Object.entries(value as Fields);
  if (entries.length > 20) fail(path, 'must have at most 20 tags');
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of entries) {
    if (key === '' || key.length > 128) fail(at(path, key), 'tag keys must be 1-128 characters');
    tags[key] = textAt(tagValue, at(path, key), 128);
  }
  return tags;
}

function readServers(
  value: unknown,
  path: string,
  group: 'default' | 'vserver' | 'master-slave',
  serverRef: (path: string, serverId: unknown) => string,
): ScenarioBackendServer[] {
  const members = new IdRegistry('backend server');
  return arrayAt(value, path, { max: 1000 }).map((item, index) => {
    const serverPath = `${path}[${index}]`;
    const fields = objectAt(item, serverPath, ['ServerId', 'Weight', 'Type', 'Port', 'ServerType', 'Description']);
    const ServerId = serverRef(at(serverPath, 'ServerId'), required(fields, 'ServerId', serverPath));
    const Weight = integerAt(required(fields, 'Weight', serverPath), at(serverPath, 'Weight'), 0, 100);
    const Type = optional(fields, 'Type', serverPath, (text, textPath) => oneOf(text, textPath, ['ecs', 'eni', 'eci'] as const));
    const Description = optional(fields, 'Description', serverPath, (text, textPath) => textAt(text, textPath, 80));
    let Port: number | undefined;
    if (group === 'default') {
      if (fields.Port !== undefined) fail(at(serverPath, 'Port'), "the default server group has no per-server port (the listener's BackendServerPort is used)");
    } else {
      Port = integerAt(required(fields, 'Port', serverPath), at(serverPath, 'Port'), 1, 65535);
    }
    let ServerType: 'Master' | 'Slave' | undefined;
    if (group === 'master-slave') {
      ServerType = oneOf(required(fields, 'ServerType', serverPath), at(serverPath, 'ServerType'), ['Master', 'Slave'] as const);
    } else if (fields.ServerType !== undefined) {
      fail(at(serverPath, 'ServerType'), 'only servers of a master-slave group have a ServerType');
    }
    members.add(`${ServerId}:${Port ?? 'default'}`, serverPath);
    return {
      ServerId,
      Weight,
      ...(Type !== undefined && { Type }),
      ...(Port !== undefined && { Port }),
      ...(ServerType !== undefined && { ServerType }),
      ...(Description !== undefined && { Description }),
    };
  });
}

function readListener(value: unknown, path: string, vServerGroupIds: Set<string>, masterSlaveGroupIds: Set<string>): ScenarioListener {
  const fields = objectAt(
    value,
    path,
    ['ListenerPort', 'ListenerProtocol', 'Status', 'BackendServerPort', 'VServerGroupId', 'MasterSlaveServerGroupId', 'Description', 'healthCheck'],
    (key) => (key.startsWith('HealthCheck') || key.endsWith('Threshold') ? 'health-check fields go inside "healthCheck"' : undefined),
  );
  const ListenerPort = integerAt(required(fields, 'ListenerPort', path), at(path, 'ListenerPort'), 1, 65535);
  const ListenerProtocol = oneOf(required(fields, 'ListenerProtocol', path), at(path, 'ListenerProtocol'), ['http', 'https', 'tcp', 'udp'] as const);
  const Status = optional(fields, 'Status', path, (text, textPath) => oneOf(text, textPath, ['running', 'stopped'] as const));
  const Description = optional(fields, 'Description', path, (text, textPath) => textAt(text, textPath, 80));
  const VServerGroupId = optional(fields, 'VServerGroupId', path, (text, textPath) => {
    const id = stringAt(text, textPath);
    if (!vServerGroupIds.has(id)) fail(textPath, `unknown VServer group '${id}' (not in this load balancer's VServerGroups)`);
    return id;
  });
  const MasterSlaveServerGroupId = optional(fields, 'MasterSlaveServerGroupId', path, (text, textPath) => {
    const id = stringAt(text, textPath);
    if (ListenerProtocol !== 'tcp' && ListenerProtocol !== 'udp') fail(textPath, 'only TCP and UDP listeners can use a master-slave server group');
    if (!masterSlaveGroupIds.has(id)) fail(textPath, `unknown master-slave group '${id}' (not in this load balancer's MasterSlaveServerGroups)`);
    return id;
  });
  if (VServerGroupId !== undefined && MasterSlaveServerGroupId !== undefined) {
    fail(path, 'a listener uses either VServerGroupId or MasterSlaveServerGroupId, not both');
  }
  const grouped = VServerGroupId !== undefined || MasterSlaveServerGroupId !== undefined;
  const portPath = at(path, 'BackendServerPort');
  let BackendServerPort: number | undefined;
  if (grouped) {
    if (fields.BackendServerPort !== undefined) fail(portPath, "must be omitted when the listener uses a server group (the group's servers carry their ports)");
  } else {
    if (fields.BackendServerPort === undefined) fail(portPath, 'is required when the listener has no VServerGroupId or MasterSlaveServerGroupId');
    BackendServerPort = integerAt(fields.BackendServerPort, portPath, 1, 65535);
  }
  const healthCheck = optional(fields, 'healthCheck', path, (item, itemPath) => readHealthCheck(item, itemPath, ListenerProtocol));
  return {
    ListenerPort,
    ListenerProtocol,
    ...(Status !== undefined && { Status }),
    ...(BackendServerPort !== undefined && { BackendServerPort }),
    ...(VServerGroupId !== undefined && { VServerGroupId }),
    ...(MasterSlaveServerGroupId !== undefined && { MasterSlaveServerGroupId }),
    ...(Description !== undefined && { Description }),
    ...(healthCheck !== undefined && { healthCheck }),
  };
}

const COMMON_CHECK_FIELDS = ['HealthCheck', 'HealthCheckConnectPort', 'HealthCheckInterval', 'HealthyThreshold', 'UnhealthyThreshold'] as const;
const HTTP_CHECK_FIELDS = ['HealthCheckDomain', 'HealthCheckURI', 'HealthCheckHttpCode', 'HealthCheckMethod'] as const;
const CHECK_FIELDS_BY_PROTOCOL: Record<ScenarioListener['ListenerProtocol'], readonly string[]> = {
  http: [...COMMON_CHECK_FIELDS, ...HTTP_CHECK_FIELDS, 'HealthCheckType', 'HealthCheckHttpVersion', 'HealthCheckTimeout'],
  https: [...COMMON_CHECK_FIELDS, ...HTTP_CHECK_FIELDS, 'HealthCheckType', 'HealthCheckHttpVersion', 'HealthCheckTimeout'],
  tcp: [...COMMON_CHECK_FIELDS, ...HTTP_CHECK_FIELDS, 'HealthCheckType', 'HealthCheckConnectTimeout'],
  udp: [...COMMON_CHECK_FIELDS, 'HealthCheckConnectTimeout', 'HealthCheckReq', 'HealthCheckExp'],
};

function readHealthCheck(value: unknown, path: string, protocol: ScenarioListener['ListenerProtocol']): ScenarioHealthCheck {
  const layer7 = protocol === 'http' || protocol === 'https';
  const fields = objectAt(value, path, CHECK_FIELDS_BY_PROTOCOL[protocol], (key) => {
    if (key === 'HealthCheckTimeout') return 'TCP and UDP listeners use HealthCheckConnectTimeout';
    if (key === 'HealthCheckConnectTimeout') return 'HTTP and HTTPS listeners use HealthCheckTimeout';
    if (key === 'HealthCheckHttpVersion') return 'only HTTP and HTTPS listeners have HealthCheckHttpVersion';
    if (key === 'HealthCheckReq' || key === 'HealthCheckExp') return 'only UDP listeners have HealthCheckReq/HealthCheckExp';
    if (protocol === 'udp' && ((HTTP_CHECK_FIELDS as readonly string[]).includes(key) || key === 'HealthCheckType')) {
      return 'a UDP listener has a UDP check';
    }
    return undefined;
  });
  const check: ScenarioHealthCheck = {};
  const read = <K extends keyof ScenarioHealthCheck>(key: K, reader: (item: unknown, itemPath: string) => ScenarioHealthCheck[K]): void => {
    if (fields[key] !== undefined) check[key] = reader(fields[key], at(path, key));
  };
  read('HealthCheck', (item, itemPath) => oneOf(item, itemPath, ['on', 'off'] as const));
  read('HealthCheckType', (item, itemPath) => oneOf(item, itemPath, layer7 ? (['http'] as const) : (['tcp', 'http'] as const)));
  read('HealthCheckDomain', (item, itemPath) =>
    item === '$_ip' ? '$_ip' : stringAt(item, itemPath, { pattern: /^[A-Za-z0-9.-]{1,80}$/, rule: '"$_ip" or a domain of 1-80 letters, digits, "." or "-"' }),
  );
  read('HealthCheckURI', (item, itemPath) =>
    stringAt(item, itemPath, { pattern: /^\/[A-Za-z0-9\-/._%?#&=~]{0,79}$/, rule: 'a path of 1-80 characters starting with "/"' }),
  );
  read('HealthCheckConnectPort', (item, itemPath) => integerAt(item, itemPath, 1, 65535));
  read('HealthCheckHttpCode', (item, itemPath) => {
    const text = stringAt(item, itemPath, {
      pattern: /^http_[2-5]xx(,http_[2-5]xx)*$/,
      rule: 'a comma list of http_2xx, http_3xx, http_4xx, http_5xx',
    });
    if (new Set(text.split(',')).size !== text.split(',').length) fail(itemPath, 'lists a code class twice');
    return text;
  });
  read('HealthCheckMethod', (item, itemPath) => oneOf(item, itemPath, ['head', 'get'] as const));
  read('HealthCheckHttpVersion', (item, itemPath) => oneOf(item, itemPath, ['http1.0', 'http1.1'] as const));
  read('HealthCheckInterval', (item, itemPath) => integerAt(item, itemPath, 1, 50));
  read('HealthCheckTimeout', (item, itemPath) => integerAt(item, itemPath, 1, 300));
  read('HealthCheckConnectTimeout', (item, itemPath) => integerAt(item, itemPath, 1, 300));
  read('HealthyThreshold', (item, itemPath) => integerAt(item, itemPath, 2, 10));
  read('UnhealthyThreshold', (item, itemPath) => integerAt(item, itemPath, 2, 10));
  read('HealthCheckReq', (item, itemPath) => stringAt(item, itemPath, { pattern: /^[A-Za-z0-9]{1,500}$/, rule: '1-500 letters or digits' }));
  read('HealthCheckExp', (item, itemPath) => stringAt(item, itemPath, { pattern: /^[A-Za-z0-9]{1,500}$/, rule: '1-500 letters or digits' }));
  if (protocol === 'tcp' && check.HealthCheckType === 'tcp') {
    const httpOnly = HTTP_CHECK_FIELDS.find((key) => check[key] !== undefined);
    if (httpOnly) fail(at(path, httpOnly), 'only applies to an HTTP check (set HealthCheckType to "http")');
  }
  return check;
}

// ---------------------------------------------------------------------------------------------------------------

function readApi(value: unknown, path: string, loadBalancers: ScenarioLoadBalancer[]): ScenarioApiSettings {
  const fields = objectAt(value, path, ['latencyMs', 'quotas', 'faults', 'denyActions', 'accessKeys']);
  const settings: ScenarioApiSettings = {};
  if (fields.latencyMs !== undefined) {
    const latencyPath = at(path, 'latencyMs');
    const range = arrayAt(fields.latencyMs, latencyPath);
    if (range.length !== 2) fail(latencyPath, 'must be [min, max] in milliseconds');
    const min = integerAt(range[0], `${latencyPath}[0]`, 0, 60_000);
    const max = integerAt(range[1], `${latencyPath}[1]`, 0, 60_000);
    if (min > max) fail(latencyPath, 'min must not exceed max');
    settings.latencyMs = [min, max];
  }
  if (fields.quotas !== undefined) {
    const quotasPath = at(path, 'quotas');
    if (typeof fields.quotas !== 'object' || fields.quotas === null || Array.isArray(fields.quotas)) fail(quotasPath, 'must be an object of action → quota');
    settings.quotas = {};
    for (const [action, quota] of Object.entries(fields.quotas as Fields)) {
      const quotaPath = at(quotasPath, action);
      actionPattern(action, quotaPath);
      const quotaFields = objectAt(quota, quotaPath, ['calls', 'perSeconds']);
      settings.quotas[action] = {
        calls: integerAt(required(quotaFields, 'calls', quotaPath), at(quotaPath, 'calls'), 1, 1_000_000),
        perSeconds: numberAt(required(quotaFields, 'perSeconds', quotaPath), at(quotaPath, 'perSeconds'), 0.001, 86_400),
      };
    }
  }
  if (fields.faults !== undefined) {
    const knownLbs = new Set(loadBalancers.map((lb) => lb.LoadBalancerId));
    settings.faults = arrayAt(fields.faults, at(path, 'faults'), { max: 100 }).map((fault, index) => readFault(fault, `${path}.faults[${index}]`, knownLbs));
  }
  if (fields.denyActions !== undefined) settings.denyActions = readRamActions(fields.denyActions, at(path, 'denyActions'));
  if (fields.accessKeys !== undefined) {
    const ids = new IdRegistry('accessKeyId');
    settings.accessKeys = arrayAt(fields.accessKeys, at(path, 'accessKeys'), { max: 100 }).map((key, index) => {
      const keyPath = `${path}.accessKeys[${index}]`;
      const parsed = readAccessKey(key, keyPath);
      ids.add(parsed.accessKeyId, at(keyPath, 'accessKeyId'));
      return parsed;
    });
  }
  return settings;
}

function actionPattern(value: string, path: string): void {
  if (!/^(\*|([a-z]+:)?(\*|[A-Z][A-Za-z0-9]*))$/.test(value)) {
    fail(path, 'must be an action name ("DescribeHealthStatus"), optionally with its product ("slb:DescribeHealthStatus", "ecs:*"), or "*"');
  }
}

function readFault(value: unknown, path: string, knownLbs: Set<string>): ScenarioApiFault {
  const fields = objectAt(value, path, ['action', 'kind', 'loadBalancerIds', 'probability', 'count', 'latencyMs', 'variant']);
  const actionPath = at(path, 'action');
  const action = stringAt(required(fields, 'action', path), actionPath);
  actionPattern(action, actionPath);
  const kind = oneOf(required(fields, 'kind', path), at(path, 'kind'), ['latency', 'http5xx', 'throttle-burst', 'malformed-body', 'internal-error'] as const);
  const fault: ScenarioApiFault = { action, kind };
  if (fields.loadBalancerIds !== undefined) {
    const idsPath = at(path, 'loadBalancerIds');
    fault.loadBalancerIds = arrayAt(fields.loadBalancerIds, idsPath).map((id, index) => {
      const itemPath = `${idsPath}[${index}]`;
      const text = stringAt(id, itemPath);
      if (!knownLbs.has(text)) fail(itemPath, `unknown load balancer '${text}' (not in loadBalancers)`);
      return text;
    });
  }
  const probability = optional(fields, 'probability', path, (item, itemPath) => numberAt(item, itemPath, 0, 1));
  if (probability !== undefined) fault.probability = probability;
  const count = optional(fields, 'count', path, (item, itemPath) => integerAt(item, itemPath, 1, 1_000_000));
  if (count !== undefined) fault.count = count;
  const latencyMs = optional(fields, 'latencyMs', path, (item, itemPath) => integerAt(item, itemPath, 0, 120_000));
  if (latencyMs !== undefined) {
    if (kind !== 'latency') fail(at(path, 'latencyMs'), 'only applies to kind "latency"');
    fault.latencyMs = latencyMs;
  } else if (kind === 'latency') {
    fail(at(path, 'latencyMs'), 'is required for kind "latency"');
  }
  const variant = optional(fields, 'variant', path, (item, itemPath) => oneOf(item, itemPath, ['truncated-json', 'html-502'] as const));
  if (variant !== undefined) {
    if (kind !== 'malformed-body') fail(at(path, 'variant'), 'only applies to kind "malformed-body"');
    fault.variant = variant;
  }
  return fault;
}

function readRamActions(value: unknown, path: string): string[] {
  return arrayAt(value, path).map((item, index) =>
    stringAt(item, `${path}[${index}]`, {
      pattern: /^(\*|[a-z]+:(\*|[A-Z][A-Za-z0-9]*))$/,
      rule: 'a RAM action such as "slb:DescribeHealthStatus", "ecs:*" or "*"',
    }),
  );
}

function readAccessKey(value: unknown, path: string): ScenarioAccessKey {
  const fields = objectAt(value, path, ['accessKeyId', 'accessKeySecret', 'securityToken', 'expired', 'deny']);
  const idPath = at(path, 'accessKeyId');
  const accessKeyId = stringAt(required(fields, 'accessKeyId', path), idPath, { pattern: /^[A-Za-z0-9.]{8,128}$/, rule: '8-128 letters, digits or "."' });
  const accessKeySecret = stringAt(required(fields, 'accessKeySecret', path), at(path, 'accessKeySecret'), { maxLength: 256 });
  const securityToken = optional(fields, 'securityToken', path, (item, itemPath) => stringAt(item, itemPath, { maxLength: 4096 }));
  const temporary = accessKeyId.startsWith('STS.');
  if (temporary && securityToken === undefined) fail(at(path, 'securityToken'), 'is required for an STS key (accessKeyId starting "STS.")');
  if (!temporary && securityToken !== undefined) fail(at(path, 'securityToken'), 'only STS keys (accessKeyId starting "STS.") have a security token');
  let expired: boolean | undefined;
  if (fields.expired !== undefined) {
    if (typeof fields.expired !== 'boolean') fail(at(path, 'expired'), 'must be true or false');
    if (!temporary) fail(at(path, 'expired'), 'only STS keys expire');
    expired = fields.expired;
  }
  const deny = optional(fields, 'deny', path, readRamActions);
  return {
    accessKeyId,
    accessKeySecret,
    ...(securityToken !== undefined && { securityToken }),
    ...(expired !== undefined && { expired }),
    ...(deny !== undefined && { deny }),
  };
}

function readHealthCheckerSettings(value: unknown, path: string): ScenarioHealthCheckerSettings {
  const fields = objectAt(value, path, ['intervalScale', 'sourceIps', 'maxInFlight']);
  const settings: ScenarioHealthCheckerSettings = {};
  const intervalScale = optional(fields, 'intervalScale', path, (item, itemPath) => numberAt(item, itemPath, 0.01, 100));
  if (intervalScale !== undefined) settings.intervalScale = intervalScale;
  const maxInFlight = optional(fields, 'maxInFlight', path, (item, itemPath) => integerAt(item, itemPath, 1, 10_000));
  if (maxInFlight !== undefined) settings.maxInFlight = maxInFlight;
  if (fields.sourceIps !== undefined) {
    const ipsPath = at(path, 'sourceIps');
    const list = arrayAt(fields.sourceIps, ipsPath, { max: 256 });
    if (list.length === 0) fail(ipsPath, 'must list at least one address');
    settings.sourceIps = list.map((item, index) => {
      const itemPath = `${ipsPath}[${index}]`;
      const ip = loopbackAddress(item, itemPath);
      if (!cidrContains(HEALTH_CHECK_SOURCE, ip.address)) fail(itemPath, `${ip.text} is not in 127.100.64.0/24 (stands for SLB's 100.64.0.0/10)`);
      return ip.text;
    });
  }
  return settings;
}

const FINDING_KEY = /^([^/]+)\/(http|https|tcp|udp):([0-9]{1,5})\/([0-9.]+):([0-9]{1,5})$/;

function readExpectedFindings(value: unknown, path: string, loadBalancers: ScenarioLoadBalancer[], context: Context, codeList = false): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object of "lbId/protocol:port/ip:port" → finding code');
  const findings: Record<string, string> = {};
  for (const [key, code] of Object.entries(value as Fields)) {
    const keyPath = `${path}["${key}"]`;
    const match = FINDING_KEY.exec(key);
    if (!match) fail(keyPath, 'key must look like "lb-id/http:80/127.0.0.11:8080"');
    const lb = loadBalancers.find((candidate) => candidate.LoadBalancerId === match[1]);
    if (!lb) fail(keyPath, `unknown load balancer '${match[1]}'`);
    const listener = lb.Listeners.find((candidate) => candidate.ListenerProtocol === match[2] && candidate.ListenerPort === Number(match[3]));
    if (!listener) fail(keyPath, `load balancer '${match[1]}' has no ${match[2]}:${match[3]} listener`);
    const backends = listenerBackendAddresses(lb, listener, context);
    if (!backends.includes(`${match[4]}:${match[5]}`)) {
      fail(keyPath, `${match[4]}:${match[5]} is not a backend of that listener (its backends: ${backends.join(', ') || 'none'})`);
    }
    findings[key] = codeList
      ? stringAt(code, keyPath, { pattern: /^[A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*$/, rule: 'finding codes, sorted and comma-separated, such as CONNECT_TIMEOUT,HOST_CHECK_UNAVAILABLE' })
      : stringAt(code, keyPath, { pattern: /^[A-Z][A-Z0-9_]*$/, rule: 'a finding code such as PATH_NOT_FOUND' });
  }
  return findings;
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
