// SLB_DOCTOR_ON_HOST for the audit function: off by default, 'true' turns the on-host phase on, anything else is one
// clear line (before any work is done).
import { planAuditRun } from '../../functions/audit/plan';
import type { FunctionRuntime } from '../../functions/function-runtime';

const RUNTIME: FunctionRuntime = {
  credentials: { accessKeyId: 'STS.role', accessKeySecret: 'secret', securityToken: 'token' },
  region: 'cn-shanghai',
  accountId: '1234567890123456',
  serviceName: 'slb-doctor',
  functionName: 'audit',
  timeoutSeconds: 240,
  startedAt: 1_000_000,
};

describe('SLB_DOCTOR_ON_HOST', () => {
  test('is off by default and when empty, on with true', async () => {
    expect((await planAuditRun({}, RUNTIME, {})).options.onHost).toBe(false);
    expect((await planAuditRun({}, RUNTIME, { SLB_DOCTOR_ON_HOST: '' })).options.onHost).toBe(false);
    expect((await planAuditRun({}, RUNTIME, { SLB_DOCTOR_ON_HOST: 'true' })).options.onHost).toBe(true);
    expect((await planAuditRun({}, RUNTIME, { SLB_DOCTOR_ON_HOST: ' false ' })).options.onHost).toBe(false);
  });

  test.each(['yes', '1', 'TRUE'])('refuses %j in one line naming the variable and the values', async (value) => {
    await expect(planAuditRun({}, RUNTIME, { SLB_DOCTOR_ON_HOST: value })).rejects.toThrow(`SLB_DOCTOR_ON_HOST must be true or false, got '${value}'.`);
  });
});
