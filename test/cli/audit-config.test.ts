// `slb-doctor audit` as a user configures it: the real bin/slb-doctor.js in a child process against the sandbox, with
// its whole configuration in the environment (flags win), and an empty scope that is never silent. The exit-code
// contract and the output: audit-process.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli-process';
import { ERRORS, targetsJson, useAuditSandbox, WARNING_ONLY } from './audit-sandbox';
import { startReceiver } from './receiver';

// Each test spawns the CLI up to three times; on a loaded 2-core machine a whole-region run can take 30 s.
jest.setTimeout(180_000);

const { audit, slbCalls, tempFile, sandboxEnv, cloud, cli, dir } = useAuditSandbox();

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
    const [run, withoutRegion] = await Promise.all([
      audit(WARNING_ONLY),
      runCli(cli().bin, ['audit', ...WARNING_ONLY], { ...sandboxEnv(), SLB_DOCTOR_REGION: '' }, { cwd: dir() }),
    ]);
    expect(run.code).toBe(0);
    expect(withoutRegion).toMatchObject({ code: 2, stderr: 'slb-doctor audit: no region: pass --region (e.g. --region cn-hangzhou) or set SLB_DOCTOR_REGION.\n' });
  });

  test('--region, --slb-endpoint and --ecs-endpoint win over their variables', async () => {
    const run = await audit([...WARNING_ONLY, '--region', cloud().regionId, '--slb-endpoint', cloud().endpoints.slb, '--ecs-endpoint', cloud().endpoints.ecs], {
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
    const sts = { ALIBABA_CLOUD_ACCESS_KEY_ID: cloud().stsCredentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud().stsCredentials.accessKeySecret };
    const [withToken, withoutToken] = await Promise.all([audit(WARNING_ONLY, { ...sts, ALIBABA_CLOUD_SECURITY_TOKEN: cloud().stsCredentials.securityToken ?? '' }), audit(WARNING_ONLY, sts)]);
    expect(withToken.code).toBe(0);
    expect(withoutToken.code).toBe(2);
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
        SLB_DOCTOR_STATE: `file:${join(dir(), 'never-written.json')}`,
      });
      expect(run.code).toBe(1);
      expect(flagged.bodies).toHaveLength(1);
      expect(fromEnv.bodies).toEqual([]);
      expect(readFileSync(state, 'utf8')).toContain('lb-sandbox-db');
      expect(() => readFileSync(join(dir(), 'never-written.json'))).toThrow(/ENOENT/);
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
