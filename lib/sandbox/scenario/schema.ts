// The scenario's one schema (valibot): the shape of every field, its range and its own value checks. The types in
// types.ts are inferred from it, docs/scenario.schema.json is generated from it (`npm run scenario-schema`), and
// validate.ts adds the checks that look across fields (ids referenced, addresses that clash) over the typed value.
// Every message reads after the field's path, e.g. `loadBalancers[0].Listeners[1].ListenerPort: must be an integer 1-65535`.
// Field names inside `loadBalancers` mirror the SLB API's own names so the emulator can answer with them verbatim.
import * as v from 'valibot';
import { HEALTH_CHECK_SOURCE, LOOPBACK, cidrContains, cidrWithin, cidrsOverlap, parseCidr, parseIpv4 } from './ipv4';

/** Every built-in backend behaviour (the fault zoo) with the protocol it serves. Each is a real server on its own 127.0.0.x. */
export const BEHAVIOUR_PROTOCOLS = {
  healthy: 'tcp', // 200 to HEAD/GET on any path
  'not-found': 'tcp', // 404 on every path except "/"
  refused: 'tcp', // nothing listens (the sandbox starts no server; connection refused)
  blackhole: 'tcp', // TCP handshake never completes (full accept queue): connect timeout
  reset: 'tcp', // accepts, then resets at once
  'close-silently': 'tcp', // accepts, reads the request, closes with no response
  hang: 'tcp', // accepts, never answers
  slow: 'tcp', // valid 200 after options.delayMs
  'head-refused': 'tcp', // 405 to HEAD, 200 to GET
  'head-hangs': 'tcp', // never answers HEAD, 200 to GET
  'default-server': 'tcp', // nginx default server: 404 unless Host equals options.domain
  'needs-host': 'tcp', // 400 to a request with no Host header
  redirect: 'tcp', // 302 to options.location
  status: 'tcp', // always options.status (401/403/500/503 …)
  'tls-only': 'tcp', // speaks TLS only (self-signed certificate)
  trickle: 'tcp', // sends a status line, then one header byte per options.delayMs, forever
  'endless-headers': 'tcp', // status line, then headers that never end
  garbage: 'tcp', // answers with non-HTTP bytes
  flapping: 'tcp', // alternates healthy and failing per options.pattern (e.g. "ok,ok,fail")
  'slb-source-blocked': 'tcp', // healthy for everyone except sources in 127.100.64.0/24, which it silently drops
  'slb-source-forbidden': 'tcp', // 403 to sources in 127.100.64.0/24 (a web-server allow-list), 200 to everyone else
  'site-failing': 'tcp', // 500 under Host options.domain (the site's application fails), 200 under any other Host
  'forbidden-without-user-agent': 'tcp', // 403 to requests without a User-Agent, 200 to the rest
  'rate-limited': 'tcp', // options.burst answers, then options.refused refusals with options.status (503/429), repeating
  'dead-upstream-member': 'tcp', // alternates 200 and 502: a local round-robin proxy with one dead member
  'other-service': 'tcp', // another protocol holds the port: options.service ssh | smtp | redis | mysql | http2
  'udp-echo': 'udp', // UDP: replies options.reply (or the request) to every datagram
  'udp-silent': 'udp', // UDP: reads and ignores every datagram
  'udp-closed': 'udp', // UDP: nothing listens (ICMP port unreachable)
} as const;
export type BehaviourName = keyof typeof BEHAVIOUR_PROTOCOLS;
const BEHAVIOUR_NAMES = Object.keys(BEHAVIOUR_PROTOCOLS) as BehaviourName[];

/** Field names people (and the SLB Set* actions) use that the Describe API names differently. */
const KNOWN_TRAPS: Record<string, string> = {
  HealthCheckSwitch: 'the Describe API names it HealthCheck',
  healthCheckReq: 'the Describe API names it HealthCheckReq',
  healthCheckExp: 'the Describe API names it HealthCheckExp',
  HealthCheckHttpCodes: 'the API names it HealthCheckHttpCode',
};

