// The audit function's wiring: request + context + environment → AuditOptions (executor, FC client, notify options).
import type { AuditRequest } from '../../lib/audit/request';
import type { AuditOptions } from '../../lib/audit/types';
import { fcFanoutExecutor, MAX_FANOUT_CONCURRENCY, type FcFanoutExecutor } from '../../lib/fanout/fc-executor';
import { inProcessExecutor } from '../../lib/fanout/in-process';
import { parseVpcProbeMap } from '../../lib/fanout/vpc-map';
import type { ProbeExecutor } from '../../lib/model';
import { notifyOptionsFromEnv } from '../../lib/notify/options';
import { readTargetsDocument } from '../../lib/notify/targets';
import { accessKeyFromEnv, readEndpointEnv, readEnv, readIntEnv } from '../../lib/config/env';
import { UserFacingError } from '../../lib/util/errors';
import { fcClientFor } from '../fc-client';
import { functionDeadline, type FunctionRuntime } from '../function-runtime';

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
      batchSize: readIntEnv('SLB_DOCTOR_PROBE_BATCH_SIZE', env, 1, 50),
      concurrency: readIntEnv('SLB_DOCTOR_FANOUT_CONCURRENCY', env, 1, MAX_FANOUT_CONCURRENCY),
      warmUp: true,
    });
    executor = fanout;
  } else {
    executor = inProcessExecutor({ concurrency: readIntEnv('SLB_DOCTOR_PROBE_CONCURRENCY', env, 1, 1024) });
  }
  const targets = await readTargetsDocument({ env });
  const notifyOptions = notifyOptionsFromEnv(env);
  for (const problem of notifyOptions.errors) onProgress?.(`notify: ${problem}`);
  const slb = readEndpointEnv('SLB_DOCTOR_SLB_ENDPOINT', env);
  const ecs = readEndpointEnv('SLB_DOCTOR_ECS_ENDPOINT', env);
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
    environmentCredentials: accessKeyFromEnv(env),
    endpoints: { ...(slb ? { slb } : {}), ...(ecs ? { ecs } : {}), ...(oss ? { oss } : {}) },
    executor,
    notify: targets
      ? { targetsJson: targets.json, targetsSource: targets.source, stateUrl: readEnv('SLB_DOCTOR_STATE', env) ?? null, options: notifyOptions.options }
      : null,
    deadlineAt: functionDeadline(runtime.startedAt, runtime.timeoutSeconds),
    onHost: onHost === 'true',
    ...(onProgress ? { onProgress } : {}),
  };
  return { options, fanout };
}
