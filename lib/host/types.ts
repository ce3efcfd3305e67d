// The contract of the on-host check (issue 10): what the host script is told to check, and what the verdict returns.
// The script's output format is described in lib/host/README.md; lib/host/output.ts parses it.
import type { CheckType, FindingCode, HttpCodeClass } from '../model';

/** One health check as SLB runs it against one backend, seen from the backend host itself. */
export interface HostCheckSpec {
  /** The backend's private IPv4 address (the address SLB checks, held by one of the host's interfaces). */
  backendIp: string;
  /** The port SLB checks (HealthCheckConnectPort, else the backend port). */
  port: number;
  protocol: CheckType;
  method: 'HEAD' | 'GET';
  uri: string;
  /** Host header SLB sends; null sends the backend IP unless noHost. */
  domain: string | null;
  noHost: boolean;
  httpVersion: '1.0' | '1.1';
  codes: HttpCodeClass[];
  timeoutSeconds: number;
  udpRequest: string | null;
  udpExpect: string | null;
}

/** The codes only the host verdict gives (diagnose() from the VPC never does). */
export const HOST_ONLY_CODES = ['HOST_FIREWALL_BLOCKS_SLB', 'SERVICE_BOUND_TO_LOOPBACK', 'ROUTE_TO_SLB_ASYMMETRIC', 'HOST_CHECK_UNAVAILABLE'] as const satisfies readonly FindingCode[];

/** The stable codes a host verdict can give: the four host codes, and existing codes the host confirms. */
export type HostFindingCode = Extract<
  FindingCode,
  | 'HOST_FIREWALL_BLOCKS_SLB'
  | 'SERVICE_BOUND_TO_LOOPBACK'
  | 'ROUTE_TO_SLB_ASYMMETRIC'
  | 'HOST_CHECK_UNAVAILABLE'
  | 'PORT_CLOSED'
  | 'PATH_NOT_FOUND'
  | 'STATUS_MISMATCH'
  | 'REDIRECT_NOT_ACCEPTED'
  | 'PROTOCOL_ERROR'
  | 'RESPONSE_TIMEOUT'
  | 'SLOW_RESPONSE'
  | 'CONNECTION_RESET'
>;

export interface HostFinding {
  code: HostFindingCode;
  /** One line: what is wrong, with the decisive fact (the rule, the share of 100.64.0.0/10, the address bound). */
  cause: string;
  /** The facts that prove it, one per line, as read from the host (table, chain, position, counters, sysctl …). */
  evidence: string[];
  remedy: string;
  /** The firewall rule text that decides, exactly as the tool printed it, when one rule is the cause. */
  rule?: string;
}

/** What the verdict could read, and what it could not (a partial verdict names every missing fact). */
export interface HostVerdict {
  findings: HostFinding[];
  facts: HostFacts;
  /** Facts that could not be read (tool missing, no root, cut for size, garbled), one line each. */
  missing: string[];
  /** Rules the evaluator did not understand, with their possible effect on the verdict. */
  notUnderstood: string[];
  /** Disagreements between host facts and SLB's verdict, and other context (security software seen). */
  notes: string[];
}

export interface HostFacts {
  scriptVersion: string | null;
  uid: number | null;
  hostname: string | null;
  kernel: string | null;
  /** The interface that holds the backend IP (where SLB's checks arrive), when known. */
  interfaceName: string | null;
  rpFilter: { all: number | null; default: number | null; interface: number | null; effective: number | null };
  /** Where replies to 100.64.0.0/10 leave, per sampled address (from `ip route get … from BACKEND_IP`). */
  routes: { destination: string; device: string | null; via: string | null; table: string | null; raw: string }[];
  listeners: { address: string; port: number; process: string | null }[];
  replays: HostReplay[];
  load: { loadavg1: number | null; cpus: number | null; listenOverflows: number | null; listenDrops: number | null };
  securitySoftware: string[];
  /** The share of 100.64.0.0/10 (0..1) the firewall drops or rejects for a new check connection, when evaluated. */
  blockedShare: number | null;
  /** The part of 100.64.0.0/10 whose replies would not go back through the interface (routes, rp_filter), as CIDR blocks. */
  unroutedRanges: string[];
  /** The blocked part of 100.64.0.0/10 as CIDR blocks (empty when nothing is blocked or the firewall was not read). */
  blockedRanges: string[];
}

export interface HostReplay {
  /** The address the host itself sent the check to: the backend IP or 127.0.0.1. */
  target: string;
  tool: 'curl' | 'bash' | 'none';
  /** HTTP status; null for TCP checks or failures. */
  status: number | null;
  /** connected | refused | timeout | reset | error | not_http | udp_reply | udp_no_reply. */
  outcome: string;
  ms: number | null;
  /** The first reply line (HTTP status line or the bytes received), printable. */
  firstLine: string | null;
}