// ---------------------------------------------------------------------------------------------------------------
// Building blocks; each message reads after the field's path.

/**
 * An object with exactly these fields. An unknown field is named with a hint (`hint`, a known trap, the same name in
 * other letter case, or the known fields); an absent required field "is required".
 */
function fields<const TEntries extends v.ObjectEntries>(entries: TEntries, hint?: (key: string) => string | undefined) {
  const known = Object.keys(entries);
  return v.strictObject(entries, (issue) => {
    if (issue.expected === 'never') {
      const key = String(issue.input);
      const sameLetters = known.find((name) => name.toLowerCase() === key.toLowerCase());
      const why = hint?.(key) ?? KNOWN_TRAPS[key] ?? (sameLetters ? `did you mean ${sameLetters}?` : undefined);
      return why ? `unknown field (${why})` : `unknown field (known: ${known.join(', ')})`;
    }
    return issue.input === undefined && issue.expected !== 'Object' ? 'is required' : 'must be an object';
  });
}

function nonEmptyString(rule?: string) {
  const message = rule ? `must be ${rule}` : 'must be a non-empty string';
  return v.pipe(v.string(message), v.minLength(1, message));
}

/** A non-empty string matching `pattern`; `rule` says what it must be ("a region id such as cn-hangzhou"). */
function matching(pattern: RegExp, rule: string) {
  return v.pipe(nonEmptyString(rule), v.regex(pattern, `must be ${rule}`));
}

function nonEmptyUpTo(maxLength: number) {
  return v.pipe(nonEmptyString(), v.maxLength(maxLength, `must be at most ${maxLength} characters`));
}

/** Free text, empty allowed. */
function text(maxLength = 1000) {
  return v.pipe(v.string('must be a string'), v.maxLength(maxLength, `must be at most ${maxLength} characters`));
}

function oneOf<const TChoices extends readonly string[]>(choices: TChoices) {
  return v.picklist(choices, `must be one of: ${choices.join(', ')}`);
}

function integer(min: number, max: number) {
  const message = `must be an integer ${min}-${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

function decimal(min: number, max: number) {
  const message = `must be a number ${min}-${max}`;
  return v.pipe(v.number(message), v.minValue(min, message), v.maxValue(max, message));
}

function list<TItem extends v.GenericSchema>(item: TItem, maxItems?: number) {
  const array = v.array(item, 'must be an array');
  return maxItems === undefined ? v.pipe(array) : v.pipe(array, v.maxLength(maxItems, `must have at most ${maxItems} items`));
}

const ID = matching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, '1-128 letters, digits, ".", "_" or "-"');
const REFERENCE = nonEmptyString();

function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

/** A 127.0.0.0/8 address (the sandbox binds its servers to it). */
const LOOPBACK_ADDRESS = v.pipe(
  nonEmptyString('an IPv4 address'),
  v.check(isIpv4, 'must be an IPv4 address'),
  v.check((ip) => cidrContains(LOOPBACK, parseIpv4(ip) ?? -1), (issue) => `${String(issue.input)} is not in 127.0.0.0/8 (the sandbox uses loopback addresses only)`),
);

function inHealthCheckSource(ip: string): boolean {
  return cidrContains(HEALTH_CHECK_SOURCE, parseIpv4(ip) ?? -1);
}

const ACTION = matching(
  /^(\*|([a-z]+:)?(\*|[A-Z][A-Za-z0-9]*))$/,
  'an action name ("DescribeHealthStatus"), optionally with its product ("slb:DescribeHealthStatus", "ecs:*"), or "*"',
);
const RAM_ACTIONS = list(matching(/^(\*|[a-z]+:(\*|[A-Z][A-Za-z0-9]*))$/, 'a RAM action such as "slb:DescribeHealthStatus", "ecs:*" or "*"'));

// ---------------------------------------------------------------------------------------------------------------
// The scenario, field by field.

const vpcSchema = fields({
  vpcId: ID,
  /** Loopback CIDR standing for the VPC's address space, e.g. 127.0.0.0/25. */
  cidr: v.pipe(
    nonEmptyString('a CIDR such as 127.0.0.0/25'),
    v.check((cidr) => parseCidr(cidr) !== null, 'must be a CIDR such as 127.0.0.0/25 (no host bits set)'),
    v.check((cidr) => cidrWithin(parseCidr(cidr) ?? LOOPBACK, LOOPBACK), (issue) => `${String(issue.input)} is not inside 127.0.0.0/8`),
    v.check(
      (cidr) => !cidrsOverlap(parseCidr(cidr) ?? HEALTH_CHECK_SOURCE, HEALTH_CHECK_SOURCE),
      (issue) => `${String(issue.input)} overlaps 127.100.64.0/24, which stands for SLB's health-check source`,
    ),
  ),
  vSwitchId: ID,
});

