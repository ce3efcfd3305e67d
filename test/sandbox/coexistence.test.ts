// Sandboxes that coexist: with `slb-doctor sandbox` running in another process (as the README invites), the demo and
// a second sandbox in this process still work. The second one finds the first one's addresses taken, moves the whole
// scenario to free loopback addresses, says so, and its SLB and ECS APIs, SLB's checker and the backends agree on
// the moved addresses: the product's audit then finds every planted fault at its moved address.
import defaultScenarioJson from '../../lib/sandbox/default-scenario.json';
import { runAudit } from '../../lib/audit/run';
import type { CliIo } from '../../lib/cli/io';
import { runDemoCommand } from '../../lib/demo/demo';
import { relocateScenario } from '../../lib/sandbox/relocation';
import { loadScenario } from '../../lib/sandbox/scenario/load';
import { buildBundles, type Bundles } from '../deploy/bundles';
import { codesByKey } from '../support/findings';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const SETTLE_MS = 20_000;

interface Banner {
  endpoints: { slb: string; ecs: string; fc: string };
  checkerSourceIps: string[];
  relocated?: { reason: string; blocks: Array<{ from: string; to: string }> };
}

let bundles: Bundles;
let running: SandboxProcess;
let banner: Banner;

beforeAll(async () => {
  bundles = buildBundles();
  running = await startSandboxProcess(bundles.dir);
  banner = running.banner as unknown as Banner;
}, 90_000);

afterAll(async () => {
  const code = await running?.stop();
  bundles?.remove();
  expect(code).toBe(0); // Ctrl-C stops it cleanly
});

/** The default scenario where the running sandbox serves it (moved too if a sandbox outside this test holds 127.0.0.x). */
function scenarioOfTheRunningSandbox(): ReturnType<typeof loadScenario> {
  const moves = new Map((banner.relocated?.blocks ?? []).map(({ from, to }) => [Number(from.split('.')[1]), Number(to.split('.')[1])]));
  return loadScenario(relocateScenario(loadScenario(defaultScenarioJson as unknown), moves));
}

it('the running sandbox prints its endpoints and its own checker source addresses', () => {
  expect(banner.endpoints).toMatchObject({ slb: expect.stringMatching(/^127\.0\.0\.1:\d+$/), ecs: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  expect(banner.checkerSourceIps).toHaveLength(8);
  for (const ip of banner.checkerSourceIps) expect(ip).toMatch(/^127\.100\.64\.\d+$/);
});

it('npm run demo works while it runs', async () => {
  let out = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (out += t), isTty: false, env: {} };
  const code = await runDemoCommand(['--functions', bundles.dir], io);
  expect(code).toBe(0);
  // The running sandbox holds the default scenario's addresses, so the demo says it serves them elsewhere.
  expect(out).toMatch(/The scenario's addresses are taken \((tcp|udp) 127\.\d+\.0\.\d+:\d+ is in use; another sandbox\?\): serving it at 127\.\d+\.0\.0\/16 instead/);
  expect(out).toMatch(/covered 3 load balancer\(s\), 0 not covered/);
  expect(out).toContain('notifications: sandbox-dingtalk sent, sandbox-slack sent');
  // The demo's callback carries instanceId only, as CloudMonitor's UnhealthyServerCount does: the whole LB is audited.
  expect(out).toMatch(/The scoped audit for lb-sandbox-web \(every listener\) found \d+ finding/);
}, 180_000);

describe('a second sandbox with the same addresses', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud(scenarioOfTheRunningSandbox());
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the second sandbox's checker did not settle within ${SETTLE_MS} ms`);
  }, 60_000);
  afterAll(() => cloud?.stop());

  it('moves to free addresses and says which and why', () => {
    const relocation = cloud.sandbox.relocation;
    expect(relocation?.reason).toMatch(/^(tcp|udp) 127\.\d+\.0\.\d+:\d+ is in use$/);
    expect(relocation?.blocks).toHaveLength(1);
    const to = relocation?.blocks[0]?.to ?? '';
    expect(to).not.toBe(relocation?.blocks[0]?.from);
    const original = `${scenarioOfTheRunningSandbox().instances[0]?.privateIp ?? ''}:8080`;
    expect(cloud.sandbox.actual(original)).not.toBe(original);
    expect(cloud.sandbox.scenario.instances.every((instance) => instance.privateIp.startsWith(to.replace(/\.0\.0\/16$/, '.')))).toBe(true);
  });

  it('sends SLB\'s checks from other source addresses than the running one', () => {
    expect(cloud.sandbox.checker.sourceIps).toHaveLength(8);
    for (const ip of cloud.sandbox.checker.sourceIps) expect(banner.checkerSourceIps).not.toContain(ip);
  });

  it('the product audit finds every planted fault at its moved address, through the API, the checker and the backends', async () => {
    const run = await runAudit(cloud.auditOptions());
    expect(run.summary.uncovered).toEqual([]);
    expect(codesByKey(run.summary.findings, run.inventory)).toEqual(cloud.sandbox.scenario.expectedFindings);
    const reported = run.inventory.loadBalancers.flatMap((lb) => lb.listeners.flatMap((listener) => listener.backends.map((b) => b.ip)));
    const served = new Set(cloud.sandbox.scenario.instances.map((instance) => instance.privateIp));
    expect(reported.length).toBeGreaterThan(0);
    for (const ip of reported) expect(served.has(ip)).toBe(true);
  }, 60_000);
});
