// Which backends the on-host check examines, and with which checks: the ECS instances behind findings that host facts
// can confirm or refine, each instance once however many listeners it serves, each distinct check once per instance.
import { shellQuote } from '../diagnose/reproduce';
import type { HostCheckSpec } from '../host/types';
import type { Finding, FindingCode, Inventory, Listener } from '../model';

/** Findings whose cause lives on the host, or may: the firewall, the listener, the local answer, the load. */
export const HOST_CONFIRMABLE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'SLB_SOURCE_BLOCKED',
  'PORT_CLOSED',
  'CONNECT_TIMEOUT',
  'CONNECTION_RESET',
  'RESPONSE_TIMEOUT',
  'SLOW_RESPONSE',
  'PROTOCOL_ERROR',
  'UNDETERMINED',
  'PATH_NOT_FOUND',
  'STATUS_MISMATCH',
  'REDIRECT_NOT_ACCEPTED',
]);

/** One distinct check on one instance, and the findings it speaks to. */
export interface PlannedCheck {
  /** Stable within a run: the same spec on the same instance gets the same key. */
  key: string;
  spec: HostCheckSpec;
  /** Indexes into the findings array the plan was made from. */
  findingIndexes: number[];
  /** SLB's own verdict for this backend, passed to the host verdict. */
  slbStatus: string;
}

export interface HostTarget {
  instanceId: string;
  /** The instance's status from the inventory (DescribeInstances); '' when it was not described. */
  instanceStatus: string;
  checks: PlannedCheck[];
}

function findListener(inventory: Inventory, finding: Finding): Listener | undefined {
  const listener = finding.subject.listener;
  if (!listener) return undefined;
  return inventory.loadBalancers
    .find((lb) => lb.id === finding.subject.loadBalancerId)
    ?.listeners.find((l) => l.port === listener.port && l.protocol === listener.protocol);
}

/** The host check SLB's check on this finding's backend corresponds to; null when the backend is no ECS instance. */
export function hostCheckFor(finding: Finding, inventory: Inventory): HostCheckSpec | null {
  const backend = finding.subject.backend;
  const listener = findListener(inventory, finding);
  if (!backend || !listener) return null;
  const served = listener.backends.find((b) => b.serverId === backend.serverId && b.ip === backend.ip && b.port === backend.port);
  if (!served || served.type !== 'ecs') return null;
  const check = listener.healthCheck;
  return {
    backendIp: backend.ip,
    port: backend.checkPort,
    protocol: check.type,
    method: check.method,
    uri: check.uri,
    domain: check.type === 'http' ? check.domain : null,
    noHost: false,
    httpVersion: check.httpVersion,
    codes: [...check.acceptedCodes],
    timeoutSeconds: check.timeoutSeconds,
    udpRequest: check.udpRequest,
    udpExpect: check.udpExpect,
  };
}

export function checkKey(spec: HostCheckSpec): string {
  return JSON.stringify([spec.backendIp, spec.port, spec.protocol, spec.method, spec.uri, spec.domain, spec.noHost, spec.httpVersion, spec.codes, spec.timeoutSeconds, spec.udpRequest, spec.udpExpect]);
}

/** Groups the host-confirmable findings by instance, each distinct check once. */
export function planHostChecks(findings: readonly Finding[], inventory: Inventory): HostTarget[] {
  const targets = new Map<string, HostTarget>();
  findings.forEach((finding, index) => {
    if (!HOST_CONFIRMABLE_CODES.has(finding.code) || !finding.subject.backend) return;
    const spec = hostCheckFor(finding, inventory);
    if (!spec) return;
    const instanceId = finding.subject.backend.serverId;
    let target = targets.get(instanceId);
    if (!target) {
      target = { instanceId, instanceStatus: inventory.instances[instanceId]?.status ?? '', checks: [] };
      targets.set(instanceId, target);
    }
    const key = checkKey(spec);
    const existing = target.checks.find((check) => check.key === key);
    if (existing) existing.findingIndexes.push(index);
    else target.checks.push({ key, spec, findingIndexes: [index], slbStatus: finding.slbStatus ?? 'unknown' });
  });
  return [...targets.values()];
}

/** The command that prints this check's script and reads its output, for a person to run on the host by hand. */
export function hostScriptCommand(spec: HostCheckSpec, slbStatus: string): string {
  const flags = [
    '--backend-ip', spec.backendIp,
    '--port', String(spec.port),
    '--protocol', spec.protocol,
    ...(spec.protocol === 'http'
      ? ['--method', spec.method, '--uri', spec.uri, ...(spec.domain ? ['--domain', spec.domain] : []), '--http-version', spec.httpVersion, '--codes', spec.codes.join(',')]
      : []),
    '--timeout', String(spec.timeoutSeconds),
  ].map(shellQuote);
  const words = flags.join(' ');
  return `slb-doctor host-script ${words} > slb-check.sh && sudo bash slb-check.sh | slb-doctor host-verdict ${words} --slb-status ${shellQuote(slbStatus)}`;
}