/**
 * The host firewall, declared once as real rules: it decides what SLB's checker experiences (its checks from
 * 127.100.64.0/24 are really dropped or refused) and what the firewall tools print to a script run through Cloud
 * Assistant (lib/sandbox/hosts). Written with the real range 100.64.0.0/10: checker source 127.100.64.K stands for
 * 100.64.0.K. The validator evaluates the rules once and names the first line the sandbox cannot evaluate.
 */
const hostFirewallSchema = fields({
  /** `iptables-save` text (iptables-legacy; `nft list ruleset` is then empty). */
  iptables: v.optional(text(200_000)),
  /** `ipset save` text for the sets the rules match with `-m set --match-set NAME src`. */
  ipset: v.optional(text(200_000)),
});

/** A sandbox host: its operating system as Cloud Assistant sees it. Sockets, replay and processes are the machine's. */
const hostSchema = fields({
  /** Default 'Linux'. A Windows host cannot run RunShellScript. */
  osType: v.optional(oneOf(['Linux', 'Windows'])),
  /** The Cloud Assistant agent: 'online' (default), 'absent' (not installed), 'needs-upgrade' (too old to run commands). */
  cloudAssistant: v.optional(oneOf(['online', 'absent', 'needs-upgrade'])),
  /** The agent is held this long before the script starts (a host too loaded to run anything); default 0. */
  busySeconds: v.optional(integer(0, 600)),
  firewall: v.optional(hostFirewallSchema),
  /** Replies to 100.64.0.0/10 leave through another interface (a VPN such as Tailscale's table 52, a second NIC). */
  replyRoute: v.optional(
    fields({
      device: matching(/^[A-Za-z0-9_.:-]{1,15}$/, 'an interface name such as tailscale0'),
      table: v.optional(matching(/^[A-Za-z0-9_-]{1,32}$/, 'a routing table name or number')),
      via: v.optional(matching(/^[0-9.]{7,15}$/, 'an IPv4 gateway address')),
    }),
  ),
});

const instanceSchema = fields({
  instanceId: ID,
  instanceName: v.optional(text(128)),
  status: oneOf(['Running', 'Stopped', 'Starting', 'Stopping']),
  vpcId: REFERENCE,
  privateIp: LOOPBACK_ADDRESS,
  securityGroupIds: list(REFERENCE, 5),
  /** Absent: a Linux host with an online agent and no firewall. */
  host: v.optional(hostSchema),
});

const securityGroupRuleSchema = fields(
  {
    direction: oneOf(['ingress', 'egress']),
    policy: oneOf(['accept', 'drop']),
    priority: integer(1, 100),
    ipProtocol: oneOf(['TCP', 'UDP', 'ICMP', 'ALL']),
    /** "80/80" for TCP and UDP, "-1/-1" for ICMP and ALL. */
    portRange: nonEmptyString('a port range such as "80/80"'),
    sourceCidrIp: v.pipe(
      nonEmptyString('an IPv4 address or CIDR'),
      v.check((source) => isIpv4(source) || parseCidr(source) !== null, 'must be an IPv4 address or CIDR such as 100.64.0.0/10'),
    ),
    description: v.optional(text(512)),
  },
  (key) => (key === 'Policy' || key === 'Priority' || key === 'PortRange' ? 'scenario rules use camelCase: policy, priority, portRange' : undefined),
);

