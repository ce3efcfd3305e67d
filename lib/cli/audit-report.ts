// The audit's three faces: a readable terminal report, JSON for machines, and Markdown for tickets.
import type { AuditSummary } from '../audit/types';
import type { Finding, HealthCheckSpec, Inventory, Listener, LoadBalancer } from '../model';
import { clip, renderTable } from './table';

export function describeSpec(spec: HealthCheckSpec): string {
  if (!spec.enabled) return 'health check off';
  const timing = `timeout ${spec.timeoutSeconds}s, interval ${spec.intervalSeconds}s, healthy ${spec.healthyThreshold}/unhealthy ${spec.unhealthyThreshold}`;
  const port = spec.connectPort === null ? 'backend port' : `port ${spec.connectPort}`;
  if (spec.type === 'tcp') return `TCP connect to ${port}; ${timing}`;
  if (spec.type === 'udp') {
    const exchange = spec.udpRequest ? `send "${spec.udpRequest}" expect "${spec.udpExpect ?? ''}"` : 'UDP probe';
    return `${exchange} to ${port}; ${timing}`;
  }
  const host = spec.domain ?? 'backend IP';
  return `${spec.method} ${spec.uri} HTTP/${spec.httpVersion}, Host ${host}, ${port}, codes ${spec.acceptedCodes.join(',')}; ${timing}`;
}

function findingKey(lbId: string, listener: Pick<Listener, 'protocol' | 'port'>, ip: string, port: number): string {
  return `${lbId}/${listener.protocol}:${listener.port}/${ip}:${port}`;
}

function indexFindings(findings: Finding[]): { byBackend: Map<string, Finding[]>; other: Finding[] } {
  const byBackend = new Map<string, Finding[]>();
  const other: Finding[] = [];
  for (const finding of findings) {
    const { loadBalancerId, listener, backend } = finding.subject;
    if (listener && backend) {
      const key = findingKey(loadBalancerId, listener, backend.ip, backend.port);
      byBackend.set(key, [...(byBackend.get(key) ?? []), finding]);
    } else other.push(finding);
  }
  return { byBackend, other };
}

function headline(summary: AuditSummary, inventory: Inventory): string[] {
  const listeners = inventory.loadBalancers.reduce((n, lb) => n + lb.listeners.length, 0);
  const backends = inventory.loadBalancers.reduce((n, lb) => n + lb.listeners.reduce((m, l) => m + l.backends.length, 0), 0);
  const unhealthy = inventory.loadBalancers.reduce(
    (n, lb) => n + lb.listeners.reduce((m, l) => m + l.backends.filter((b) => b.slbStatus !== 'normal').length, 0),
    0,
  );
  const severities = Object.entries(summary.countsBySeverity).map(([s, n]) => `${n} ${s}`).join(', ') || 'none';
  const lines = [
    `Region ${summary.regionId}: ${inventory.loadBalancers.length} load balancer(s), ${listeners} listener(s), ${backends} backend(s), ${unhealthy} not normal; findings: ${severities}`,
  ];
  if (summary.uncovered.length > 0) {
    lines.push(`Not covered (${summary.uncovered.length}): ${summary.uncovered.map((u) => `${u.loadBalancerId} (${u.reason})`).join('; ')}`);
  }
  const host = summary.onHost;
  if (host) {
    lines.push(
      `On the hosts (Cloud Assistant): ${host.commanded} of ${host.instances} instance(s) examined in ${(host.elapsedMs / 1000).toFixed(1)} s; ${host.refined} refined, ${host.confirmed} confirmed, ${host.disagreed} disagreed, ${host.unavailable} unavailable${host.stillRunning > 0 ? `, ${host.stillRunning} still running` : ''}`,
    );
  }
  return lines;
}

function textFinding(finding: Finding, indent: string): string[] {
  const lines = [`${indent}${finding.code} [${finding.severity}] ${finding.cause}`];
  if (finding.evidenceLine) lines.push(`${indent}  evidence: ${finding.evidenceLine}`);
  for (const fact of finding.facts) lines.push(`${indent}  fact: ${fact}`);
  lines.push(`${indent}  fix: ${finding.remedy}`);
  for (const command of finding.reproduce) lines.push(`${indent}  reproduce: ${command}`);
  for (const command of finding.hostCommands) lines.push(`${indent}  on the host: ${command}`);
  return lines;
}

