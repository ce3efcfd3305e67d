// Finding fixtures for the notify, state and sink tests.
import { FINDING_CODES, type Finding, type FindingCode, type Severity } from '../../lib/model';
import type { ExaminedScope } from '../../lib/notify';

export interface FindingSpec {
  code?: FindingCode;
  severity?: Severity;
  regionId?: string;
  loadBalancerId?: string;
  loadBalancerName?: string;
  tags?: Record<string, string>;
  listener?: { port: number; protocol: 'http' | 'https' | 'tcp' | 'udp' } | null;
  backend?: { ip: string; port: number } | null;
  evidenceLine?: string;
  remedy?: string;
}

export function makeFinding(spec: FindingSpec = {}): Finding {
  const code = spec.code ?? 'PORT_CLOSED';
  const listener = spec.listener === undefined ? { port: 80, protocol: 'tcp' as const } : spec.listener;
  const backend = spec.backend === undefined ? { ip: '127.0.0.11', port: 8080 } : spec.backend;
  const target = backend ? `${backend.ip} ${backend.port}` : 'the listener';
  return {
    code,
    severity: spec.severity ?? 'error',
    subject: {
      regionId: spec.regionId ?? 'cn-hangzhou',
      loadBalancerId: spec.loadBalancerId ?? 'lb-web1',
      loadBalancerName: spec.loadBalancerName ?? 'web-prod',
      vpcId: 'vpc-sandbox',
      tags: spec.tags ?? { env: 'prod' },
      listener,
      backend: backend ? { serverId: `i-${backend.ip.replace(/\./g, '')}`, ip: backend.ip, port: backend.port, checkPort: backend.port } : null,
    },
    slbStatus: 'abnormal',
    cause: `${code} on ${target}`,
    evidenceLine: spec.evidenceLine ?? `TCP connect ${target} → refused in 1 ms`,
    evidence: [],
    facts: [],
    remedy: spec.remedy ?? `Start the service on port ${backend?.port ?? 80} or fix the listener's backend port`,
    guideStep: 'L4 step 2: check the backend port listens',
    reproduce: backend ? [`nc -vz ${backend.ip} ${backend.port}`] : [],
    hostCommands: [],
  };
}

const SEVERITIES: Severity[] = ['critical', 'error', 'warning', 'info'];

/**
 * `count` distinct findings of a diverse fleet: every finding code at every severity, 20 per load balancer (with
 * Chinese names, 3 bytes a character), per-backend remedies and long non-ASCII evidence.
 */
export function manyFindings(count: number): Finding[] {
  return Array.from({ length: count }, (_, i) => {
    const backend = { ip: `127.0.${Math.floor(i / 240)}.${11 + (i % 240)}`, port: 8000 + (i % 7) };
    return makeFinding({
      code: FINDING_CODES[i % FINDING_CODES.length],
      severity: SEVERITIES[Math.floor(i / FINDING_CODES.length) % SEVERITIES.length],
      loadBalancerId: `lb-${String(Math.floor(i / 20)).padStart(3, '0')}`,
      loadBalancerName: `负载均衡-${Math.floor(i / 20)}`,
      listener: { port: 80 + (i % 3), protocol: 'http' },
      backend,
      evidenceLine: `HEAD /health HTTP/1.0, Host www.例子.com → ${400 + (i % 100)} in ${i} ms; 服务器返回错误页面 ${'x'.repeat(i % 50)}`,
      remedy: `Make ${backend.ip}:${backend.port} answer the check (see docs/findings.md)`,
    });
  });
}

/** The examined scope of a run that looked at every load balancer of the region (no filter, nothing uncovered). */
export function wholeRegion(regionId = 'cn-hangzhou'): ExaminedScope {
  return { regionId, loadBalancerIds: [], uncovered: [], wholeRegion: true, listener: null, healthyBackendsProbed: true };
}
