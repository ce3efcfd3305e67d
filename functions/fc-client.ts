// An FC client signed with the function's own (service role) credentials, for the functions that invoke others
// (audit → probe, alarm → audit). Kept apart so that the probe function's bundle carries no FC SDK.
import { createFcClient, type FcClient } from '../lib/cloud/fc';
import { UserFacingError } from '../lib/util/errors';
import { readEnv } from '../lib/config/env';
import type { FunctionRuntime } from './function-runtime';

/** An FC client signed with the function's own (service role) credentials; `why` says what it is for, in errors. */
export function fcClientFor(runtime: FunctionRuntime, env: NodeJS.ProcessEnv, why: string): FcClient {
  if (!runtime.credentials) {
    throw new UserFacingError(
      `function ${runtime.functionName} got no credentials in its context, but ${why}; give its service a RAM role (see docs/deploy.md).`,
      'CREDENTIALS_MISSING',
    );
  }
  return createFcClient({
    accountId: runtime.accountId,
    region: runtime.region,
    credentials: runtime.credentials,
    endpoint: readEnv('SLB_DOCTOR_FC_ENDPOINT', env) ?? null,
  });
}