function textLoadBalancer(lb: LoadBalancer, byBackend: Map<string, Finding[]>, lbFindings: Finding[]): string[] {
  const lines = [`${lb.id} ${lb.name ? `(${lb.name}) ` : ''}${lb.vpcId ?? 'classic network'}`];
  for (const finding of lbFindings.filter((f) => f.subject.listener === null)) lines.push(...textFinding(finding, '  '));
  for (const listener of lb.listeners) {
    const healthy = listener.backends.filter((b) => b.slbStatus === 'normal').length;
    lines.push(`  ${listener.protocol.toUpperCase()}:${listener.port} ${listener.status}, ${healthy}/${listener.backends.length} normal — ${describeSpec(listener.healthCheck)}`);
    for (const finding of lbFindings.filter((f) => f.subject.listener?.port === listener.port && f.subject.listener.protocol === listener.protocol && f.subject.backend === null)) {
      lines.push(...textFinding(finding, '    '));
    }
    for (const backend of listener.backends) {
      const findings = byBackend.get(findingKey(lb.id, listener, backend.ip, backend.port)) ?? [];
      if (backend.slbStatus === 'normal' && findings.length === 0) continue;
      lines.push(`    ${backend.ip}:${backend.port} (${backend.serverId}, check port ${backend.checkPort}) SLB says ${backend.slbStatus}`);
      for (const finding of findings) lines.push(...textFinding(finding, '      '));
    }
  }
  return lines;
}

function findingsTable(findings: Finding[]): string {
  const rows = findings.map((f) => [
    f.subject.loadBalancerId,
    f.subject.listener ? `${f.subject.listener.protocol}:${f.subject.listener.port}` : '-',
    f.subject.backend ? `${f.subject.backend.ip}:${f.subject.backend.port}` : '-',
    f.slbStatus ?? '-',
    f.code,
    clip(f.evidenceLine || f.cause, 100),
  ]);
  return renderTable(['LOAD BALANCER', 'LISTENER', 'BACKEND', 'SLB', 'CODE', 'EVIDENCE'], rows);
}

export function renderAuditText(summary: AuditSummary, inventory: Inventory): string {
  const { byBackend, other } = indexFindings(summary.findings);
  const lines = headline(summary, inventory);
  if (summary.findings.length > 0) lines.push('', findingsTable(summary.findings), '', 'Details:');
  for (const lb of inventory.loadBalancers) {
    lines.push('', ...textLoadBalancer(lb, byBackend, other.filter((f) => f.subject.loadBalancerId === lb.id)));
  }
  const orphan = other.filter((f) => !inventory.loadBalancers.some((lb) => lb.id === f.subject.loadBalancerId));
  if (orphan.length > 0) lines.push('', 'Not inventoried:', ...orphan.flatMap((f) => textFinding(f, '  ')));
  if (summary.notify) {
    lines.push('', 'Notifications:');
    for (const target of summary.notify.targets) lines.push(`  ${target.label}: ${target.status}${target.reason ? ` (${target.reason})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAuditJson(summary: AuditSummary, inventory: Inventory): string {
  const loadBalancers = inventory.loadBalancers.map((lb) => ({
    loadBalancerId: lb.id,
    name: lb.name,
    vpcId: lb.vpcId,
    listeners: lb.listeners.map((listener) => ({
      port: listener.port,
      protocol: listener.protocol,
      status: listener.status,
      healthCheck: listener.healthCheck,
      backends: listener.backends.length,
      unhealthyBackends: listener.backends.filter((b) => b.slbStatus !== 'normal'),
    })),
  }));
  return `${JSON.stringify({ ...summary, loadBalancers, inventoryErrors: inventory.errors }, null, 2)}\n`;
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderAuditMarkdown(summary: AuditSummary, inventory: Inventory): string {
  const lines = [`# SLB health audit: ${summary.regionId}`, '', ...headline(summary, inventory).map((l) => `- ${l}`), ''];
  if (summary.findings.length === 0) {
    lines.push('No findings.');
  } else {
    lines.push('| Load balancer | Listener | Backend | Code | Evidence | Fix | Reproduce |', '|---|---|---|---|---|---|---|');
    for (const f of summary.findings) {
      const listener = f.subject.listener ? `${f.subject.listener.protocol}:${f.subject.listener.port}` : '';
      const backend = f.subject.backend ? `${f.subject.backend.ip}:${f.subject.backend.port}` : '';
      const reproduce = f.reproduce[0] ? `\`${f.reproduce[0]}\`` : '';
      lines.push(`| ${f.subject.loadBalancerId} | ${listener} | ${backend} | **${f.code}** | ${markdownCell(f.evidenceLine || f.cause)} | ${markdownCell(f.remedy)} | ${markdownCell(reproduce)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
