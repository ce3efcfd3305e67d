// The product's whole audit (runAudit: inventory → probe jobs → in-process probing → diagnosis) against the sandbox
// cloud: the default scenario's planted faults each give exactly their finding code, and the codes that need a moment
// in time (RECOVERED, TIMEOUT_RISK, CHECK_PENDING) or a broken API (INVENTORY_ERROR) get targeted runs.
import * as http from 'node:http';
import { runAudit, type AuditRun } from '../../lib/audit/run';
import { inProcessExecutor } from '../../lib/fanout/in-process';
import { FINDING_CODES, type FindingCode, type ProbeExecutor } from '../../lib/model';
import type { ScenarioHealthCheck, ScenarioLoadBalancer } from '../../lib/sandbox/scenario/types';
import { codesByKey, keysOf } from '../support/findings';
import { instance, oneVpcScenario, relocatedDefaultScenario, TEST_VPC } from '../support/scenarios';
import { listenOnFreeNet } from '../support/nets';
import { startTestCloud, type TestCloud } from '../support/test-cloud';
import { waitForStatus } from '../support/wait';

/** Codes the default scenario does not plant, and the test that covers each. */
const COVERED_ELSEWHERE: Partial<Record<FindingCode, string>> = {
  CHECK_PENDING: 'this file, "codes that need a moment in time …"',
  RECOVERED: 'this file, "codes that need a moment in time …"',
  TIMEOUT_RISK: 'this file, "codes that need a moment in time …" (needs scope.all)',
  INVENTORY_ERROR: 'this file, "codes that need a moment in time …"; test/integration/inventory.test.ts for the InventoryError',
  HTTP_VERSION_REJECTED: 'test/diagnose/diagnose.test.ts (no sandbox behaviour rejects HTTP/1.0 alone)',
  UNDETERMINED: 'test/diagnose/diagnose.test.ts (an outcome no rule explains, e.g. EHOSTUNREACH, cannot happen on loopback)',
  NO_PROBER_FOR_VPC: 'test/fanout/fc-executor.test.ts and test/diagnose/diagnose.test.ts (needs the FC fan-out)',
  PROBE_FAILED: 'test/fanout/fc-executor.test.ts, test/fanout/probe-batch.test.ts and test/diagnose/diagnose.test.ts',
  HOST_FIREWALL_BLOCKS_SLB: 'test/host/*.test.ts (host-verdict on real firewall dumps and in network namespaces)',
  SERVICE_BOUND_TO_LOOPBACK: 'test/host/*.test.ts (host-verdict on the host script run in a network namespace)',
  ROUTE_TO_SLB_ASYMMETRIC: 'test/host/*.test.ts (host-verdict with policy routing and rp_filter in a network namespace)',
  HOST_CHECK_UNAVAILABLE: 'test/host/*.test.ts (truncated, garbled, other-version and tool-less script output)',
};

/** This suite's copy of the default scenario lives in 127.61.0.0/24. */
const DEFAULT_NET = '127.61.0';
const SETTLE_MS = 20_000;

describe('the default scenario: one backend per finding code', () => {
  const scenario = relocatedDefaultScenario(DEFAULT_NET);
  const expected = scenario.expectedFindings ?? {};
  let cloud: TestCloud;
  let run: AuditRun;
  let actual: Record<string, string>;

  beforeAll(async () => {
    cloud = await startTestCloud(scenario);
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's health checker did not settle within ${SETTLE_MS} ms`);
    run = await runAudit(cloud.auditOptions());
    actual = codesByKey(run.summary.findings, run.inventory);
  });
  afterAll(() => cloud?.stop());

  it('plants every code a sandbox backend can produce, each exactly once', () => {
    const producible = FINDING_CODES.filter((code) => !Object.hasOwn(COVERED_ELSEWHERE, code));
    expect(Object.values(expected).sort()).toEqual([...producible].sort());
  });

  it.each(Object.entries(expected))('%s gets %s and nothing else', (key, code) => {
    // Where the sandbox serves it: moved if another run holds this suite's addresses.
    const served = cloud.sandbox.actual(key);
    const reported = run.summary.findings.filter((finding) => keysOf(finding, run.inventory).includes(served));
    // Code and cause together, so that a mismatch shows what the product saw instead.
    expect(reported.map((finding) => `${finding.code}: ${finding.cause}`)).toEqual([expect.stringMatching(new RegExp(`^${code}: `))]);
  });

  it('reports nothing for the healthy backends and no finding outside the planted ones', () => {
    expect(actual).toEqual(cloud.sandbox.scenario.expectedFindings);
    expect(Object.keys(actual).length).toBe(Object.keys(expected).length);
    expect(run.summary.uncovered).toEqual([]);
    expect(run.summary.covered.sort()).toEqual(scenario.loadBalancers.map((lb) => lb.LoadBalancerId).sort());
  });
});

