// The audit's three faces: a readable terminal report, JSON for machines, and Markdown for tickets. The text report is
// compact by default (one line per finding, grouped by load balancer, fitted to the width, then each distinct remedy
// once with its reproduce command); `verbose` adds every listener's check and the full evidence of each finding.
import type { AuditSummary } from '../audit/types';
import { targetKey, type Finding, type HealthCheckSpec, type Inventory, type LoadBalancer } from '../model';
import { fitTable, wrapCommand, wrapText } from './table';

export interface TextReportOptions {
  /** Characters per line (COLUMNS, the terminal, or 100). */
  width: number;
  verbose: boolean;
}

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

function indexFindings(findings: Finding[]): { byBackend: Map<string, Finding[]>; other: Finding[] } {
  const byBackend = new Map<string, Finding[]>();
  const other: Finding[] = [];
  for (const finding of findings) {
    const { loadBalancerId, listener, backend } = finding.subject;
    if (listener && backend) {
      const key = targetKey({ loadBalancerId, listener, backend });
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
    for (const warning of listener.warnings ?? []) lines.push(`    warning: ${warning}`);
    for (const finding of lbFindings.filter((f) => f.subject.listener?.port === listener.port && f.subject.listener.protocol === listener.protocol && f.subject.backend === null)) {
      lines.push(...textFinding(finding, '    '));
    }
    for (const backend of listener.backends) {
      const findings = byBackend.get(targetKey({ loadBalancerId: lb.id, listener, backend })) ?? [];
      if (backend.slbStatus === 'normal' && findings.length === 0) continue;
      lines.push(`    ${backend.ip}:${backend.port} (${backend.serverId}, check port ${backend.checkPort}) SLB says ${backend.slbStatusReported ?? backend.slbStatus}`);
      for (const finding of findings) lines.push(...textFinding(finding, '      '));
    }
  }
  return lines;
}

function listenerOf(finding: Finding): string {
  const { listener } = finding.subject;
  return listener ? `${listener.protocol}:${listener.port}` : '-';
}

function backendOf(finding: Finding): string {
  const { backend } = finding.subject;
  return backend ? `${backend.ip}:${backend.port}` : '-';
}

/** Findings by load balancer, in the inventory's order (then any the inventory could not list), listener, backend. */
function groupByLoadBalancer(findings: Finding[], inventory: Inventory): { loadBalancerId: string; title: string; findings: Finding[] }[] {
  const order = inventory.loadBalancers.map((lb) => lb.id);
  for (const finding of findings) if (!order.includes(finding.subject.loadBalancerId)) order.push(finding.subject.loadBalancerId);
  return order
    .map((id) => {
      const lb = inventory.loadBalancers.find((l) => l.id === id);
      const title = lb ? `${lb.id}${lb.name ? ` (${lb.name})` : ''}, ${lb.vpcId ?? 'classic network'}` : `${id} (not inventoried)`;
      const own = findings.filter((f) => f.subject.loadBalancerId === id);
      own.sort((a, b) => (a.subject.listener?.port ?? 0) - (b.subject.listener?.port ?? 0) || backendOf(a).localeCompare(backendOf(b), 'en', { numeric: true }));
      return { loadBalancerId: id, title, findings: own };
    })
    .filter((group) => group.findings.length > 0);
}

interface Remedy {
  remedy: string;
  findings: Finding[];
}

/** Each distinct remedy once, numbered in the order the table first meets it. */
function distinctRemedies(ordered: Finding[]): Remedy[] {
  const byText = new Map<string, Remedy>();
  for (const finding of ordered) {
    const entry = byText.get(finding.remedy) ?? { remedy: finding.remedy, findings: [] };
    entry.findings.push(finding);
    byText.set(finding.remedy, entry);
  }
  return [...byText.values()];
}

function compactFindings(summary: AuditSummary, inventory: Inventory, width: number): string[] {
  const groups = groupByLoadBalancer(summary.findings, inventory);
  const ordered = groups.flatMap((g) => g.findings);
  const remedies = distinctRemedies(ordered);
  const fixOf = (finding: Finding): string => `[${remedies.findIndex((r) => r.findings.includes(finding)) + 1}]`;
  // One table for every group, so that the columns line up; the cause is the only column that gives way.
  const header = ['LISTENER', 'BACKEND', 'CODE', 'FIX', 'CAUSE'];
  const rows = [header, ...ordered.map((f) => [listenerOf(f), backendOf(f), f.code, fixOf(f), f.cause])];
  const laidOut = fitTable(rows, 4, width, '  ');
  const lines = [`Findings (${summary.findings.length}):`, laidOut[0] ?? ''];
  let row = 1;
  for (const group of groups) {
    lines.push(...wrapText(group.title, width));
    for (let i = 0; i < group.findings.length; i += 1) lines.push(laidOut[row++] ?? '');
  }
  lines.push('', 'How to fix:');
  remedies.forEach((entry, index) => {
    const first = entry.findings[0];
    if (!first) return;
    const codes = [...new Set(entry.findings.map((f) => `${f.code} [${f.severity}]`))].join(', ');
    const where = entry.findings.length === 1 ? `${first.subject.loadBalancerId} ${listenerOf(first)} ${backendOf(first)}` : `${entry.findings.length} findings`;
    lines.push(...wrapText(`${codes}, ${where}`, width, `[${index + 1}] `, '    '));
    lines.push(...wrapText(entry.remedy, width, '    '));
    // The first reproduce command that fits the width (a long quoted payload cannot be broken); --verbose shows all.
    const wrapped = first.reproduce.map((command) => wrapCommand(command, width, '      ', '        '));
    const reproduce = wrapped.find((commandLines) => commandLines.every((line) => line.length <= width)) ?? wrapped[0];
    if (reproduce) lines.push('    reproduce:', ...reproduce);
  });
  return lines;
}

export function renderAuditText(summary: AuditSummary, inventory: Inventory, options: TextReportOptions): string {
  const lines = headline(summary, inventory).flatMap((line) => wrapText(line, options.width, '', '  '));
  if (summary.findings.length > 0) lines.push('', ...compactFindings(summary, inventory, options.width));
  if (options.verbose) {
    const { byBackend, other } = indexFindings(summary.findings);
    lines.push('', 'Details:');
    for (const lb of inventory.loadBalancers) {
      lines.push('', ...textLoadBalancer(lb, byBackend, other.filter((f) => f.subject.loadBalancerId === lb.id)));
    }
    const orphan = other.filter((f) => !inventory.loadBalancers.some((lb) => lb.id === f.subject.loadBalancerId));
    if (orphan.length > 0) lines.push('', 'Not inventoried:', ...orphan.flatMap((f) => textFinding(f, '  ')));
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
  // The delivery is not part of the report: it runs after it and has its own document (lib/cli/outcome.ts).
  const { notify: _delivery, ...report } = summary;
  return `${JSON.stringify({ ...report, loadBalancers, inventoryErrors: inventory.errors }, null, 2)}\n`;
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
