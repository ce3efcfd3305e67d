// `slb-doctor audit` as a user meets it: the real bin/slb-doctor.js in a child process against the sandbox, with its
// configuration in the environment, its output in a pipe, a narrow terminal, a reader that leaves early, a target
// that refuses, a malformed config, an empty scope, and the exit-code contract (0, 1, 2, 3).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomTestNet } from '../support/nets';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';
import { compileCli, runCli, runShell, type CliResult, type CompiledCli } from './cli-process';
import { startReceiver } from './receiver';

/** This suite's copy of the default scenario, in a loopback /24 of its own. */
const NET = randomTestNet();
/** A scope whose only finding is a warning (HEALTH_CHECK_DISABLED): exit 0. */
const WARNING_ONLY = ['--lb', 'lb-sandbox-ops', '--listener', '8001/http'];
/** A scope whose findings are errors: exit 1. */
const ERRORS = ['--lb', 'lb-sandbox-db'];

// Each test spawns the CLI up to three times; on a loaded 2-core machine a whole-region run can take 30 s.
jest.setTimeout(180_000);

let cloud: TestCloud;
let cli: CompiledCli;
let dir: string;

/** The CLI's whole environment for the sandbox: keys, region and endpoints all from variables, no flag. */
function sandboxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: dir,
    ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    SLB_DOCTOR_REGION: cloud.regionId,
    SLB_DOCTOR_SLB_ENDPOINT: cloud.endpoints.slb,
    SLB_DOCTOR_ECS_ENDPOINT: cloud.endpoints.ecs,
    ...extra,
  };
}

function audit(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(cli.bin, ['audit', ...args], sandboxEnv(extra), { cwd: dir });
}

function slbCalls(action: string): number {
  return cloud.sandbox.apiStats().actions[`slb:${action}`]?.calls ?? 0;
}

function targetsJson(...targets: { name: string; url: string }[]): string {
  return JSON.stringify(targets.map((t) => ({ name: t.name, kind: 'webhook', url: t.url })));
}