const securityGroupSchema = fields({
  securityGroupId: ID,
  vpcId: REFERENCE,
  rules: list(securityGroupRuleSchema, 1000),
});

const behaviourOptionsSchema = fields({
  delayMs: v.optional(integer(0, 600_000)),
  domain: v.optional(matching(/^[A-Za-z0-9.-]{1,80}$/, 'a domain of 1-80 letters, digits, "." or "-"')),
  location: v.optional(nonEmptyUpTo(2048)),
  status: v.optional(integer(100, 599)),
  pattern: v.optional(matching(/^(ok|fail)(,(ok|fail))*$/, 'a comma list of ok/fail such as "ok,ok,fail"')),
  reply: v.optional(nonEmptyUpTo(1024)),
  /** rate-limited: answered requests per cycle (default 1). */
  burst: v.optional(integer(1, 100)),
  /** rate-limited: refused requests per cycle (default 2). */
  refused: v.optional(integer(1, 100)),
  /** other-service: which program holds the port. */
  service: v.optional(oneOf(['ssh', 'smtp', 'redis', 'mysql', 'http2'])),
});

const socketEntries = {
  ip: v.pipe(
    LOOPBACK_ADDRESS,
    v.check((ip) => !inHealthCheckSource(ip), (issue) => `${String(issue.input)} is in 127.100.64.0/24, reserved for SLB's health-check source`),
  ),
  port: integer(1, 65535),
  protocol: v.optional(oneOf(['tcp', 'udp'])),
  note: v.optional(text()),
};
const endpointHint = (key: string): string | undefined => (key === 'behavior' ? 'spelled behaviour' : undefined);
const NO_BEHAVIOUR = 'an external endpoint has no behaviour or options';

/**
 * One listening endpoint on a loopback address: a built-in behaviour the sandbox starts, or an `external` one that
 * is already running.
 */
const endpointSchema = v.variant(
  'external',
  [
    fields({ ...socketEntries, behaviour: oneOf(BEHAVIOUR_NAMES), options: v.optional(behaviourOptionsSchema), external: v.optional(v.never()) }, endpointHint),
    fields(
      { ...socketEntries, external: v.literal(true), behaviour: v.optional(v.never(NO_BEHAVIOUR)), options: v.optional(v.never(NO_BEHAVIOUR)) },
      endpointHint,
    ),
  ],
  (issue) => (issue.input === undefined || (issue.path?.length ?? 0) === 0 ? 'must be an object' : 'must be true (or omitted)'),
);

const backendServerSchema = fields({
  ServerId: REFERENCE,
  Weight: integer(0, 100),
  Type: v.optional(oneOf(['ecs', 'eni', 'eci'])),
  /** Only in VServer and master-slave groups. */
  Port: v.optional(integer(1, 65535)),
  /** Only in master-slave groups. */
  ServerType: v.optional(oneOf(['Master', 'Slave'])),
  Description: v.optional(text(80)),
});

