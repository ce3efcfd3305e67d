// Findings: the product's answer. Codes are stable; never rename one (docs/findings.md documents each).
import type { ListenerProtocol, SlbHealthStatus } from './inventory';
import type { LabelledProbe } from './evidence';

export const FINDING_CODES = [
  'PORT_CLOSED',
  'CONNECT_TIMEOUT',
  'CONNECTION_RESET',
  'RESPONSE_TIMEOUT',
  'SLOW_RESPONSE',
  'PATH_NOT_FOUND',
  'REDIRECT_NOT_ACCEPTED',
  'STATUS_MISMATCH',
  'HEAD_NOT_SUPPORTED',
  'HOST_REJECTED',
  'HTTP_VERSION_REJECTED',
  'TLS_ON_PLAIN_PORT',
  'PROTOCOL_ERROR',
  'UDP_NO_REPLY',
  'UDP_PORT_UNREACHABLE',
  'SLB_SOURCE_BLOCKED',
  'SECURITY_GROUP_BLOCKS',
  'FLAPPING',
  'INSTANCE_NOT_RUNNING',
  'WEIGHT_ZERO',
  'HEALTH_CHECK_DISABLED',
  'LISTENER_STOPPED',
  'CHECK_PENDING',
  'TIMEOUT_RISK',
  'RECOVERED',
  'UNDETERMINED',
  'NO_PROBER_FOR_VPC',
  'PROBE_FAILED',
  'INVENTORY_ERROR',
  'HOST_FIREWALL_BLOCKS_SLB',
  'SERVICE_BOUND_TO_LOOPBACK',
  'ROUTE_TO_SLB_ASYMMETRIC',
  'HOST_CHECK_UNAVAILABLE',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export type Severity = 'critical' | 'error' | 'warning' | 'info';
export const SEVERITY_ORDER: Record<Severity, number> = { critical: 3, error: 2, warning: 1, info: 0 };

export interface FindingSubject {
  regionId: string;
  loadBalancerId: string;
  loadBalancerName: string;
  vpcId: string | null;
  tags: Record<string, string>;
  listener: { port: number; protocol: ListenerProtocol } | null;
  backend: { serverId: string; ip: string; port: number; checkPort: number } | null;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  subject: FindingSubject;
  slbStatus: SlbHealthStatus | 'unknown' | null;
  /** One line: what is wrong, with the decisive figure (code, latency vs timeout …). */
  cause: string;
  /** One line a person reads in chat, e.g. `HEAD /test.html HTTP/1.0, Host www.slb-test.com → 404 in 12 ms`. */
  evidenceLine: string;
  evidence: LabelledProbe[];
  /** Control-plane facts that contributed (SG rule, instance status, weight …). */
  facts: string[];
  remedy: string;
  /** The step of the official troubleshooting guide this comes from. */
  guideStep: string;
  /** Exact curl / nc / telnet lines with this listener's values filled in. */
  reproduce: string[];
  /** Commands to run on the backend host itself (SLB_SOURCE_BLOCKED and the like). */
  hostCommands: string[];
  /**
   * Set when the verdict was reached without facts that could have given it another code (the ECS API failed, so a
   * stopped instance or a security-group drop could not be ruled out). Says which facts were missing, and why.
   */
  withoutFacts?: string;
}

/**
 * What a notice and the notification state read of a finding: all of it but the probes it ran and the commands for
 * the host, which only a report shows (the CLI's). The FC audit function keeps its findings in this form.
 */
export type NoticeFinding = Omit<Finding, 'evidence' | 'hostCommands'>;

/** A finding as a notice reads it: the same objects, without the probes and host commands. */
export function noticeOf(finding: Finding): NoticeFinding {
  const { evidence: _evidence, hostCommands: _hostCommands, ...notice } = finding;
  return notice;
}
