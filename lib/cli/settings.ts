// The CLI's environment, decoded once at the entry point into typed settings (docs/configuration.md lists the
// variables; lib/config/env.ts is their catalogue). Flags win over these: the audit command merges them.
import type { EnvironmentAccessKey } from '../cloud';
import { accessKeyFromEnv, readEndpointEnv, readEnv } from '../config/env';
import { notifyOptionsFromEnv, type NotifyOptions } from '../notify';
import { UserFacingError } from '../util/errors';

export const OUTPUT_FORMATS = ['text', 'json', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface CliSettings {
  regionId: string | undefined;
  endpoints: { slb?: string; ecs?: string; oss?: string };
  /** The notification targets document (JSON), when SLB_DOCTOR_NOTIFY_TARGETS is set. */
  notifyTargets: string | undefined;
  stateUrl: string | undefined;
  notifyOptions: Partial<NotifyOptions>;
  format: OutputFormat | undefined;
  /** ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / ALIBABA_CLOUD_SECURITY_TOKEN. */
  accessKey: EnvironmentAccessKey;
}

export function parseFormat(value: string, source: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) throw new UserFacingError(`${source} must be ${OUTPUT_FORMATS.join(', ')}, got '${value}'.`, 'USAGE');
  return value as OutputFormat;
}

/** Every variable the CLI reads; a value it cannot use is a configuration error (exit 2), named with its variable. */
export function decodeCliEnv(env: NodeJS.ProcessEnv): CliSettings {
  const notify = notifyOptionsFromEnv(env);
  if (notify.errors.length > 0) throw new UserFacingError(`invalid notification settings: ${notify.errors.join('; ')}`, 'CONFIG_INVALID');
  const slb = readEndpointEnv('SLB_DOCTOR_SLB_ENDPOINT', env);
  const ecs = readEndpointEnv('SLB_DOCTOR_ECS_ENDPOINT', env);
  const oss = readEnv('SLB_DOCTOR_OSS_ENDPOINT', env);
  const format = readEnv('SLB_DOCTOR_FORMAT', env);
  return {
    regionId: readEnv('SLB_DOCTOR_REGION', env),
    endpoints: { ...(slb ? { slb } : {}), ...(ecs ? { ecs } : {}), ...(oss ? { oss } : {}) },
    notifyTargets: readEnv('SLB_DOCTOR_NOTIFY_TARGETS', env),
    stateUrl: readEnv('SLB_DOCTOR_STATE', env),
    notifyOptions: notify.options,
    format: format === undefined ? undefined : parseFormat(format, 'SLB_DOCTOR_FORMAT'),
    accessKey: accessKeyFromEnv(env),
  };
}
