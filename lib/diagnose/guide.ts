// Where each finding comes from in Alibaba Cloud's own documentation, and how bad it is by default.
// L7 guide: "How do I troubleshoot a health check exception of a Layer 7 listener (HTTP/HTTPS)?"
// L4 guide: "How do I troubleshoot health check exceptions of a Layer-4 (TCP/UDP) listener?"
// Health check FAQ (CN 健康检查常见问题): its checklist "如何排查负载均衡健康检查异常" is cited by item number.
import type { FindingCode, ProbeJob, Severity } from '../model';

export const GUIDE = {
  l7Source: 'L7 guide step 1: 100.64.0.0/10 must not be blocked by iptables, a firewall or security software',
  l4Source: 'L4 guide step 1: 100.64.0.0/10 must not be blocked by iptables, a firewall or security software',
  l7Request: 'L7 guide step 2: from the backend, request the check path with the same port, path and domain (nc with HEAD … HTTP/1.0)',
  l4Telnet: 'L4 guide step 2: telnet the private IP and check port; "refused" fails the check',
  l4HttpCheck: 'L4 guide step 3: an HTTP check on a TCP/UDP listener is troubleshot like L7',
  udpCheck: 'Health check overview, UDP: ICMP port unreachable fails the check, silence passes unless HealthCheckReq/HealthCheckExp are set',
  slowResponse: 'Health check FAQ, checklist item 7: the backend answers slower than the health check timeout (measure with time nc)',
  overload: 'Health check FAQ, checklist item 9: high CPU, memory or connection load on the backend',
  listening: 'Health check FAQ, checklist items 2 and 4: the service must run and listen on the private address and check port',
  httpCodes: 'Configure health checks: only the HealthCheckHttpCode classes count as healthy (301/302 need http_3xx)',
  headMethod: 'Configure health checks / Health check FAQ: use GET when the backend does not support HEAD (SLB reads at most 8 KB of a GET body)',
  checkDomain: 'Health check FAQ: without a check domain SLB sends the backend IP or no Host, and the default server may answer 404/400; set HealthCheckDomain',
  httpVersion: 'Configure health checks: HealthCheckHttpVersion (http1.0 or http1.1)',
  httpsListener: 'Health check overview: an HTTPS listener ends TLS and checks (and forwards to) backends over plain HTTP',
  timeWindows: 'Health check overview: time windows (unhealthy after UnhealthyThreshold failed checks, healthy after HealthyThreshold passes)',
  weightZero: 'Health check FAQ, checklist item 5: servers with weight 0 receive no traffic (L4 listeners report them abnormal)',
  instanceState: 'ECS instance troubleshooting (ECS实例异常排查): the backend instance must be running',
  healthCheckSwitch: 'Configure health checks: HealthCheck on/off (with checks off, SLB never removes a failed backend)',
  pending: 'DescribeHealthStatus: "unavailable" means the check has not completed',
  listenerStopped: 'DescribeHealthStatus: a stopped listener checks no backend (its backends show "unavailable")',
  securityGroup: 'Health check overview: security groups allow 100.64.0.0/10 unless a rule explicitly drops it',
  api: 'SLB OpenAPI 2014-05-15: the RAM policy must allow the Describe* actions, and throttled calls must be retried',
} as const;

/** The guide step for "send the check request yourself", by check and listener type. */
export function requestStep(job: Pick<ProbeJob, 'checkType' | 'listenerProtocol'>): string {
  if (job.checkType === 'udp') return GUIDE.udpCheck;
  if (job.checkType === 'tcp') return GUIDE.l4Telnet;
  return job.listenerProtocol === 'tcp' || job.listenerProtocol === 'udp' ? `${GUIDE.l4HttpCheck}; ${GUIDE.l7Request}` : GUIDE.l7Request;
}

export function sourceStep(job: Pick<ProbeJob, 'listenerProtocol'>): string {
  return job.listenerProtocol === 'tcp' || job.listenerProtocol === 'udp' ? GUIDE.l4Source : GUIDE.l7Source;
}

/**
 * Default severity: error when SLB has (or would) take the backend out of rotation, warning for drained, pending and
 * at-risk states, info for good news. diagnose() raises error to critical when a listener has no healthy backend left,
 * and lowers it to warning while SLB still reports the backend normal.
 */
export const BASE_SEVERITY: Record<FindingCode, Severity> = {
  PORT_CLOSED: 'error',
  CONNECT_TIMEOUT: 'error',
  CONNECTION_RESET: 'error',
  RESPONSE_TIMEOUT: 'error',
  SLOW_RESPONSE: 'error',
  PATH_NOT_FOUND: 'error',
  REDIRECT_NOT_ACCEPTED: 'error',
  STATUS_MISMATCH: 'error',
  HEAD_NOT_SUPPORTED: 'error',
  HOST_REJECTED: 'error',
  HTTP_VERSION_REJECTED: 'error',
  TLS_ON_PLAIN_PORT: 'error',
  PROTOCOL_ERROR: 'error',
  UDP_NO_REPLY: 'error',
  UDP_PORT_UNREACHABLE: 'error',
  SLB_SOURCE_BLOCKED: 'error',
  SECURITY_GROUP_BLOCKS: 'error',
  FLAPPING: 'error',
  INSTANCE_NOT_RUNNING: 'error',
  UNDETERMINED: 'error',
  PROBE_FAILED: 'error',
  NO_PROBER_FOR_VPC: 'error',
  HOST_FIREWALL_BLOCKS_SLB: 'error',
  SERVICE_BOUND_TO_LOOPBACK: 'error',
  ROUTE_TO_SLB_ASYMMETRIC: 'error',
  HOST_CHECK_UNAVAILABLE: 'warning',
  WEIGHT_ZERO: 'warning',
  HEALTH_CHECK_DISABLED: 'warning',
  CHECK_PENDING: 'warning',
  TIMEOUT_RISK: 'warning',
  INVENTORY_ERROR: 'warning',
  LISTENER_STOPPED: 'info',
  RECOVERED: 'info',
};
