// The deadline requirement, end to end: the built audit function in the FC emulator, with a deliberately short
// timeout and more probing than fits in it (backends that hang until the check's timeout, probed one at a time),
// finishes its notification, reports exactly which load balancers it covered and which not, and returns cleanly
// instead of being killed at its timeout.
import type { AuditInvocationResult } from '../../lib/audit/invocation-result';
import type { Scenario } from '../../lib/sandbox/scenario/types';
import { SERVICE_NAME, startSandboxStack, type SandboxStack } from '../../lib/sandbox/stack';
import { findingsFromDigests, plantedTarget } from '../../bench/accuracy';
import { buildBundles, type Bundles } from '../deploy/bundles';
import { waitForStatus } from '../support/wait';

// Its own loopback range, clear of the default scenario (127.0.0.0/24), the bench fleet (127.1–5.x.x) and SLB's source.
const IP = (n: number): string => `127.61.0.${n}`;
const HANGING = [1, 2, 3, 4];
/** Long enough for one or two hung backends to be examined, far too short for four (each needs ~4 s + the overheads). */
const AUDIT_TIMEOUT_SECONDS = 24;

const check = { HealthCheckMethod: 'get' as const, HealthCheckURI: '/status', HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 };
const scenario: Scenario = {
  regionId: 'cn-hangzhou',
  accountId: '1688000000000061',
  vpcs: [{ vpcId: 'vpc-deadline', cidr: '127.61.0.0/16', vSwitchId: 'vsw-deadline' }],
  securityGroups: [
    { securityGroupId: 'sg-deadline', vpcId: 'vpc-deadline', rules: [{ direction: 'ingress', policy: 'accept', priority: 1, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0' }] },
  ],
  instances: [10, ...HANGING.map((k) => 20 + k)].map((n) => ({ instanceId: `i-deadline-${n}`, status: 'Running', vpcId: 'vpc-deadline', privateIp: IP(n), securityGroupIds: ['sg-deadline'] })),
  endpoints: [{ ip: IP(10), port: 8080, behaviour: 'healthy' }, ...HANGING.map((k) => ({ ip: IP(20 + k), port: 8080, behaviour: 'hang' as const }))],
  loadBalancers: [
    ...['a', 'b'].map((name) => ({
      LoadBalancerId: `lb-deadline-ok-${name}`,
      VpcId: 'vpc-deadline',
      BackendServers: [{ ServerId: 'i-deadline-10', Weight: 100 }],
      Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080, healthCheck: check }],
    })),
    ...HANGING.map((k) => ({
      LoadBalancerId: `lb-deadline-hang-${k}`,
      VpcId: 'vpc-deadline',
      BackendServers: [
        { ServerId: 'i-deadline-10', Weight: 100 },
        { ServerId: `i-deadline-${20 + k}`, Weight: 100 },
      ],
      Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080, healthCheck: check }],
    })),
  ],
  api: { latencyMs: [2, 5] },
  expectedFindings: Object.fromEntries(HANGING.map((k) => [`lb-deadline-hang-${k}/http:80/${IP(20 + k)}:8080`, 'RESPONSE_TIMEOUT'])),
};
const allIds = scenario.loadBalancers.map((lb) => lb.LoadBalancerId);
const faultyIds = HANGING.map((k) => `lb-deadline-hang-${k}`);

let bundles: Bundles;
let stack: SandboxStack;

beforeAll(async () => {
  bundles = buildBundles();
  stack = await startSandboxStack(scenario, {
    functionsDir: bundles.dir,
    auditTimeoutSeconds: AUDIT_TIMEOUT_SECONDS,
    // One backend per invocation, one invocation at a time: the probing is strictly sequential.
    auditEnv: { SLB_DOCTOR_PROBE_BATCH_SIZE: '1', SLB_DOCTOR_FANOUT_CONCURRENCY: '1' },
    notify: ['webhook'],
  });
  expect(await stack.cloud.checker.settled(30_000)).toBe(true);
  for (const key of Object.keys(stack.cloud.scenario.expectedFindings ?? {})) expect(await waitForStatus(stack.cloud.checker, key, 'abnormal', 15_000)).toBe(true);
});

afterAll(async () => {
  await stack?.stop();
  bundles?.remove();
});

test('against a short function timeout the audit notifies, reports covered and uncovered load balancers exactly, and returns', async () => {
  const record = await stack.fc.waitForAsync(stack.fc.fireTimer({ service: SERVICE_NAME, name: 'audit' }, { triggerName: 'deadline' }), 90_000);

  // Returned by itself: not killed at the timeout, no error.
  expect(record.error).toBeNull();
  expect(record.status).toBe('succeeded');
  expect(stack.fc.stats()[`${SERVICE_NAME}/audit`]).toMatchObject({ timeouts: 0, errors: 0 });
  const result = JSON.parse(record.result ?? 'null') as AuditInvocationResult;

  // Covered and uncovered partition the fleet; only load balancers with backends left to probe can be uncovered.
  const uncoveredIds = result.uncovered.map((u) => u.loadBalancerId);
  expect([...result.covered, ...uncoveredIds].sort()).toEqual([...allIds].sort());
  expect(new Set([...result.covered, ...uncoveredIds]).size).toBe(allIds.length);
  expect(result.covered).toEqual(expect.arrayContaining(['lb-deadline-ok-a', 'lb-deadline-ok-b']));
  for (const u of result.uncovered) {
    expect(faultyIds).toContain(u.loadBalancerId);
    expect(u.reason).toMatch(/deadline/);
  }
  // The timeout cut the run short, yet it examined what fitted.
  expect(uncoveredIds.length).toBeGreaterThan(0);
  expect(result.covered.filter((id) => faultyIds.includes(id)).length).toBeGreaterThan(0);
  expect(result.fanout).toMatchObject({ failedBatches: 0, noProber: 0 });
  expect(result.fanout?.leftOut).toBe(uncoveredIds.length);

  // The notification went out, saying which load balancers were not covered, with a finding for each covered fault only.
  expect(stack.sinks.received('webhook')).toHaveLength(1);
  const body = stack.sinks.received('webhook')[0]?.body as { runs: { uncovered: { loadBalancerId: string }[] }[] };
  expect(body.runs[0]?.uncovered.map((u) => u.loadBalancerId).sort()).toEqual([...uncoveredIds].sort());
  const delivered = findingsFromDigests([body]).findings;
  for (const [key, code] of Object.entries(stack.cloud.scenario.expectedFindings ?? {})) {
    const lb = plantedTarget(key)?.loadBalancerId ?? '';
    const finding = delivered.find((f) => f.key === key);
    if (result.covered.includes(lb)) expect(finding?.code).toBe(code);
    else expect(finding).toBeUndefined();
  }
});
