// What the audit function returns (and what an async invocation's result holds): the run's summary → counts and
// coverage, not the evidence, so it stays small for FC's reply and logs. The demo and the benchmark read it back.
import type { FanoutStats, FcFanoutExecutor } from '../fanout/fc-executor';
import type { OnHostReport } from '../onhost';
import type { NoticeFinding } from '../model';
import type { AuditRequest } from './request';
import type { AuditSummary } from './types';

export interface FindingBrief {
  code: string;
  severity: string;
  loadBalancerId: string;
  listener: string | null;
  backend: string | null;
  cause: string;
}

/** What the audit function returns (and what an async invocation's result holds). */
export interface AuditInvocationResult {
  runId: string;
  regionId: string;
  trigger: string | null;
  startedAt: string;
  finishedAt: string;
  covered: string[];
  uncovered: { loadBalancerId: string; reason: string }[];
  findingCount: number;
  countsByCode: Record<string, number>;
  countsBySeverity: Record<string, number>;
  /** The first findings in one line each (at most MAX_FINDINGS_LISTED). */
  findings: FindingBrief[];
  apiCalls: Record<string, number>;
  probesSent: number;
  fanout: FanoutStats | null;
  notify: unknown;
  /** The on-host phase's figures (SLB_DOCTOR_ON_HOST=true): instances, Cloud Assistant calls, time. */
  onHost?: OnHostReport;
}

export const MAX_FINDINGS_LISTED = 100;

export function invocationResult(summary: AuditSummary<NoticeFinding>, request: AuditRequest, fanout: FcFanoutExecutor | null): AuditInvocationResult {
  return {
    runId: summary.runId,
    regionId: summary.regionId,
    trigger: request.trigger ?? null,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    covered: summary.covered,
    uncovered: summary.uncovered,
    findingCount: summary.findings.length,
    countsByCode: summary.countsByCode,
    countsBySeverity: summary.countsBySeverity,
    findings: summary.findings.slice(0, MAX_FINDINGS_LISTED).map((finding) => ({
      code: finding.code,
      severity: finding.severity,
      loadBalancerId: finding.subject.loadBalancerId,
      listener: finding.subject.listener ? `${finding.subject.listener.protocol}:${finding.subject.listener.port}` : null,
      backend: finding.subject.backend ? `${finding.subject.backend.ip}:${finding.subject.backend.port}` : null,
      cause: finding.cause,
    })),
    apiCalls: summary.apiCalls,
    probesSent: summary.probesSent,
    fanout: fanout ? { ...fanout.stats } : null,
    ...(summary.onHost ? { onHost: summary.onHost } : {}),
    notify: summary.notify,
  };
}
