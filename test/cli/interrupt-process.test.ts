// Ctrl-C while a target hangs: the real CLI in a child process gets SIGINT (or SIGTERM) mid-delivery. The report is
// already on stdout when delivery starts; the delivery stops, releases this run's claims and the process exits with
// 130 (143); the next run delivers within that run. A second Ctrl-C leaves at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomTestNet } from '../support/nets';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';
import { compileCli, runCli, startCli, type CompiledCli } from './cli-process';
import { startReceiver, type Receiver } from './receiver';

/** This suite's copy of the default scenario, in a loopback /24 of its own. */
const NET = randomTestNet();
const SCOPE = ['--lb', 'lb-sandbox-db'];

// Each test spawns the CLI up to three times; on a loaded 2-core machine a whole-region run can take 30 s.
jest.setTimeout(180_000);

let cloud: TestCloud;
let cli: CompiledCli;
let dir: string;
let receiver: Receiver;

function env(state: string): NodeJS.ProcessEnv {
  return {
    HOME: dir,
    ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    SLB_DOCTOR_REGION: cloud.regionId,
    SLB_DOCTOR_SLB_ENDPOINT: cloud.endpoints.slb,
    SLB_DOCTOR_ECS_ENDPOINT: cloud.endpoints.ecs,
    SLB_DOCTOR_NOTIFY_TARGETS: JSON.stringify([{ name: 'oncall', kind: 'webhook', url: receiver.url }]),
    SLB_DOCTOR_STATE: `file:${join(dir, state)}`,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slb-doctor-interrupt-'));
  cli = compileCli();
  cloud = await startTestCloud(relocatedDefaultScenario(NET));
  if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
}, 120_000);

beforeEach(async () => {
  receiver = await startReceiver('hang');
});

afterEach(() => receiver.stop());

afterAll(async () => {
  await cloud?.stop();
  cli?.remove();
  rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s mid-delivery: the report came first, the claims are released, the next run delivers at once', async (signal, code) => {
  const state = `${signal}.json`;
  const running = startCli(cli.bin, ['audit', ...SCOPE], env(state), { cwd: dir });
  await receiver.received(1);
  // Delivery has begun (the target holds its request): the whole report is already out.
  expect(running.stdoutSoFar()).toMatch(/^Region cn-hangzhou: [^]*How to fix:[^]*\n$/);
  running.child.kill(signal);
  const interrupted = await running.done;
  expect(interrupted.code).toBe(code);
  // The findings were printed before the delivery began, so the interruption lost none of them.
  expect(interrupted.stdout).toMatch(/^Region cn-hangzhou: [^]*How to fix:/);
  expect(interrupted.stderr).toContain(`notify: ${signal}: stopping the delivery and releasing this run's claims`);

  receiver.mode = 'accept';
  const next = await runCli(cli.bin, ['audit', ...SCOPE], env(state), { cwd: dir });
  expect(next.stderr).not.toMatch(/another run/);
  expect(next.code).toBe(1);
  expect(receiver.bodies).toHaveLength(2);
  expect(next.stderr).toMatch(/^notify: oncall: sent/m);
});

test('a second Ctrl-C leaves at once', async () => {
  const running = startCli(cli.bin, ['audit', ...SCOPE], env('twice.json'), { cwd: dir });
  await receiver.received(1);
  running.child.kill('SIGINT');
  await running.waitForStderr(/stopping the delivery/);
  running.child.kill('SIGINT');
  const result = await running.done;
  expect(result.code).toBe(130);
});
