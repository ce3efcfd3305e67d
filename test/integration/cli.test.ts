// `slb-doctor audit` end to end: main() with the sandbox's endpoints and keys, JSON on stdout, exit codes, and one
// line on stderr (no stack trace) for every way the run can be refused.
import * as net from 'node:net';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/io';
import type { Finding } from '../../lib/model';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

/** This suite's copy of the default scenario lives in 127.62.0.0/24. */
const NET = '127.62.0';
const SETTLE_MS = 20_000;

interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The part of `audit --format json` these tests read. */
interface AuditJson {
  findings: Finding[];
  covered: string[];
}

function parseAuditJson(stdout: string): AuditJson {
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { findings?: unknown }).findings)) {
    throw new Error(`audit --format json printed no findings list: ${stdout.slice(0, 200)}`);
  }
  return parsed as AuditJson;
}

function backendKeyOf(finding: Finding): string {
  const { loadBalancerId, listener, backend } = finding.subject;
  const listenerPart = listener ? `/${listener.protocol}:${listener.port}` : '';
  return `${loadBalancerId}${listenerPart}${backend ? `/${backend.ip}:${backend.port}` : ''}`;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('slb-doctor audit against the sandbox', () => {
  let cloud: TestCloud;
  /** The CLI reads credentials from its io.env only: the keys never touch process.env. */
  const useCredentials = (accessKeyId: string, accessKeySecret: string): NodeJS.ProcessEnv => ({
    ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret,
  });

  const audit = async (args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false, env };
    const exitCode = await main(['audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--format', 'json', ...args], io);
    return { exitCode, stdout, stderr };
  };

  const expectOneLineRefusal = (run: CliRun, mentions: string[]): void => {
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^slb-doctor audit: [^\n]+\n$/);
    expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    for (const text of mentions) expect(run.stderr).toContain(text);
  };

  beforeAll(async () => {
    cloud = await startTestCloud(relocatedDefaultScenario(NET));
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error('the health checker did not settle');
  });
  afterAll(() => cloud?.stop());

  it('prints the findings as JSON and exits 1 when a finding is an error', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, cloud.credentials.accessKeySecret);
    const run = await audit(['--lb', 'lb-sandbox-db'], env);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    const json = parseAuditJson(run.stdout);
    const expected = Object.entries(cloud.sandbox.scenario.expectedFindings ?? {}).filter(([key]) => key.startsWith('lb-sandbox-db/'));
    expect(Object.fromEntries(json.findings.map((f) => [backendKeyOf(f), f.code]))).toEqual(Object.fromEntries(expected));
    expect(json.findings.every((f) => f.severity === 'error' && f.evidenceLine !== '' && f.remedy !== '')).toBe(true);
    expect(json.covered).toEqual(['lb-sandbox-db']);
  });

  it('exits 0 when the findings are only warnings', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, cloud.credentials.accessKeySecret);
    const run = await audit(['--lb', 'lb-sandbox-ops', '--listener', '8001/http'], env);
    expect(run.exitCode).toBe(0);
    expect(parseAuditJson(run.stdout).findings.map((f) => `${backendKeyOf(f)} ${f.code} ${f.severity}`)).toEqual(['lb-sandbox-ops/http:8001 HEALTH_CHECK_DISABLED warning']);
  });

  it('shows progress on stderr when stderr is a terminal, though stdout is a pipe; --quiet turns it off', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, cloud.credentials.accessKeySecret);
    const run = async (extra: string[]): Promise<{ stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false, stderrIsTty: true, env };
      await main(['audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--lb', 'lb-sandbox-ops', ...extra], io);
      return { stdout, stderr };
    };
    const shown = await run([]);
    expect(shown.stderr).toMatch(/^\[\d+\.\ds\] inventory of cn-hangzhou…\n/);
    expect(shown.stderr).toMatch(/backend\(s\) to probe\n/);
    expect(shown.stdout).toMatch(/^Region cn-hangzhou: /);
    const quiet = await run(['--quiet']);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/^Region cn-hangzhou: /);
  });

  it('refuses bad credentials in one line naming the variable to fix', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, 'this-is-not-the-secret-000000');
    expectOneLineRefusal(await audit([], env), ['SignatureDoesNotMatch', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET']);
  });

  it('refuses a region id of the wrong format in one line', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, cloud.credentials.accessKeySecret);
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: (text) => (stderr += text), isTty: false, env };
    const exitCode = await main(['audit', '--region', 'Hangzhou 1', '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--format', 'json'], io);
    expectOneLineRefusal({ exitCode, stdout: '', stderr }, ["'Hangzhou 1' is not an Alibaba Cloud region id", '--region']);
  });

  it('refuses a load balancer that does not exist in one line', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, cloud.credentials.accessKeySecret);
    expectOneLineRefusal(await audit(['--lb', 'lb-nope'], env), ['lb-nope', 'check the id and the region']);
  });

  it('refuses an endpoint nothing listens on in one line', async () => {
    const env = useCredentials(cloud.credentials.accessKeyId, cloud.credentials.accessKeySecret);
    const port = await closedPort();
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: (text) => (stderr += text), isTty: false, env };
    const exitCode = await main(['audit', '--region', cloud.regionId, '--slb-endpoint', `http://127.0.0.1:${port}`, '--ecs-endpoint', cloud.endpoints.ecs, '--format', 'json'], io);
    expectOneLineRefusal({ exitCode, stdout: '', stderr }, ['DescribeLoadBalancers', 'ECONNREFUSED', '--slb-endpoint']);
  });
});
