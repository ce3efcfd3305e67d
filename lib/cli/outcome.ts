// What an audit run ended with, for people (stderr, the report's delivery section) and for cron (the exit code).
import type { AuditSummary } from '../audit/types';
import type { NotifyReport } from '../notify';
import { EXIT } from './io';
import type { OutputFormat } from './settings';

export interface DeliveryOutcome {
  report: NotifyReport;
  /** The delivery's own completeness lines (lib/notify): each makes the run incomplete (exit 3). */
  problems: string[];
  /** Worth knowing, not a failure: a corrupt state moved aside. */
  warnings: string[];
}

export function deliveryOutcome(report: NotifyReport): DeliveryOutcome {
  return { report, problems: [...report.problems], warnings: [...report.state.warnings] };
}

/** Load balancers in scope that the run did not examine completely. */
export function coverageProblems(summary: AuditSummary): string[] {
  return summary.uncovered.map((u) => `${u.loadBalancerId} not covered: ${u.reason}`);
}

/** 3 (incomplete) wins over 1 (error findings); see EXIT. */
export function auditExitCode(summary: AuditSummary, incomplete: boolean): number {
  if (incomplete) return EXIT.incomplete;
  return summary.findings.some((f) => f.severity === 'error' || f.severity === 'critical') ? EXIT.findings : EXIT.ok;
}

function targetLine(target: NotifyReport['targets'][number]): string {
  const events = Object.entries(target.events).filter(([, n]) => n > 0).map(([event, n]) => `${n} ${event}`).join(', ');
  return `${target.label} (${target.kind}): ${target.status}${events ? `, ${events}` : ''}${target.reason ? ` (${target.reason})` : ''}`;
}

/** The delivery section that follows the report on stdout once delivery has ended, in the report's format. */
export function renderDelivery(outcome: DeliveryOutcome, format: OutputFormat): string {
  const { report, problems, warnings } = outcome;
  if (format === 'json') return `${JSON.stringify({ runId: report.runId, notify: report, problems, warnings }, null, 2)}\n`;
  const lines = [...report.targets.map(targetLine), ...warnings.map((w) => `warning: ${w}`), ...problems.map((p) => `incomplete: ${p}`)];
  if (format === 'markdown') return `\n## Notifications\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
  return `\nNotifications:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
