// The default scenario's hosts with `audit --on-host`: each new code shows on its planted host (expectedOnHostFindings),
// and every other finding keeps its VPC code.
import { runAudit, type AuditRun } from '../../lib/audit/run';
import { canMountHostTools } from '../../lib/sandbox/ecs/cloud-assistant';
import { codesByKey } from '../support/findings';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

/** This suite's copy of the default scenario lives in 127.212.0.0/24. */
const NET = '127.212.0';
const SETTLE_MS = 20_000;

const mountable = canMountHostTools();
if (!mountable) console.warn('skipping the default scenario with --on-host: the fake firewall tools need root and unshare -m (run the tests as root, as CI does)');

(mountable ? describe : describe.skip)('the default scenario with audit --on-host', () => {
  const scenario = relocatedDefaultScenario(NET);
  let cloud: TestCloud;
  let run: AuditRun;

  beforeAll(async () => {
    cloud = await startTestCloud(scenario);
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's health checker did not settle within ${SETTLE_MS} ms`);
    run = await runAudit(cloud.auditOptions({}, { onHost: true }));
  }, 120_000);
  afterAll(() => cloud?.stop());

  it('plants every new host code on its own host', () => {
    const planted = Object.values(scenario.expectedOnHostFindings ?? {}).flatMap((codes) => codes.split(','));
    for (const code of ['HOST_FIREWALL_BLOCKS_SLB', 'SERVICE_BOUND_TO_LOOPBACK', 'HOST_CHECK_UNAVAILABLE']) expect(planted).toContain(code);
  });

  it('reports exactly the on-host expectations, and the VPC codes everywhere else', () => {
    const served = (map: Record<string, string> = {}): Record<string, string> => Object.fromEntries(Object.entries(map).map(([key, code]) => [cloud.sandbox.actual(key), code]));
    expect(codesByKey(run.summary.findings, run.inventory)).toEqual({ ...served(scenario.expectedFindings), ...served(scenario.expectedOnHostFindings) });
    expect(run.summary.onHost?.stillRunning).toBe(0);
  });
});