let fileCounter = 0;
function tempFile(name: string): string {
  fileCounter += 1;
  return join(dir, `${fileCounter}-${name}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slb-doctor-cli-process-'));
  cli = compileCli();
  cloud = await startTestCloud(relocatedDefaultScenario(NET));
  if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  cli?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('the exit-code contract', () => {
  test('0: complete, only warnings; the report is text in a pipe too', async () => {
    const run = await audit(WARNING_ONLY);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Region cn-hangzhou: 1 load balancer\(s\)/);
    expect(run.stdout).toContain('HEALTH_CHECK_DISABLED');
    expect(run.stderr).toBe('');
  });

  test('1: complete, with error findings', async () => {
    const run = await audit(ERRORS);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('How to fix:');
    expect(run.stderr).toBe('');
  });

  test('2: a malformed notify config is refused before any work: nothing listed, probed or sent', async () => {
    const receiver = await startReceiver('accept');
    try {
      const listed = slbCalls('DescribeLoadBalancers');
      const targets = JSON.stringify([{ name: 'good', kind: 'webhook', url: receiver.url }, { name: 'broken', kind: 'pager', url: receiver.url }]);
      const run = await audit(ERRORS, { SLB_DOCTOR_NOTIFY_TARGETS: targets });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^slb-doctor audit: invalid notification config: SLB_DOCTOR_NOTIFY_TARGETS: target #1 \("broken"\): [^\n]*kind[^\n]*\n$/);
      expect(slbCalls('DescribeLoadBalancers')).toBe(listed);
      expect(receiver.bodies).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });

  test('2: an --output that cannot be written is refused before any work', async () => {
    const listed = slbCalls('DescribeLoadBalancers');
    const run = await audit([...ERRORS, '--output', '/proc/1/no-such-dir/report.txt']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^slb-doctor audit: cannot write --output \/proc\/1\/no-such-dir\/report\.txt: [^\n]*ENOENT[^\n]*\n$/);
    expect(slbCalls('DescribeLoadBalancers')).toBe(listed);
  });

  test('2: an unknown region is a usage error that lists the valid ones', async () => {
    const run = await audit(['--region', 'cn-beijing']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("slb-doctor audit: unknown region 'cn-beijing': SLB has cn-hangzhou. Pass one of them with --region or SLB_DOCTOR_REGION.\n");
  });

  test('3 wins over 1: a load balancer in scope that could not be examined makes the run incomplete', async () => {
    const run = await audit([...ERRORS, '--lb', 'lb-sandbox-gone']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^Not covered \(1\): lb-sandbox-gone/m);
    expect(run.stderr).toMatch(/^incomplete: lb-sandbox-gone not covered: inventory failed: [^\n]+\n$/);
  });

  test('3 wins over 1: the report is printed first, then a target that refuses makes the run incomplete', async () => {
    const refusing = await startReceiver('reject');
    try {
      const state = tempFile('state.json');
      const run = await audit([...ERRORS, '--state', `file:${state}`], { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'refusing', url: refusing.url }) });
      expect(run.code).toBe(3);
      expect(refusing.bodies.length).toBeGreaterThan(0);
      // The findings, then the delivery section (a pipe gets it on stdout too), then the outcome on stderr.
      expect(run.stdout.indexOf('How to fix:')).toBeGreaterThanOrEqual(0);
      expect(run.stdout.indexOf('Notifications:')).toBeGreaterThan(run.stdout.indexOf('How to fix:'));
      expect(run.stderr).toMatch(/^notify: refusing: failed/m);
      expect(run.stderr).toMatch(/^incomplete: .*refusing/m);
    } finally {
      await refusing.stop();
    }
  });
});

describe('state problems are loud, on stderr and in every format', () => {
  test.each(['text', 'json', 'markdown'])('a corrupt state file is moved aside with a warning (%s)', async (format) => {
    const receiver = await startReceiver('accept');
    try {
      const state = tempFile(`corrupt-${format}.json`);
      writeFileSync(state, '{"version": 1, "records": [tr');
      const run = await audit([...ERRORS, '--format', format, '--state', `file:${state}`], { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }) });
      expect(run.stderr).toMatch(/^warning: [^\n]*corrupt[^\n]*\n/im);
      const warning = /^warning: ([^\n]*)$/m.exec(run.stderr)?.[1] ?? 'no warning';
      if (format === 'json') {
        const delivery = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('\n{\n  "runId"'))) as { warnings: string[] };
        expect(delivery.warnings).toContain(warning);
      } else expect(run.stdout).toContain(`warning: ${warning}`);
      expect(receiver.bodies).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  test('a state that cannot be written makes the run incomplete (3), said on stderr and in the report', async () => {
    const receiver = await startReceiver('accept');
    try {
      const run = await audit([...ERRORS, '--state', 'file:/proc/1/slb-doctor/state.json'], { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }) });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/^incomplete: [^\n]*\/proc\/1\/slb-doctor/m);
      expect(run.stdout).toMatch(/^ {2}incomplete: [^\n]*\/proc\/1\/slb-doctor/m);
    } finally {
      await receiver.stop();
    }
  });
});

describe('output that fits', () => {
  test('COLUMNS=80: no line of the whole-region report is wider than 80, codes and backends are whole', async () => {
    const run = await audit([], { COLUMNS: '80' });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    const expected = cloud.sandbox.scenario.expectedFindings ?? {};
    for (const [key, code] of Object.entries(expected)) {
      const backend = key.split('/')[2];
      const row = lines.find((line) => line.includes(` ${code} `) && (backend === undefined || line.includes(backend)));
      expect(row ?? `${key} ${code} missing`).toMatch(new RegExp(`${code}`));
    }
  });

  /** One whole-region run without COLUMNS, shared by the tests that read it (each run probes every backend). */
  let wholeRegion: Promise<CliResult> | null = null;
  const wholeRegionRun = (): Promise<CliResult> => (wholeRegion ??= audit([]));

  test('without COLUMNS in a pipe the report fits 100 columns', async () => {
    const run = await wholeRegionRun();
    expect(run.stdout.split('\n').filter((line) => line.length > 100)).toEqual([]);
  });

  test('each distinct remedy is stated once, with its reproduce command', async () => {
    const run = await wholeRegionRun();
    const fixes = run.stdout.slice(run.stdout.indexOf('How to fix:'));
    const remedies = [...fixes.matchAll(/^\[(\d+)\] /gm)].map((m) => Number(m[1]));
    expect(remedies.length).toBeGreaterThan(1);
    expect(remedies).toEqual(remedies.map((_, i) => i + 1));
    expect(fixes).toContain('reproduce:');
  });

  test('--verbose adds the full evidence; SLB_DOCTOR_FORMAT=json gives JSON; --format wins over it', async () => {
    const verbose = await audit([...ERRORS, '--verbose']);
    expect(verbose.stdout).toContain('Details:');
    expect(verbose.stdout).toContain('evidence: ');
    const json = await audit(ERRORS, { SLB_DOCTOR_FORMAT: 'json' });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    const text = await audit([...ERRORS, '--format', 'text'], { SLB_DOCTOR_FORMAT: 'json' });
    expect(text.stdout).toMatch(/^Region /);
  });

  test('--output FILE holds the report and the delivery section; stdout stays empty', async () => {
    const receiver = await startReceiver('accept');
    try {
      const output = tempFile('report.md');
      const run = await audit([...ERRORS, '--format', 'markdown', '--output', output, '--state', 'memory:'], { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }) });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      const report = readFileSync(output, 'utf8');
      expect(report).toMatch(/^# SLB health audit: cn-hangzhou/);
      expect(report).toMatch(/## Notifications\n\n- oncall \(webhook\): sent/);
    } finally {
      await receiver.stop();
    }
  });

  test('| head -n 1 through a shell: one line, no stack, exit 0', async () => {
    const run = await runShell(`set -o pipefail; node ${cli.bin} audit ${WARNING_ONLY.join(' ')} | head -n 1`, sandboxEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Region cn-hangzhou: [^\n]*\n$/);
  });

  test('a reader that has already left (EPIPE) ends the run quietly with exit 0, whatever the findings', async () => {
    const run = await runShell(`node ${cli.bin} audit ${ERRORS.join(' ')} | true; echo "audit exited \${PIPESTATUS[0]}" >&2`, sandboxEnv());
    expect(run.stderr).toBe('audit exited 0\n');
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(cli.bin, ['--version'], {});
    expect(run).toMatchObject({ code: 0, stdout: `slb-doctor ${pkg.version}\n`, stderr: '' });
  });
});

describe('an empty scope is never silent', () => {
  test('a tag that matches nothing is named on stderr', async () => {
    const run = await audit(['--tag', 'team=nobody']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('warning: no load balancer in cn-hangzhou has tag team=nobody\n');
    expect(run.stdout).toContain('findings: none');
  });

  test('a listener that matches nothing is named on stderr', async () => {
    const run = await audit(['--listener', '80/tcp']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('warning: no listener 80/tcp on any load balancer in cn-hangzhou\n');
  });
});

describe('configuration from the environment (flags win)', () => {
  test('SLB_DOCTOR_REGION, SLB_DOCTOR_SLB_ENDPOINT, SLB_DOCTOR_ECS_ENDPOINT and the access key are read (every run here uses them alone)', async () => {
    const run = await audit(WARNING_ONLY);
    expect(run.code).toBe(0);
    const withoutRegion = await runCli(cli.bin, ['audit', ...WARNING_ONLY], { ...sandboxEnv(), SLB_DOCTOR_REGION: '' }, { cwd: dir });
    expect(withoutRegion).toMatchObject({ code: 2, stderr: 'slb-doctor audit: no region: pass --region (e.g. --region cn-hangzhou) or set SLB_DOCTOR_REGION.\n' });
  });

  test('--region, --slb-endpoint and --ecs-endpoint win over their variables', async () => {
    const run = await audit([...WARNING_ONLY, '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs], {
      SLB_DOCTOR_REGION: 'cn-beijing',
      SLB_DOCTOR_SLB_ENDPOINT: 'http://127.0.0.1:1',
      SLB_DOCTOR_ECS_ENDPOINT: 'http://127.0.0.1:1',
    });
    expect(run.code).toBe(0);
  });

  test('a malformed SLB_DOCTOR_SLB_ENDPOINT is named', async () => {
    const run = await audit(WARNING_ONLY, { SLB_DOCTOR_SLB_ENDPOINT: 'ftp://127.0.0.1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^slb-doctor audit: SLB_DOCTOR_SLB_ENDPOINT 'ftp:\/\/127\.0\.0\.1' uses protocol/);
  });

  test('ALIBABA_CLOUD_ACCESS_KEY_SECRET is read: a wrong one is refused naming it', async () => {
    const run = await audit(WARNING_ONLY, { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret-0000000000' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  });

  test('ALIBABA_CLOUD_SECURITY_TOKEN is read: STS keys work with it and are refused without it', async () => {
    const sts = { ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.stsCredentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.stsCredentials.accessKeySecret };
    expect((await audit(WARNING_ONLY, { ...sts, ALIBABA_CLOUD_SECURITY_TOKEN: cloud.stsCredentials.securityToken ?? '' })).code).toBe(0);
    expect((await audit(WARNING_ONLY, sts)).code).toBe(2);
  });

  test('SLB_DOCTOR_NOTIFY_TARGETS and SLB_DOCTOR_STATE are read: the digest is sent and the state kept there', async () => {
    const receiver = await startReceiver('accept');
    try {
      const state = tempFile('env-state.json');
      const env = { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }), SLB_DOCTOR_STATE: `file:${state}` };
      const first = await audit(ERRORS, env);
      expect(first.code).toBe(1);
      expect(receiver.bodies).toHaveLength(1);
      expect(receiver.bodies[0]).toContain('lb-sandbox-db');
      expect(readFileSync(state, 'utf8')).toContain('lb-sandbox-db');
      // The same state: nothing new to say.
      expect((await audit(ERRORS, env)).code).toBe(1);
      expect(receiver.bodies).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  test('--notify-config and --state win over SLB_DOCTOR_NOTIFY_TARGETS and SLB_DOCTOR_STATE', async () => {
    const flagged = await startReceiver('accept');
    const fromEnv = await startReceiver('accept');
    try {
      const config = tempFile('targets.json');
      writeFileSync(config, targetsJson({ name: 'flagged', url: flagged.url }));
      const state = tempFile('flag-state.json');
      const run = await audit([...ERRORS, '--notify-config', config, '--state', `file:${state}`], {
        SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'env', url: fromEnv.url }),
        SLB_DOCTOR_STATE: `file:${join(dir, 'never-written.json')}`,
      });
      expect(run.code).toBe(1);
      expect(flagged.bodies).toHaveLength(1);
      expect(fromEnv.bodies).toEqual([]);
      expect(readFileSync(state, 'utf8')).toContain('lb-sandbox-db');
      expect(() => readFileSync(join(dir, 'never-written.json'))).toThrow(/ENOENT/);
    } finally {
      await flagged.stop();
      await fromEnv.stop();
    }
  });

  test('SLB_DOCTOR_SILENCES is read: a silenced code is not sent', async () => {
    const receiver = await startReceiver('accept');
    try {
      const expires = new Date(Date.now() + 3_600_000).toISOString();
      const env = {
        SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }),
        SLB_DOCTOR_STATE: 'memory:',
        SLB_DOCTOR_SILENCES: JSON.stringify([{ loadBalancerId: 'lb-sandbox-db', expiresAt: expires, comment: 'maintenance' }]),
      };
      const run = await audit(ERRORS, env);
      expect(run.code).toBe(1);
      expect(receiver.bodies).toEqual([]);
      expect(run.stdout).toMatch(/oncall \(webhook\): idle/);
    } finally {
      await receiver.stop();
    }
  });

  test('SLB_DOCTOR_FLAP_RUNS is read: with 2, a first sighting is not sent yet', async () => {
    const receiver = await startReceiver('accept');
    try {
      const env = { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }), SLB_DOCTOR_STATE: `file:${tempFile('flap.json')}`, SLB_DOCTOR_FLAP_RUNS: '2' };
      expect((await audit(ERRORS, env)).code).toBe(1);
      expect(receiver.bodies).toEqual([]);
      expect((await audit(ERRORS, env)).code).toBe(1);
      expect(receiver.bodies).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  test.each([
    ['SLB_DOCTOR_REPEAT_INTERVAL', 'soon'],
    ['SLB_DOCTOR_FLAP_RUNS', '0'],
    ['SLB_DOCTOR_SILENCES', '{"code":"PORT_CLOSED"}'],
    ['SLB_DOCTOR_FORMAT', 'yaml'],
  ])('a bad %s is a configuration error naming it, before any work', async (name, value) => {
    const listed = slbCalls('DescribeLoadBalancers');
    const run = await audit(WARNING_ONLY, { [name]: value });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^slb-doctor audit: [^\\n]*${name}[^\\n]*\\n$`));
    expect(slbCalls('DescribeLoadBalancers')).toBe(listed);
  });

  test('SLB_DOCTOR_REPEAT_INTERVAL is read: 1m re-sends an open finding once a minute has passed', async () => {
    const receiver = await startReceiver('accept');
    try {
      const state = tempFile('repeat.json');
      const env = { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }), SLB_DOCTOR_STATE: `file:${state}`, SLB_DOCTOR_REPEAT_INTERVAL: '1m' };
      await audit(ERRORS, env);
      expect(receiver.bodies).toHaveLength(1);
      // Age the state by two minutes instead of waiting: every epoch-ms timestamp in it moves back.
      const aged = readFileSync(state, 'utf8').replace(/(":\s*)(\d{13})\b/g, (_m, head: string, ms: string) => `${head}${Number(ms) - 120_000}`);
      writeFileSync(state, aged);
      await audit(ERRORS, env);
      expect(receiver.bodies).toHaveLength(2);
      expect(receiver.bodies[1]).toContain('repeat');
    } finally {
      await receiver.stop();
    }
  });

  test('SLB_DOCTOR_OSS_ENDPOINT is read: oss:// state goes there (and its failure makes the run incomplete)', async () => {
    const receiver = await startReceiver('accept');
    try {
      const env = { SLB_DOCTOR_NOTIFY_TARGETS: targetsJson({ name: 'oncall', url: receiver.url }), SLB_DOCTOR_STATE: 'oss://slb-doctor-state/state.json', SLB_DOCTOR_OSS_ENDPOINT: 'http://127.0.0.1:1' };
      const run = await audit(ERRORS, env);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/^incomplete: [^\n]*state[^\n]*\n/m);
      expect(run.stderr).toContain('127.0.0.1:1');
    } finally {
      await receiver.stop();
    }
  });
});