/** Health-check settings exactly as the SLB API names them; omitted fields take SLB's documented defaults. */
const healthCheckSchema = fields({
  HealthCheck: v.optional(oneOf(['on', 'off'])),
  HealthCheckType: v.optional(oneOf(['tcp', 'http'])),
  HealthCheckDomain: v.optional(v.union([v.literal('$_ip'), matching(/^[A-Za-z0-9.-]{1,80}$/, '"$_ip" or a domain of 1-80 letters, digits, "." or "-"')], 'must be "$_ip" or a domain of 1-80 letters, digits, "." or "-"')),
  HealthCheckURI: v.optional(matching(/^\/[A-Za-z0-9\-/._%?#&=~]{0,79}$/, 'a path of 1-80 characters starting with "/"')),
  HealthCheckConnectPort: v.optional(integer(1, 65535)),
  HealthCheckHttpCode: v.optional(
    v.pipe(
      matching(/^http_[2-5]xx(,http_[2-5]xx)*$/, 'a comma list of http_2xx, http_3xx, http_4xx, http_5xx'),
      v.check((codes) => new Set(codes.split(',')).size === codes.split(',').length, 'lists a code class twice'),
    ),
  ),
  HealthCheckMethod: v.optional(oneOf(['head', 'get'])),
  HealthCheckHttpVersion: v.optional(oneOf(['http1.0', 'http1.1'])),
  HealthCheckInterval: v.optional(integer(1, 50)),
  HealthCheckTimeout: v.optional(integer(1, 300)),
  HealthCheckConnectTimeout: v.optional(integer(1, 300)),
  HealthyThreshold: v.optional(integer(2, 10)),
  UnhealthyThreshold: v.optional(integer(2, 10)),
  // 1–64 per the current CreateLoadBalancerUDPListener parameter table (an older page said 1–500).
  HealthCheckReq: v.optional(matching(/^[A-Za-z0-9]{1,64}$/, '1-64 letters or digits')),
  HealthCheckExp: v.optional(matching(/^[A-Za-z0-9]{1,64}$/, '1-64 letters or digits')),
});

const MAX_REPLY_FIELDS = 32;

/** Fields named like the API's (PascalCase), each a string, number, boolean, or null (leave the field out). */
const replyFieldGroupSchema = v.pipe(
  v.record(
    v.pipe(v.string(), v.regex(/^[A-Z][A-Za-z0-9]{0,63}$/, 'must be named like an API field (PascalCase letters and digits)')),
    v.union(
      [v.pipe(v.string(), v.maxLength(200, 'must be at most 200 characters')), v.number(), v.boolean(), v.null()],
      'must be a string, number, boolean, or null (leave the field out)',
    ),
    'must be an object of API field → value',
  ),
  v.maxEntries(MAX_REPLY_FIELDS, `must have at most ${MAX_REPLY_FIELDS} fields`),
);

/**
 * Fields written into this listener's replies exactly as given, over the ones rendered from the typed settings: the
 * real API's own spellings ("HTTP 1.0", "tcp" as a TCP check's method, "HTTPS") or fields the product does not know.
 * `listener` goes into the listener entry, `healthCheck` into its health-check settings, `healthStatus` into its
 * DescribeHealthStatus entries; null leaves a field out. SLB's own checker still uses the typed settings.
 */
const replyFieldsSchema = fields({
  listener: v.optional(replyFieldGroupSchema),
  healthCheck: v.optional(replyFieldGroupSchema),
  healthStatus: v.optional(replyFieldGroupSchema),
});

const listenerSchema = fields(
  {
    ListenerPort: integer(1, 65535),
    ListenerProtocol: oneOf(['http', 'https', 'tcp', 'udp']),
    Status: v.optional(oneOf(['running', 'stopped'])),
    /** Required unless the listener forwards to a VServer or master-slave group. */
    BackendServerPort: v.optional(integer(1, 65535)),
    VServerGroupId: v.optional(REFERENCE),
    MasterSlaveServerGroupId: v.optional(REFERENCE),
    Description: v.optional(text(80)),
    healthCheck: v.optional(healthCheckSchema),
    replyFields: v.optional(replyFieldsSchema),
  },
  (key) => (key.startsWith('HealthCheck') || key.endsWith('Threshold') ? 'health-check fields go inside "healthCheck"' : undefined),
);

const loadBalancerSchema = fields({
  LoadBalancerId: ID,
  LoadBalancerName: v.optional(text(80)),
  VpcId: REFERENCE,
  VSwitchId: v.optional(REFERENCE),
  Address: v.optional(LOOPBACK_ADDRESS),
  LoadBalancerStatus: v.optional(oneOf(['active', 'inactive', 'locked'])),
  Tags: v.optional(
    v.pipe(
      v.record(v.pipe(v.string(), v.minLength(1, 'tag keys must be 1-128 characters'), v.maxLength(128, 'tag keys must be 1-128 characters')), text(128), 'must be an object of tag key → value'),
      v.maxEntries(20, 'must have at most 20 tags'),
    ),
  ),
  /** The default server group. */
  BackendServers: v.optional(list(backendServerSchema, 1000)),
  VServerGroups: v.optional(
    list(fields({ VServerGroupId: ID, VServerGroupName: v.optional(text(80)), BackendServers: list(backendServerSchema, 1000) })),
  ),
  MasterSlaveServerGroups: v.optional(
    list(fields({ MasterSlaveServerGroupId: ID, MasterSlaveServerGroupName: v.optional(text(80)), BackendServers: list(backendServerSchema, 1000) })),
  ),
  Listeners: list(listenerSchema),
});

const apiFaultSchema = fields({
  /** An action name ("DescribeHealthStatus"), optionally with its product ("ecs:DescribeInstances", "slb:*"), or "*" for all. */
  action: ACTION,
  kind: oneOf(['latency', 'http5xx', 'throttle-burst', 'malformed-body', 'internal-error']),
  /** Only for these LB ids (e.g. to make one LB's calls fail). */
  loadBalancerIds: v.optional(list(REFERENCE)),
  /** Probability per call 0..1 (default 1), or a count of calls to affect (then stops). */
  probability: v.optional(decimal(0, 1)),
  count: v.optional(integer(1, 1_000_000)),
  /** Required for (and only for) kind "latency". */
  latencyMs: v.optional(integer(0, 120_000)),
  /** Only for 'malformed-body': a 200 whose JSON is cut short (default), or a 502 HTML page from the gateway. */
  variant: v.optional(oneOf(['truncated-json', 'html-502'])),
});

/** An extra access key the sandbox accepts (besides the generated ones it prints). */
const accessKeySchema = fields({
  /** An id starting with "STS." is temporary: every call must carry `securityToken`. */
  accessKeyId: matching(/^[A-Za-z0-9.]{8,128}$/, '8-128 letters, digits or "."'),
  accessKeySecret: nonEmptyUpTo(256),
  securityToken: v.optional(nonEmptyUpTo(4096)),
  /** The STS token has expired: every call answers InvalidSecurityToken.Expired. */
  expired: v.optional(v.boolean('must be true or false')),
  /** RAM actions this key may not call, e.g. "slb:DescribeHealthStatus", "ecs:*", "*". */
  deny: v.optional(RAM_ACTIONS),
});

const apiSettingsSchema = fields({
  /** Per-call latency drawn uniformly from [min, max] ms. */
  latencyMs: v.optional(v.strictTuple([integer(0, 60_000), integer(0, 60_000)], 'must be [min, max] in milliseconds')),
  /**
   * Per-action quota: at most `calls` per rolling `perSeconds`, counted per action; keys are action names as in
   * faults ("DescribeHealthStatus", "slb:DescribeHealthStatus"); "*" is the default for every action (3000 per 60 s).
   */
  quotas: v.optional(
    v.record(ACTION, fields({ calls: integer(1, 1_000_000), perSeconds: decimal(0.001, 86_400) }), 'must be an object of action → quota'),
  ),
  faults: v.optional(list(apiFaultSchema, 100)),
  /** RAM actions denied to the credentials the sandbox prints (AK and STS), e.g. "slb:DescribeHealthStatus". */
  denyActions: v.optional(RAM_ACTIONS),
  accessKeys: v.optional(list(accessKeySchema, 100)),
});

const healthCheckerSettingsSchema = fields({
  /** Multiply every interval (a bench may slow the checker down to keep 2 cores free); default 1. */
  intervalScale: v.optional(decimal(0.01, 100)),
  /** Source addresses to send checks from; default 127.100.64.1–127.100.64.8. */
  sourceIps: v.optional(
    v.pipe(
      list(
        v.pipe(
          LOOPBACK_ADDRESS,
          v.check(inHealthCheckSource, (issue) => `${String(issue.input)} is not in 127.100.64.0/24 (stands for SLB's 100.64.0.0/10)`),
        ),
        256,
      ),
      v.minLength(1, 'must list at least one address'),
    ),
  ),
  /** At most this many check attempts in flight at once (each holds a socket until it ends or times out); default 256. */
  maxInFlight: v.optional(integer(1, 10_000)),
});

/** `lbId/protocol:port/ip:port`, the key of an expected finding. */
export const FINDING_KEY = /^([^/]+)\/(http|https|tcp|udp):([0-9]{1,5})\/([0-9.]+):([0-9]{1,5})$/;

/** The sandbox scenario: a whole small cloud in one JSON file. */
export const scenarioSchema = fields({
  /** A JSON Schema for editors (docs/scenario.schema.json); the sandbox ignores it. */
  $schema: v.optional(v.string('must be a string')),
  /** Free text shown by `slb-doctor sandbox`. */
  description: v.optional(text()),
  regionId: matching(/^[a-z]{2,}(-[a-z0-9]+){1,4}$/, 'a region id such as cn-hangzhou'),
  accountId: matching(/^[0-9]{1,20}$/, 'a string of 1-20 digits'),
  vpcs: list(vpcSchema),
  securityGroups: list(securityGroupSchema),
  instances: list(instanceSchema),
  endpoints: list(endpointSchema),
  loadBalancers: list(loadBalancerSchema),
  api: v.optional(apiSettingsSchema),
  healthChecker: v.optional(healthCheckerSettingsSchema),
  /**
   * The planted faults, for tests and the benchmark's accuracy figure: key `lbId/protocol:port/ip:port` → the finding
   * code the product should report. The sandbox itself never reads it (status always comes from its own checker).
   */
  expectedFindings: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(FINDING_KEY, 'key must look like "lb-id/http:80/127.0.0.11:8080"')),
      matching(/^[A-Z][A-Z0-9_]*$/, 'a finding code such as PATH_NOT_FOUND'),
      'must be an object of "lbId/protocol:port/ip:port" → finding code',
    ),
  ),
  /**
   * What `audit --on-host` reports instead, for the keys whose findings the host script changes: key → the codes,
   * sorted and comma-separated (e.g. "CONNECT_TIMEOUT,HOST_CHECK_UNAVAILABLE"). Keys not listed keep expectedFindings.
   */
  expectedOnHostFindings: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(FINDING_KEY, 'key must look like "lb-id/http:80/127.0.0.11:8080"')),
      matching(/^[A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*$/, 'finding codes, sorted and comma-separated, such as CONNECT_TIMEOUT,HOST_CHECK_UNAVAILABLE'),
      'must be an object of "lbId/protocol:port/ip:port" → finding codes',
    ),
  ),
});

export const schemas = {
  vpc: vpcSchema,
  instance: instanceSchema,
  host: hostSchema,
  hostFirewall: hostFirewallSchema,
  securityGroup: securityGroupSchema,
  securityGroupRule: securityGroupRuleSchema,
  endpoint: endpointSchema,
  behaviourOptions: behaviourOptionsSchema,
  backendServer: backendServerSchema,
  healthCheck: healthCheckSchema,
  replyFields: replyFieldsSchema,
  listener: listenerSchema,
  loadBalancer: loadBalancerSchema,
  apiFault: apiFaultSchema,
  accessKey: accessKeySchema,
  apiSettings: apiSettingsSchema,
  healthCheckerSettings: healthCheckerSettingsSchema,
};
