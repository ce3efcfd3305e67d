// Every environment variable the product reads, in one catalogue: the deploy descriptors and
// docs/configuration.md are checked against it by tests. Read variables only through `readEnv` and the
// decoders below, once per entry point (functions/*, the CLI), which hand typed settings to lib/.
import { parseEndpointOverride } from '../util/endpoint';
import { UserFacingError } from '../util/errors';
import { isWholeNumberIn } from '../util/numbers';

export interface EnvVariable {
  description: string;
  default?: string;
  /** Where it matters: the FC functions that read it, or 'cli'. */
  usedBy: ReadonlyArray<'audit' | 'alarm' | 'probe' | 'cli'>;
}

export const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: { description: 'Access key id, when not running on FC (FC passes STS credentials in the context).', usedBy: ['cli'] },
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: { description: 'Access key secret paired with ALIBABA_CLOUD_ACCESS_KEY_ID.', usedBy: ['cli'] },
  ALIBABA_CLOUD_SECURITY_TOKEN: { description: 'STS security token, when the access key is temporary.', usedBy: ['cli'] },
  SLB_DOCTOR_REGION: { description: 'Region to audit; defaults to the function\'s own region on FC.', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_SLB_ENDPOINT: { description: 'Override the SLB OpenAPI endpoint, e.g. http://127.0.0.1:7001 for the sandbox.', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_ECS_ENDPOINT: { description: 'Override the ECS OpenAPI endpoint.', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_FC_ENDPOINT: { description: 'Override the Function Compute endpoint used to invoke probe functions and the audit function.', usedBy: ['audit', 'alarm'] },
  SLB_DOCTOR_OSS_ENDPOINT: { description: 'Override the OSS endpoint used for oss:// state.', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_NOTIFY_TARGETS: { description: 'Notification targets: a JSON list of {name?, kind: dingtalk|slack|feishu|wecom|webhook, url, secret?, mentions?, minSeverity?, match?} (docs/notifications.md).', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_STATE: { description: 'Where notification state lives: file:/mnt/nas/slb-doctor/state.json, oss://bucket/key, or memory: (nothing kept between runs).', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_REPEAT_INTERVAL: { description: 'Re-send findings that are still open after this long (e.g. 4h, 30m).', default: '4h', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_FLAP_RUNS: { description: 'Flap damping: consecutive runs a finding must hold before it notifies, and stay gone before it resolves.', default: '1', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_FORMAT: { description: 'The CLI\'s report format when --format is not given: text (the default, in a terminal and in a pipe), json or markdown.', usedBy: ['cli'] },
  SLB_DOCTOR_SILENCES: { description: 'Silences: a JSON list of {loadBalancerId?, listener?, backend?, code?, expiresAt, comment?} (docs/notifications.md).', usedBy: ['audit', 'cli'] },
  SLB_DOCTOR_PROBE_FUNCTIONS: { description: 'Fan probes out to VPC-attached probe functions: a JSON map of VPC id → {"service": …, "function": …}. Unset: probe from the audit function itself.', usedBy: ['audit'] },
  SLB_DOCTOR_PROBE_BATCH_SIZE: { description: 'Probe jobs per probe-function invocation for backends SLB reports unhealthy (1–200); 1 lets no job wait for another.', default: '1', usedBy: ['audit'] },
  SLB_DOCTOR_FANOUT_CONCURRENCY: { description: 'Probe-function invocations in flight at once (1–1024); the probe function\'s InstanceConcurrency packs them onto few instances.', default: '256', usedBy: ['audit'] },
  SLB_DOCTOR_PROBE_CONCURRENCY: { description: 'Probes in flight at once where probing runs (the audit function without fan-out, or one probe-function instance across its concurrent invocations), 1–1024.', default: '256', usedBy: ['audit', 'probe'] },
  SLB_DOCTOR_PROBE_ALLOWED_CIDRS: { description: 'Required by the probe function: comma-separated IPv4 CIDRs it may probe (the VPC\'s ranges, each /8 or narrower); other targets are refused.', usedBy: ['probe'] },
  SLB_DOCTOR_ALARM_TOKEN: { description: 'Required by the alarm function: the secret (≥24 characters) the CloudMonitor callback URL must carry as ?token=.', usedBy: ['alarm'] },
  SLB_DOCTOR_ON_HOST: { description: 'true runs the read-only host script through Cloud Assistant on the ECS backends host facts can explain (needs the opt-in RAM statement, docs/deploy.md).', default: 'false', usedBy: ['audit'] },
  SLB_DOCTOR_AUDIT_FUNCTION: { description: 'The audit function the alarm function queues: "function" (same service) or "service/function".', default: 'audit', usedBy: ['alarm'] },
} satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV;

export function readEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  if (value !== undefined && value.trim() !== '') return value.trim();
  const fallback: EnvVariable = ENV[name];
  return fallback.default;
}

/** A whole-number setting within [min, max] (the default counts); anything else is one line naming the variable. */
export function readIntEnv(name: EnvName, env: NodeJS.ProcessEnv, min: number, max: number): number {
  const raw = readEnv(name, env);
  const value = Number(raw);
  if (raw === undefined || !isWholeNumberIn(value, min, max)) {
    throw new UserFacingError(`${name} must be a whole number from ${min} to ${max}, got '${raw ?? ''}'.`, 'CONFIG_INVALID');
  }
  return value;
}

/** An endpoint override, checked here so that a bad URL is reported with the variable that holds it. */
export function readEndpointEnv(name: EndpointVariable, env: NodeJS.ProcessEnv): string | undefined {
  const value = readEnv(name, env);
  if (value !== undefined) parseEndpointOverride(value, name);
  return value;
}

export type EndpointVariable = 'SLB_DOCTOR_SLB_ENDPOINT' | 'SLB_DOCTOR_ECS_ENDPOINT';

/** The access key in ALIBABA_CLOUD_*: what lib/cloud uses when no explicit credentials are given (fields unset stay absent). */
export function accessKeyFromEnv(env: NodeJS.ProcessEnv): { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } {
  const accessKeyId = readEnv('ALIBABA_CLOUD_ACCESS_KEY_ID', env);
  const accessKeySecret = readEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET', env);
  const securityToken = readEnv('ALIBABA_CLOUD_SECURITY_TOKEN', env);
  return {
    ...(accessKeyId !== undefined ? { accessKeyId } : {}),
    ...(accessKeySecret !== undefined ? { accessKeySecret } : {}),
    ...(securityToken !== undefined ? { securityToken } : {}),
  };
}
