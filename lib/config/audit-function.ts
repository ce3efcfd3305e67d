// The audit function's logic around runAudit: request + context + environment → AuditOptions, and the run's summary
// → the invocation result (counts and coverage, not the evidence, so it stays small for FC's reply and logs).
import type { AuditOptions, AuditSummary } from '../audit/types';
import { fcFanoutExecutor, type FanoutStats, type FcFanoutExecutor } from '../fanout/fc-executor';
import { inProcessExecutor } from '../fanout/in-process';
import { parseVpcProbeMap } from '../fanout/vpc-map';
import type { ProbeExecutor } from '../model';
import type { OnHostReport } from '../onhost';
import { notifyOptionsFromEnv } from '../notify/options';
import { readTargetsDocument } from '../notify/targets';
import type { AuditRequest } from './audit-request';
import { UserFacingError } from '../util/errors';
import { readEnv } from './env';
import { fcClientFor } from './fc-client';
import { functionDeadline, intSetting, type FunctionRuntime } from './function-runtime';

export interface AuditRunPlan {
  options: AuditOptions;
  /** The fan-out executor when SLB_DOCTOR_PROBE_FUNCTIONS is set (for its invocation counts); else null. */
  fanout: FcFanoutExecutor | null;
}

export async function planAuditRun(request: AuditRequest, runtime: FunctionRuntime, env: NodeJS.ProcessEnv, onProgress?: (line: string) => void): Promise<AuditRunPlan> {
  const regionId = request.regionId ?? readEnv('SLB_DOCTOR_REGION', env) ?? runtime.region;
  const mapJson = readEnv('SLB_DOCTOR_PROBE_FUNCTIONS', env);
  let executor: ProbeExecutor;
  let fanout: FcFanoutExecutor | null = null;
  if (mapJson !== undefined) {
    fanout = fcFanoutExecutor({
      fc: fcClientFor(runtime, env, 'SLB_DOCTOR_PROBE_FUNCTIONS asks it to invoke probe functions'),
      vpcMap: parseVpcProbeMap(mapJson, 'SLB_DOCTOR_PROBE_FUNCTIONS'),
      batchSize: intSetting('SLB_DOCTOR_PROBE_BATCH_SIZE', env, 1, 50),
      concurrency: intSetting('SLB_DOCTOR_FANOUT_CONCURRENCY', env, 1, 64),
    });
    executor = fanout;
  } else {
    executor = inProcessExecutor({ concurrency: intSetting('SLB_DOCTOR_PROBE_CONCURRENCY', env, 1, 256) });
  }
  const targets = await readTargetsDocument({ env });
  const notifyOptions = notifyOptionsFromEnv(env);
  for (const problem of notifyOptions.errors) onProgress?.(`notify: ${problem}`);
  const slb = readEnv('SLB_DOCTOR_SLB_ENDPOINT', env);
  const ecs = readEnv('SLB_DOCTOR_ECS_ENDPOINT', env);
  const oss = readEnv('SLB_DOCTOR_OSS_ENDPOINT', env);
  const onHost = readEnv('SLB_DOCTOR_ON_HOST', env);
  if (onHost !== 'true' && onHost !== 'false') {
    throw new UserFacingError(`SLB_DOCTOR_ON_HOST must be true or false, got '${onHost ?? ''}'.`, 'CONFIG_INVALID');
  }
  const options: AuditOptions = {
    scope: {
      regionId,
      ...(request.loadBalancerIds ? { loadBalancerIds: request.loadBalancerIds } : {}),
      ...(request.listener ? { listener: request.listener } : {}),
      ...(request.tags ? { tags: request.tags } : {}),
      ...(request.all !== undefined ? { all: request.all } : {}),
    },
    credentials: runtime.credentials,
    endpoints: { ...(slb ? { slb } : {}), ...(ecs ? { ecs } : {}), ...(oss ? { oss } : {}) },
    executor,
    notify: targets
      ? { targetsJson: targets.json, targetsSource: targets.source, stateUrl: readEnv('SLB_DOCTOR_STATE', env) ?? null, options: notifyOptions.options }
      : null,
    deadlineAt: functionDeadline(runtime.startedAt, runtime.timeoutSeconds),
    ...(onProgress ? { onProgress } : {}),
    onHost: onHost === 'true',
  };
  return { options, fanout };
}

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

export function invocationResult(summary: AuditSummary, request: AuditRequest, fanout: FcFanoutExecutor | null): AuditInvocationResult {
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
    notify: summary.notify,
    ...(summary.onHost ? { onHost: summary.onHost } : {}),
  };
}
