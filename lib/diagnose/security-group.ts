// Does an ECS security group drop SLB's health checks? SLB checks from 100.64.0.0/10, which security groups allow
// implicitly, but an explicit drop rule covering that range (e.g. "drop TCP 80 from 0.0.0.0/0") still wins unless an
// accept rule with a smaller priority number covers it first. Rules from all of an instance's groups are evaluated
// together: smaller priority number first, and drop before accept at equal priority.
import type { SecurityGroupRule } from '../model';
import { ipv4Range, parseIpv4Cidr } from '../util/ipv4';

export const SLB_HEALTH_CHECK_CIDR = '100.64.0.0/10';

interface Range {
  first: number;
  last: number;
}

export interface SecurityGroupVerdict {
  /** Drop rules that decide some part of 100.64.0.0/10 for this port, in evaluation order. */
  droppingRules: SecurityGroupRule[];
  /** Share of 100.64.0.0/10 that is dropped (0 … 1). */
  droppedShare: number;
}

/** `10.0.0.0/8` → its first and last address as numbers; null for anything that is not an IPv4 CIDR or address. */
export function cidrRange(text: string): Range | null {
  const cidr = parseIpv4Cidr(text);
  return cidr === null ? null : ipv4Range(cidr);
}

/** `80/80`, `1/65535`, `-1/-1` (all ports). */
export function portRangeCovers(portRange: string, port: number): boolean {
  const match = /^(-?\d+)\/(-?\d+)$/.exec(portRange.trim());
  if (!match) return false;
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from === -1 && to === -1) return true;
  return port >= from && port <= to;
}

function protocolCovers(ipProtocol: string, protocol: 'tcp' | 'udp'): boolean {
  const normalized = ipProtocol.trim().toLowerCase();
  return normalized === 'all' || normalized === protocol;
}

function subtract(ranges: Range[], cut: Range): { kept: Range[]; removed: Range[] } {
  const kept: Range[] = [];
  const removed: Range[] = [];
  for (const r of ranges) {
    if (cut.last < r.first || cut.first > r.last) {
      kept.push(r);
      continue;
    }
    if (r.first < cut.first) kept.push({ first: r.first, last: cut.first - 1 });
    if (r.last > cut.last) kept.push({ first: cut.last + 1, last: r.last });
    removed.push({ first: Math.max(r.first, cut.first), last: Math.min(r.last, cut.last) });
  }
  return { kept, removed };
}

const size = (ranges: Range[]): number => ranges.reduce((sum, r) => sum + (r.last - r.first + 1), 0);

/** Evaluates ingress rules for SLB's check traffic to `port` over `protocol`. */
export function evaluateSecurityGroups(rules: readonly SecurityGroupRule[], check: { protocol: 'tcp' | 'udp'; port: number }): SecurityGroupVerdict {
  const source = cidrRange(SLB_HEALTH_CHECK_CIDR) as Range;
  const ordered = rules
    .filter((r) => r.direction === 'ingress' && protocolCovers(r.ipProtocol, check.protocol) && portRangeCovers(r.portRange, check.port))
    .map((rule) => ({ rule, range: cidrRange(rule.sourceCidrIp) }))
    .filter((r): r is { rule: SecurityGroupRule; range: Range } => r.range !== null)
    .sort((a, b) => a.rule.priority - b.rule.priority || (a.rule.policy === b.rule.policy ? 0 : a.rule.policy === 'drop' ? -1 : 1));
  let undecided: Range[] = [source];
  const dropped: Range[] = [];
  const droppingRules: SecurityGroupRule[] = [];
  for (const { rule, range } of ordered) {
    if (undecided.length === 0) break;
    const { kept, removed } = subtract(undecided, range);
    if (removed.length === 0) continue;
    undecided = kept;
    if (rule.policy === 'drop') {
      dropped.push(...removed);
      droppingRules.push(rule);
    }
  }
  return { droppingRules, droppedShare: size(dropped) / size([source]) };
}

export function describeRule(rule: SecurityGroupRule): string {
  const from = rule.sourceCidrIp || 'a source group';
  const note = rule.description ? ` ("${rule.description}")` : '';
  return `${rule.securityGroupId} ingress ${rule.policy} ${rule.ipProtocol.toUpperCase()} ${rule.portRange} from ${from} priority ${rule.priority}${note}`;
}