describe('codes that need a moment in time or a broken API', () => {
  // The flip backend is the test's own server (an "external" endpoint, which the sandbox never moves), so this suite
  // finds a free net itself: the first random /24 where that server can listen.
  let NET = '';
  const key = (lb: string, ip: string): string => `${lb}/http:80/${NET}.${ip}:8080`;
  const FAST_CHECK = { HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 } as const;
  const defaultGroup = (id: string, servers: string[], healthCheck: ScenarioHealthCheck): ScenarioLoadBalancer => ({
    LoadBalancerId: id,
    VpcId: TEST_VPC,
    BackendServers: servers.map((ServerId) => ({ ServerId, Weight: 100 })),
    Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck }],
  });

  // A backend the test controls (a scenario "external" endpoint): 503 until it recovers.
  let failing = true;
  const flipServer = http.createServer((_request, response) => {
    response.writeHead(failing ? 503 : 200, { 'Content-Length': '0' });
    response.end();
  });
  let cloud: TestCloud;

  beforeAll(async () => {
    NET = await listenOnFreeNet(flipServer, 11, 8080);
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: ['flip', 'fast', 'slow', 'pending', 'broken'].map((name, index) => instance(`i-${name}`, `${NET}.${11 + index}`)),
        endpoints: [
          { ip: `${NET}.11`, port: 8080, external: true, note: 'the test flips it from 503 to 200' },
          { ip: `${NET}.12`, port: 8080, behaviour: 'healthy' },
          { ip: `${NET}.13`, port: 8080, behaviour: 'slow', options: { delayMs: 3300 }, note: 'within the 4 s timeout, beyond 80% of it' },
          { ip: `${NET}.14`, port: 8080, behaviour: 'healthy' },
          { ip: `${NET}.15`, port: 8080, behaviour: 'healthy' },
        ],
        loadBalancers: [
          defaultGroup('lb-recover', ['i-flip', 'i-fast'], FAST_CHECK),
          defaultGroup('lb-risk', ['i-slow', 'i-fast'], { HealthCheckInterval: 2, HealthCheckTimeout: 4, HealthyThreshold: 2, UnhealthyThreshold: 2 }),
          // Ten passes 50 s apart before SLB says anything: pending for the whole test.
          defaultGroup('lb-pending', ['i-pending'], { HealthCheckInterval: 50, HealthCheckTimeout: 5, HealthyThreshold: 10, UnhealthyThreshold: 10 }),
          defaultGroup('lb-broken', ['i-broken'], FAST_CHECK),
        ],
        api: { faults: [{ action: 'DescribeHealthStatus', kind: 'http5xx', loadBalancerIds: ['lb-broken'] }] },
      }),
    );
  });
  afterAll(async () => {
    await cloud?.stop();
    flipServer.closeAllConnections();
    await new Promise((resolve) => flipServer.close(resolve));
  });

  const codesOf = (run: AuditRun): Record<string, string> => codesByKey(run.summary.findings, run.inventory);

  it('RECOVERED: SLB said abnormal at the inventory, every probe passes, and SLB says normal at the re-check', async () => {
    const flip = key('lb-recover', '11');
    expect(await waitForStatus(cloud.sandbox.checker, flip, 'abnormal', SETTLE_MS)).toBe(true);
    expect(await waitForStatus(cloud.sandbox.checker, key('lb-recover', '12'), 'normal', SETTLE_MS)).toBe(true);
    const probeInProcess = inProcessExecutor({});
    // The backend recovers after the inventory was read and before the probes run (and SLB notices).
    const recoverThenProbe: ProbeExecutor = async (jobs, options) => {
      failing = false;
      if (!(await waitForStatus(cloud.sandbox.checker, flip, 'normal', SETTLE_MS))) throw new Error(`SLB's checker never saw ${flip} recover`);
      return probeInProcess(jobs, options);
    };
    const run = await runAudit(cloud.auditOptions({ loadBalancerIds: ['lb-recover'] }, { executor: recoverThenProbe }));
    expect(codesOf(run)).toEqual({ [flip]: 'RECOVERED' });
    expect(run.summary.findings[0]?.severity).toBe('info');
    expect(run.summary.findings[0]?.facts).toContain('SLB re-check: normal');
  });

  it('TIMEOUT_RISK: with scope.all, a healthy backend answering in more than 80% of the timeout', async () => {
    for (const ip of ['12', '13']) expect(await waitForStatus(cloud.sandbox.checker, key('lb-risk', ip), 'normal', SETTLE_MS)).toBe(true);
    const run = await runAudit(cloud.auditOptions({ loadBalancerIds: ['lb-risk'], all: true }));
    expect(codesOf(run)).toEqual({ [key('lb-risk', '13')]: 'TIMEOUT_RISK' });
    expect(run.summary.findings[0]?.severity).toBe('warning');
  });

  it('CHECK_PENDING for a backend SLB has not judged yet, and INVENTORY_ERROR for a load balancer whose API calls keep failing', async () => {
    expect(cloud.sandbox.checker.status(key('lb-pending', '14'))).toBe('unavailable');
    const run = await runAudit(cloud.auditOptions({ loadBalancerIds: ['lb-pending', 'lb-broken'] }));
    expect(codesOf(run)).toEqual({ [key('lb-pending', '14')]: 'CHECK_PENDING', 'lb-broken': 'INVENTORY_ERROR' });
    expect(run.summary.uncovered).toEqual([{ loadBalancerId: 'lb-broken', reason: 'inventory failed: DescribeHealthStatus ServiceUnavailable' }]);
    expect(run.summary.covered).toEqual(['lb-pending']);
  });
});
