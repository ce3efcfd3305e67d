// The sandbox scenario: a whole small cloud in one JSON file. The sandbox is separate code from the product:
// nothing under lib/ outside lib/sandbox imports it, and it imports nothing from the product.
// Field names inside `loadBalancers` mirror the SLB API's own names so the emulator can answer with them verbatim.

/** Built-in backend behaviours (the fault zoo). Each is a real server the sandbox starts on its own 127.0.0.x address. */
export type BehaviourName =
  | 'healthy' // 200 to HEAD/GET on any path
  | 'not-found' // 404 on every path except "/"
  | 'refused' // nothing listens (the sandbox starts no server; connection refused)
  | 'blackhole' // TCP handshake never completes (full accept queue): connect timeout
  | 'reset' // accepts, then resets at once
  | 'close-silently' // accepts, reads the request, closes with no response
  | 'hang' // accepts, never answers
  | 'slow' // valid 200 after options.delayMs
  | 'head-refused' // 405 to HEAD, 200 to GET
  | 'head-hangs' // never answers HEAD, 200 to GET
  | 'default-server' // nginx default server: 404 unless Host equals options.domain
  | 'needs-host' // 400 to a request with no Host header
  | 'redirect' // 302 to options.location
  | 'status' // always options.status (401/403/500/503 …)
  | 'tls-only' // speaks TLS only (self-signed certificate)
  | 'trickle' // sends a status line, then one header byte per options.delayMs, forever
  | 'endless-headers' // status line, then headers that never end
  | 'garbage' // answers with non-HTTP bytes
  | 'flapping' // alternates healthy and failing per options.pattern (e.g. "ok,ok,fail")
  | 'slb-source-blocked' // healthy for everyone except sources in 127.100.64.0/24, which it silently drops
  | 'udp-echo' // UDP: replies options.reply (or the request) to every datagram
  | 'udp-silent' // UDP: reads and ignores every datagram
  | 'udp-closed'; // UDP: nothing listens (ICMP port unreachable)

export interface BehaviourOptions {
  delayMs?: number;
  domain?: string;
  location?: string;
  status?: number;
  pattern?: string;
  reply?: string;
}

/** One listening endpoint on a loopback address. `external` endpoints are already running and not started by the sandbox. */
export type ScenarioEndpoint =
  | { ip: string; port: number; protocol?: 'tcp' | 'udp'; behaviour: BehaviourName; options?: BehaviourOptions; note?: string }
  | { ip: string; port: number; protocol?: 'tcp' | 'udp'; external: true; note?: string };

export interface ScenarioVpc {
  vpcId: string;
  /** Loopback CIDR standing for the VPC's address space, e.g. 127.0.0.0/25. */
  cidr: string;
  vSwitchId: string;
}

export interface ScenarioInstance {
  instanceId: string;
  instanceName?: string;
  status: 'Running' | 'Stopped' | 'Starting' | 'Stopping';
  vpcId: string;
  privateIp: string;
  securityGroupIds: string[];
  /** The instance's operating system as Cloud Assistant sees it; absent: a Linux host with an online agent and no firewall. */
  host?: ScenarioHost;
}

/**
 * A sandbox host. Its firewall is declared once, as real rules; that declaration decides both what SLB's own checker
 * experiences (its checks from 127.100.64.0/24 are really dropped, or refused) and what the firewall tools print to a
 * script run through Cloud Assistant. Sockets, the local replay and the process list are the machine's real ones.
 */
export interface ScenarioHost {
  /** Default 'Linux'. A Windows host cannot run RunShellScript. */
  osType?: 'Linux' | 'Windows';
  /** The Cloud Assistant agent: 'online' (default), 'absent' (not installed), 'needs-upgrade' (too old to run commands). */
  cloudAssistant?: 'online' | 'absent' | 'needs-upgrade';
  /** The agent is held this long before the script starts (a host too loaded to run anything); default 0. */
  busySeconds?: number;
  firewall?: ScenarioHostFirewall;
  /**
   * Where the host sends replies to 100.64.0.0/10, when not back out of the interface the check came in on (a VPN
   * such as Tailscale's table 52, a second NIC): SLB's checks then get no answer, and `ip route get` says so.
   */
  replyRoute?: { device: string; table?: string; via?: string };
}

export interface ScenarioHostFirewall {
  /**
   * `iptables-save` text (iptables-legacy; `nft list ruleset` is then empty), written with the real range
   * 100.64.0.0/10: SLB's checker source 127.100.64.K stands for 100.64.0.K. Only the filter table's INPUT path
   * decides the data plane; every rule must be one the sandbox can evaluate (it says which one it cannot).
   */
  iptables?: string;
  /** `ipset save` text for the sets the rules match with `-m set --match-set NAME src`. */
  ipset?: string;
}

export interface ScenarioSecurityGroupRule {
  direction: 'ingress' | 'egress';
  policy: 'accept' | 'drop';
  priority: number;
  ipProtocol: 'TCP' | 'UDP' | 'ICMP' | 'ALL';
  portRange: string; // "80/80", "-1/-1"
  sourceCidrIp: string;
  description?: string;
}

export interface ScenarioSecurityGroup {
  securityGroupId: string;
  vpcId: string;
  rules: ScenarioSecurityGroupRule[];
}

export interface ScenarioBackendServer {
  ServerId: string;
  Weight: number;
  Type?: 'ecs' | 'eni' | 'eci';
  /** Only in VServer and master-slave groups. */
  Port?: number;
  /** Only in master-slave groups. */
  ServerType?: 'Master' | 'Slave';
  Description?: string;
}

