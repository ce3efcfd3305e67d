// The streaming audit against the sandbox: probe jobs reach the executor while the inventory is still being read,
// a backend the later facts explain (weight 0, a stopped instance) may be probed meanwhile but its evidence is
// dropped, and the run's jobs, evidence and findings are exactly those of the complete inventory.
import { runAudit } from '../../lib/audit/run';
import { inProcessExecutor } from '../../lib/fanout/in-process';
import { jobsFromInventory } from '../../lib/diagnose';
import type { ProbeExecutor, ProbeJob } from '../../lib/model';
import { codesByKey } from '../support/findings';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const NET = '127.63.0';
const SETTLE_MS = 20_000;

describe('runAudit streams each load balancer\'s jobs to the executor', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud(relocatedDefaultScenario(NET));
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's health checker did not settle within ${SETTLE_MS} ms`);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('submits jobs before the inventory is complete, and keeps only the evidence of the final jobs', async () => {
    const inner = inProcessExecutor({});
    const lines: string[] = [];
    const submissions: Array<{ jobs: ProbeJob[]; linesBefore: number }> = [];
    const recording: ProbeExecutor = Object.assign((jobs: ProbeJob[], options: { deadlineAt: number | null }) => inner(jobs, options), {
      open: (options: { deadlineAt: number | null }) => {
        const session = inner.open(options);
        return {
          submit: (jobs: readonly ProbeJob[]) => {
            submissions.push({ jobs: [...jobs], linesBefore: lines.length });
            session.submit(jobs);
          },
          finish: () => session.finish(),
        };
      },
    });
    const run = await runAudit(cloud.auditOptions({}, { executor: recording, onProgress: (line) => lines.push(line) }));
    const inventoryDone = lines.findIndex((line) => /backend\(s\) to probe/.test(line));
    expect(inventoryDone).toBeGreaterThan(0);
    // The first jobs went out while the inventory was still being read.
    expect(submissions[0]?.linesBefore).toBeLessThanOrEqual(inventoryDone);
    expect(submissions.filter((s) => s.linesBefore <= inventoryDone).length).toBeGreaterThan(1);

    // No job was submitted twice; the run's jobs are exactly the complete inventory's.
    const submitted = submissions.flatMap((s) => s.jobs.map((j) => j.id));
    expect(new Set(submitted).size).toBe(submitted.length);
    const finalJobs = jobsFromInventory(run.inventory).map((j) => j.id);
    expect(run.jobs.map((j) => j.id)).toEqual(finalJobs);
    expect(run.evidence.map((e) => e.jobId).sort()).toEqual([...finalJobs].sort());

    // A drained backend (weight 0) can only be told once the attribute call answered, a stopped instance once ECS
    // did: probed meanwhile, but not reported as probed.
    const speculative = submitted.filter((id) => !finalJobs.includes(id));
    expect(speculative.length).toBeGreaterThan(0);
    const codes = codesByKey(run.summary.findings, run.inventory);
    for (const id of speculative) expect(['WEIGHT_ZERO', 'INSTANCE_NOT_RUNNING', 'SECURITY_GROUP_BLOCKS']).toContain(codes[id]);
  });
});
