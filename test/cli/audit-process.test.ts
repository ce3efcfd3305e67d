// `slb-doctor audit` as a user meets it: the real bin/slb-doctor.js in a child process against the sandbox, with its
// output in a pipe, a narrow terminal, a reader that leaves early, a target that refuses, a malformed config, and the
// exit-code contract (0, 1, 2, 3). Empty scopes and the configuration from the environment: audit-config.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runShell, type CliResult } from './cli-process';
import { ERRORS, targetsJson, useAuditSandbox, WARNING_ONLY } from './audit-sandbox';
import { startReceiver } from './receiver';

// Each test spawns the CLI up to three times; on a loaded 2-core machine a whole-region run can take 30 s.
jest.setTimeout(180_000);

const { audit, slbCalls, tempFile, sandboxEnv, cloud, cli } = useAuditSandbox();

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
  /** One whole-region run without COLUMNS, shared by the tests that read it (each run probes every backend). */
  let wholeRegion: Promise<CliResult> | null = null;
  const wholeRegionRun = (): Promise<CliResult> => (wholeRegion ??= audit([]));

  test('COLUMNS=80: no line of the whole-region report is wider than 80, codes and backends are whole', async () => {
    // The run without COLUMNS starts alongside: both mostly wait on the same probe timeouts.
    void wholeRegionRun();
    const run = await audit([], { COLUMNS: '80' });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    const expected = cloud().sandbox.scenario.expectedFindings ?? {};
    for (const [key, code] of Object.entries(expected)) {
      const backend = key.split('/')[2];
      const row = lines.find((line) => line.includes(` ${code} `) && (backend === undefined || line.includes(backend)));
      expect(row ?? `${key} ${code} missing`).toMatch(new RegExp(`${code}`));
    }
  });

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
    const [verbose, json, text] = await Promise.all([
      audit([...ERRORS, '--verbose']),
      audit(ERRORS, { SLB_DOCTOR_FORMAT: 'json' }),
      audit([...ERRORS, '--format', 'text'], { SLB_DOCTOR_FORMAT: 'json' }),
    ]);
    expect(verbose.stdout).toContain('Details:');
    expect(verbose.stdout).toContain('evidence: ');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
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
    const run = await runShell(`set -o pipefail; node ${cli().bin} audit ${WARNING_ONLY.join(' ')} | head -n 1`, sandboxEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Region cn-hangzhou: [^\n]*\n$/);
  });

  test('a reader that has already left (EPIPE) ends the run quietly with exit 0, whatever the findings', async () => {
    const run = await runShell(`node ${cli().bin} audit ${ERRORS.join(' ')} | true; echo "audit exited \${PIPESTATUS[0]}" >&2`, sandboxEnv());
    expect(run.stderr).toBe('audit exited 0\n');
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(cli().bin, ['--version'], {});
    expect(run).toMatchObject({ code: 0, stdout: `slb-doctor ${pkg.version}\n`, stderr: '' });
  });
});
