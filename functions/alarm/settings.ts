// The alarm function's settings: the shared secret the callback URL must carry, and how to queue the audit function.
import { MIN_TOKEN_LENGTH } from '../../lib/alarm/auth';
import type { AlarmDeps } from '../../lib/alarm/handle';
import { UserFacingError } from '../../lib/util/errors';
import { FC_NAME_PATTERN } from '../../lib/util/fc-name';
import type { AuditRequest } from '../../lib/audit/request';
import { readEnv } from '../../lib/config/env';
import { fcClientFor } from '../fc-client';
import type { FunctionRuntime } from '../function-runtime';

// CloudMonitor gives up after 5 s; queueing must answer well within that, so it gets little time and one retry.
const QUEUE_TIMEOUT_MS = 1_500;
const QUEUE_RETRY = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 200, maxTotalMs: 1_000 };

export interface AlarmSettings {
  token: string;
  audit: { service: string; function: string };
}

export function readAlarmSettings(runtime: FunctionRuntime, env: NodeJS.ProcessEnv): AlarmSettings {
  const token = readEnv('SLB_DOCTOR_ALARM_TOKEN', env);
  if (token === undefined || token.length < MIN_TOKEN_LENGTH) {
    throw new UserFacingError(
      `SLB_DOCTOR_ALARM_TOKEN must be set to a random secret of at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 24).`,
      'CONFIG_INVALID',
    );
  }
  const target = readEnv('SLB_DOCTOR_AUDIT_FUNCTION', env) ?? 'audit';
  const match = new RegExp(`^(?:(${FC_NAME_PATTERN})/)?(${FC_NAME_PATTERN})$`).exec(target);
  const functionName = match?.[2];
  if (!match || functionName === undefined) {
    throw new UserFacingError(`SLB_DOCTOR_AUDIT_FUNCTION must be 'function' or 'service/function', got '${target}'.`, 'CONFIG_INVALID');
  }
  return { token, audit: { service: match[1] ?? runtime.serviceName, function: functionName } };
}

/** The alarm handler's dependencies: the token to expect and an async invocation of the audit function. */
export function alarmDeps(runtime: FunctionRuntime, env: NodeJS.ProcessEnv, log: (line: string) => void): AlarmDeps {
  const settings = readAlarmSettings(runtime, env);
  const fc = fcClientFor(runtime, env, 'it must invoke the audit function');
  return {
    expectedToken: settings.token,
    log,
    queueAudit: (request: AuditRequest) =>
      fc.invokeAsync(settings.audit.service, settings.audit.function, JSON.stringify(request), { timeoutMs: QUEUE_TIMEOUT_MS, retry: QUEUE_RETRY }),
  };
}
