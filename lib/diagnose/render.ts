// Findings as plain text for a terminal (the CLI's probe and audit commands).
import type { Finding, FindingSubject } from '../model';
import { describeProbe } from './describe';

export interface RenderOptions {
  /** List every probe of the evidence (replay and variants), not only the decisive line. */
  showProbes?: boolean;
}

// Values in findings come from APIs and backends we do not control: no escape sequence may reach the terminal.
function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`).replace(/\n/g, '\\n');
}

export function describeSubject(subject: FindingSubject): string {
  const lb = subject.loadBalancerName && subject.loadBalancerName !== subject.loadBalancerId ? `${subject.loadBalancerId} (${subject.loadBalancerName})` : subject.loadBalancerId || subject.regionId;
  const listener = subject.listener ? ` ${subject.listener.protocol}:${subject.listener.port}` : '';
  const backend = subject.backend
    ? ` → ${subject.backend.serverId} ${subject.backend.ip}:${subject.backend.port}${subject.backend.checkPort !== subject.backend.port ? ` (check port ${subject.backend.checkPort})` : ''}`
    : '';
  return `${lb}${listener}${backend}`;
}

const LABEL_WIDTH = 13;
function field(label: string, lines: string[]): string[] {
  return lines.map((line, i) => `  ${(i === 0 ? label : '').padEnd(LABEL_WIDTH)}${printable(line)}`);
}

export function renderFinding(finding: Finding, options: RenderOptions = {}): string {
  const lines = [`${finding.severity.toUpperCase()} ${finding.code}  ${printable(describeSubject(finding.subject))}`];
  lines.push(...field('cause', [finding.cause]));
  lines.push(...field('evidence', [finding.evidenceLine]));
  lines.push(...field('remedy', [finding.remedy]));
  lines.push(...field('guide', [finding.guideStep]));
  if (finding.facts.length > 0) lines.push(...field('facts', finding.facts));
  if (finding.reproduce.length > 0) lines.push(...field('reproduce', ['from the backend or a host in its VPC:', ...finding.reproduce.map((c) => `$ ${c}`)]));
  if (finding.hostCommands.length > 0) lines.push(...field('on the host', finding.hostCommands.map((c) => `$ ${c}`)));
  if (options.showProbes && finding.evidence.length > 0) {
    lines.push(...field('probes', finding.evidence.map((p) => `${p.label}: ${describeProbe(p.result)}`)));
  }
  return lines.join('\n');
}

export function renderFindings(findings: readonly Finding[], options: RenderOptions = {}): string {
  if (findings.length === 0) return 'No findings.\n';
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const summary = ['critical', 'error', 'warning', 'info'].filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`).join(', ');
  return `${findings.length} finding${findings.length === 1 ? '' : 's'} (${summary})\n\n${findings.map((f) => renderFinding(f, options)).join('\n\n')}\n`;
}