/** Health-check settings exactly as the SLB API names them; omitted fields take SLB's documented defaults. */
export interface ScenarioHealthCheck {
  HealthCheck?: 'on' | 'off';
  HealthCheckType?: 'tcp' | 'http';
  HealthCheckDomain?: string;
  HealthCheckURI?: string;
  HealthCheckConnectPort?: number;
  HealthCheckHttpCode?: string;
  HealthCheckMethod?: 'head' | 'get';
  HealthCheckHttpVersion?: 'http1.0' | 'http1.1';
  HealthCheckInterval?: number;
  HealthCheckTimeout?: number;
  HealthCheckConnectTimeout?: number;
  HealthyThreshold?: number;
  UnhealthyThreshold?: number;
  HealthCheckReq?: string;
  HealthCheckExp?: string;
}

export interface ScenarioListener {
  ListenerPort: number;
  ListenerProtocol: 'http' | 'https' | 'tcp' | 'udp';
  Status?: 'running' | 'stopped';
  BackendServerPort?: number;
  VServerGroupId?: string;
  MasterSlaveServerGroupId?: string;
  Description?: string;
  healthCheck?: ScenarioHealthCheck;
}

export interface ScenarioLoadBalancer {
  LoadBalancerId: string;
  LoadBalancerName?: string;
  VpcId: string;
  VSwitchId?: string;
  Address?: string;
  LoadBalancerStatus?: 'active' | 'inactive' | 'locked';
  Tags?: Record<string, string>;
  /** The default server group. */
  BackendServers?: ScenarioBackendServer[];
  VServerGroups?: { VServerGroupId: string; VServerGroupName?: string; BackendServers: ScenarioBackendServer[] }[];
  MasterSlaveServerGroups?: { MasterSlaveServerGroupId: string; MasterSlaveServerGroupName?: string; BackendServers: ScenarioBackendServer[] }[];
  Listeners: ScenarioListener[];
}

export interface ScenarioApiFault {
  /** An action name ("DescribeHealthStatus"), optionally with its product ("ecs:DescribeInstances", "slb:*"), or "*" for all. */
  action: string;
  kind: 'latency' | 'http5xx' | 'throttle-burst' | 'malformed-body' | 'internal-error';
  /** Only for these LB ids (e.g. to make one LB's calls fail). */
  loadBalancerIds?: string[];
  /** Probability per call 0..1 (default 1), or a count of calls to affect (then stops). */
  probability?: number;
  count?: number;
  latencyMs?: number;
  /** Only for 'malformed-body': a 200 whose JSON is cut short (default), or a 502 HTML page from the gateway. */
  variant?: 'truncated-json' | 'html-502';
}

/** An extra access key the sandbox accepts (besides the generated ones it prints). */
export interface ScenarioAccessKey {
  /** An id starting with "STS." is temporary: every call must carry `securityToken`. */
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** The STS token has expired: every call answers InvalidSecurityToken.Expired. */
  expired?: boolean;
  /** RAM actions this key may not call, e.g. "slb:DescribeHealthStatus", "ecs:*", "*". */
  deny?: string[];
}

export interface ScenarioApiSettings {
  /** Per-call latency drawn uniformly from [min, max] ms. */
  latencyMs?: [number, number];
  /**
   * Per-action quota: at most `calls` per rolling `perSeconds`, counted per action; keys are action names as in
   * faults ("DescribeHealthStatus", "slb:DescribeHealthStatus"); "*" is the default for every action (3000 per 60 s).
   */
  quotas?: Record<string, { calls: number; perSeconds: number }>;
  faults?: ScenarioApiFault[];
  /** RAM actions denied to the credentials the sandbox prints (AK and STS), e.g. "slb:DescribeHealthStatus". */
  denyActions?: string[];
  accessKeys?: ScenarioAccessKey[];
}

export interface ScenarioHealthCheckerSettings {
  /** Multiply every interval (a bench may slow the checker down to keep 2 cores free); default 1. */
  intervalScale?: number;
  /** Source addresses to send checks from; default 127.100.64.1–127.100.64.8. */
  sourceIps?: string[];
  /** At most this many check attempts in flight at once (each holds a socket until it ends or times out); default 256. */
  maxInFlight?: number;
}

export interface Scenario {
  /** Free text shown by `slb-doctor sandbox`. */
  description?: string;
  regionId: string;
  accountId: string;
  vpcs: ScenarioVpc[];
  instances: ScenarioInstance[];
  securityGroups: ScenarioSecurityGroup[];
  endpoints: ScenarioEndpoint[];
  loadBalancers: ScenarioLoadBalancer[];
  api?: ScenarioApiSettings;
  healthChecker?: ScenarioHealthCheckerSettings;
  /**
   * The planted faults, for tests and the benchmark's accuracy figure: key `lbId/protocol:port/ip:port` → the finding code
   * the product should report. The sandbox itself never reads it (status always comes from its own checker).
   */
  expectedFindings?: Record<string, string>;
  /**
   * What `audit --on-host` reports instead, for the keys whose findings the host script changes: key → the codes,
   * sorted and comma-separated (e.g. "CONNECT_TIMEOUT,HOST_CHECK_UNAVAILABLE"). Keys not listed keep expectedFindings.
   */
  expectedOnHostFindings?: Record<string, string>;
}
