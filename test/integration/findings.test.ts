// The product's whole audit (runAudit: inventory → probe jobs → in-process probing → diagnosis) against the sandbox
// cloud: the default scenario's planted faults each give exactly their finding code, and the codes that need a moment
// in time (RECOVERED, TIMEOUT_RISK, CHECK_PENDING) or a broken API (INVENTORY_ERROR) get targeted runs.
import { runAuditDetailed, type AuditRun } from '../../lib/audit/run';
import { FINDING_CODES } from '../../lib/model';
import { codesByKey } from '../support/findings';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

/** This suite's copy of the default scenario lives in 127.61.0.0/24. */
const DEFAULT_NET = '127.61.0';
const SETTLE_MS = 20_000;

describe('the default scenario: one backend per finding code', () => {
  const scenario = relocatedDefaultScenario(DEFAULT_NET);
  const expected = scenario.expectedFindings ?? {};
  let cloud: TestCloud | undefined;
  let run: AuditRun;
  let actual: Record<string, string>;

  beforeAll(async () => {
    cloud = await startTestCloud(scenario);
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's health checker did not settle within ${SETTLE_MS} ms`);
    run = await runAuditDetailed(cloud.auditOptions());
    actual = codesByKey(run.summary.findings, run.inventory);
  });
  afterAll(() => cloud?.stop());

  it('plants every code a run can produce from a backend exactly once', () => {
    const planted = Object.values(expected).sort();
    expect(new Set(planted).size).toBe(planted.length);
    for (const code of planted) expect(FINDING_CODES).toContain(code);
    expect(planted).toHaveLength(21);
  });

  it.each(Object.entries(expected))('%s gets %s and nothing else', (key, code) => {
    expect(`${key} → ${actual[key] ?? '(no finding)'}`).toBe(`${key} → ${code}`);
  });

  it('reports nothing for the healthy backends and no finding outside the planted ones', () => {
    expect(actual).toEqual(expected);
    expect(run.summary.uncovered).toEqual([]);
    expect(run.summary.covered.sort()).toEqual(scenario.loadBalancers.map((lb) => lb.LoadBalancerId).sort());
  });
});
