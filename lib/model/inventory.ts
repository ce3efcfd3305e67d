// The normalized inventory model: load balancer → listeners → backends.
// Every layer above the cloud clients (probe planning, diagnosis, notify, fan-out) speaks only these types.

export type ListenerProtocol = 'http' | 'https' | 'tcp' | 'udp';
export type SlbHealthStatus = 'normal' | 'abnormal' | 'unavailable';
export type BackendType = 'ecs' | 'eni' | 'eci';
export type HttpCodeClass = 'http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx';
export type CheckType = 'http' | 'tcp' | 'udp';

/** A listener's health check with the documented defaults already applied. */
export interface HealthCheckSpec {
  enabled: boolean;
  /** The protocol of the check itself (an HTTPS listener checks over plain HTTP, a TCP listener may use an HTTP check). */
  type: CheckType;
  method: 'HEAD' | 'GET';
  httpVersion: '1.0' | '1.1';
  /** The configured HealthCheckDomain; null when empty or `$_ip` (the backend's private IP is then used as Host). */
  domain: string | null;
  uri: string;
  /** HealthCheckConnectPort; null means "the backend's own port". */
  connectPort: number | null;
  acceptedCodes: HttpCodeClass[];
  /** What SLB actually waits: the configured timeout, or the interval when that is larger. */
  timeoutSeconds: number;
  configuredTimeoutSeconds: number;
  intervalSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  udpRequest: string | null;
  udpExpect: string | null;
}

export interface Backend {
  serverId: string;
  ip: string;
  /** The backend (traffic) port. */
  port: number;
  /** The port SLB checks: HealthCheckConnectPort, else `port`. */
  checkPort: number;
  /** The Host header SLB sends: the check domain, else the backend IP. Null for non-HTTP checks. */
  checkHost: string | null;
  weight: number;
  type: BackendType;
  group: { kind: 'default' } | { kind: 'vserver'; id: string } | { kind: 'master-slave'; id: string; role: 'Master' | 'Slave' };
  /** SLB's verdict from DescribeHealthStatus; 'unknown' when SLB listed no status for this backend, or one we do not know. */
  slbStatus: SlbHealthStatus | 'unknown';
  /** The ServerHealthStatus exactly as SLB spelled it, when it is not one we know (reported as such, never dropped). */
  slbStatusReported?: string;
}

export interface Listener {
  loadBalancerId: string;
  port: number;
  protocol: ListenerProtocol;
  status: 'running' | 'stopped' | 'starting' | 'configuring' | string;
  backendServerPort: number | null;
  vServerGroupId: string | null;
  masterSlaveServerGroupId: string | null;
  healthCheck: HealthCheckSpec;
  backends: Backend[];
  /** Settings SLB spelled in a way we do not know, each with the default used instead; absent when there are none. */
  warnings?: string[];
}

export interface LoadBalancer {
  id: string;
  name: string;
  regionId: string;
  vpcId: string | null;
  vSwitchId: string | null;
  address: string;
  addressType: string;
  networkType: string;
  status: string;
  tags: Record<string, string>;
  listeners: Listener[];
}

/** A load balancer whose API calls failed after retries: reported, never silently dropped. */
export interface InventoryError {
  loadBalancerId: string | null;
  action: string;
  code: string;
  message: string;
}

/** ECS control-plane facts the diagnosis combines with the probes. */
export interface EcsInstanceFacts {
  instanceId: string;
  status: string;
  privateIps: string[];
  securityGroupIds: string[];
  vpcId: string | null;
}

export interface SecurityGroupRule {
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  policy: 'accept' | 'drop';
  /** 1–100, smaller wins. */
  priority: number;
  ipProtocol: string;
  portRange: string;
  sourceCidrIp: string;
  description: string;
}

export interface InventoryFilter {
  loadBalancerIds?: string[];
  listener?: { port: number; protocol?: ListenerProtocol };
  tags?: Record<string, string>;
}

export interface Inventory {
  regionId: string;
  loadBalancers: LoadBalancer[];
  errors: InventoryError[];
  instances: Record<string, EcsInstanceFacts>;
  securityGroupRules: Record<string, SecurityGroupRule[]>;
  /** API calls made per action, for benchmarks and the run summary. */
  apiCalls: Record<string, number>;
}

/** The region-wide facts a load balancer's diagnosis reads beside its own model: ECS facts and the global errors. */
export type RegionFacts = Pick<Inventory, 'regionId' | 'errors' | 'instances' | 'securityGroupRules'>;
