// Every environment variable the product reads, in one catalogue: the deploy descriptors and
// docs/configuration.md are checked against it by tests. Read variables only through `readEnv`.

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
  SLB_DOCTOR_FC_ENDPOINT: { description: 'Override the Function Compute endpoint used to invoke probe functions and the audit function.', usedBy: ['audit', 'alarm', 'cli'] },
  SLB_DOCTOR_OSS_ENDPOINT: { description: 'Override the OSS endpoint used for oss:// state.', usedBy: ['audit', 'cli'] },
} satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV;

export function readEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  if (value !== undefined && value.trim() !== '') return value.trim();
  const fallback: EnvVariable = ENV[name];
  return fallback.default;
}
