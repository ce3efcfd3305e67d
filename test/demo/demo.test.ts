// `npm run demo` as a test: the built bundles in the FC emulator, the whole path from the timer to the chat sinks and
// the alarm-scoped run. The default scenario is moved to 127.64.0.x so the suite shares no address with the others.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../lib/cli/io';
import { runDemoCommand } from '../../lib/demo/demo';
import { buildBundles, type Bundles } from '../deploy/bundles';

let bundles: Bundles;
let dir: string;

beforeAll(() => {
  bundles = buildBundles();
  dir = mkdtempSync(join(tmpdir(), 'slb-doctor-demo-'));
  const scenario = readFileSync(join(__dirname, '../../lib/sandbox/default-scenario.json'), 'utf8').replaceAll('127.0.0.', '127.64.0.');
  writeFileSync(join(dir, 'scenario.json'), scenario);
});

afterAll(() => {
  bundles?.remove();
  rmSync(dir, { recursive: true, force: true });
});

function capture(): { io: CliIo; out: () => string } {
  let out = '';
  return { io: { stdout: (t) => (out += t), stderr: (t) => (out += t), isTty: false, env: {} }, out: () => out };
}

it('runs end to end: timer → audit → probe functions → DingTalk and Slack → alarm-scoped run', async () => {
  const { io, out } = capture();
  const code = await runDemoCommand(['--functions', bundles.dir, '--scenario', join(dir, 'scenario.json')], io);
  const text = out();
  expect(code).toBe(0);
  expect(text).toMatch(/covered 3 load balancer\(s\), 0 not covered/);
  const fanout = JSON.parse(/fan-out: (\{.*\})/.exec(text)?.[1] ?? 'null') as { invocations: number; failedBatches: number; noProber: number } | null;
  expect(fanout).toMatchObject({ failedBatches: 0, noProber: 0 });
  expect(fanout?.invocations).toBeGreaterThanOrEqual(2); // at least one invocation per VPC's probe function
  expect(text).toContain('notifications: sandbox-dingtalk sent, sandbox-slack sent');
  expect(text).toMatch(/What the DingTalk group received:\n── dingtalk/);
  expect(text).toMatch(/What the Slack group received:\n── slack/);
  expect(text).toMatch(/alarm function answered 202/);
  // The demo's callback carries instanceId only, as CloudMonitor's UnhealthyServerCount does: the whole LB is audited.
  expect(text).toMatch(/The scoped audit for lb-sandbox-web \(every listener\) found \d+ finding/);
  // One host verdict with its rule (the sandbox's hosts need root: CI runs as root).
  if (process.getuid?.() === 0) {
    expect(text).toMatch(/ERROR HOST_FIREWALL_BLOCKS_SLB {2}lb-sandbox-db/);
    expect(text).toContain('-A INPUT -s 100.64.0.0/10 -p tcp -m tcp --dport 8080 -j DROP');
    expect(text).toMatch(/Cloud Assistant calls: .*RunCommand 1/);
  }
});

it('refuses a malformed scenario in one line', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ regionId: 'cn-hangzhou' }));
  const { io } = capture();
  await expect(runDemoCommand(['--functions', bundles.dir, '--scenario', file], io)).rejects.toThrow(/^invalid scenario .*bad\.json: /);
});
