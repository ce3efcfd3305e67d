import { runProbeCommand } from '../../lib/cli/probe-command';
import { always, respond, startServer, type TestServer } from '../probe/helpers/servers';

const IP = '127.0.0.47';
let healthy: TestServer;
let failing: TestServer;
beforeAll(async () => {
  healthy = await startServer(IP, always(200));
  failing = await startServer(IP, respond((r) => ({ status: r.uri === '/' ? 200 : 404 })));
});
afterAll(async () => {
  await Promise.all([healthy.close(), failing.close()]);
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runProbeCommand(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('slb-doctor probe: arguments', () => {
  it.each([
    [[], /expected IP and PORT, got 0 arguments/],
    [['localhost', '80'], /IP must be an IPv4 address/],
    [['10.0.0.1', '70000'], /PORT must be a whole number from 1 to 65535/],
    [['10.0.0.1', '80', '--timeout', '0'], /--timeout must be a whole number of seconds from 1 to 300/],
    [['10.0.0.1', '80', '--codes', 'http_2xx,http_6xx'], /--codes must list/],
    [['10.0.0.1', '80', '--method', 'POST'], /--method must be one of HEAD, GET/],
    [['10.0.0.1', '80', '--http-version', '2'], /--http-version must be one of 1\.0, 1\.1/],
    [['10.0.0.1', '80', '--uri', 'health'], /--uri must start with '\/'/],
    [['10.0.0.1', '80', '--domain', 'a b'], /--domain must be 1-80 letters/],
    [['10.0.0.1', '80', '--protocol', 'tcp', '--uri', '/x'], /--uri applies only to --protocol http/],
    [['10.0.0.1', '80', '--udp-expect', 'pong'], /--udp-expect applies only to --protocol udp/],
    [['10.0.0.1', '80', '--slb-status', 'down'], /--slb-status must be one of normal, abnormal, unavailable/],
    [['10.0.0.1', '80', '--bogus'], /--bogus/],
  ])('%j → exit 2 with one line naming the problem', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv as string[]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: slb-doctor probe IP PORT');
  });
});

describe('slb-doctor probe: diagnosis', () => {
  it('a healthy backend: no findings, exit 0', async () => {
    const { code, stdout } = await run([IP, String(healthy.port)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^No problem found: HEAD / HTTP/1\\.0, Host ${IP.replace(/\./g, '\\.')} → 200 in `));
  });
  it('a failing check: readable findings, exit 1', async () => {
    const { code, stdout } = await run([IP, String(failing.port), '--uri', '/health.html', '--domain', 'www.slb-test.com']);
    expect(code).toBe(1);
    expect(stdout).toContain('PATH_NOT_FOUND');
    expect(stdout).toContain(`$ echo -e "HEAD /health.html HTTP/1.0\\r\\nHost: www.slb-test.com\\r\\n\\r\\n" | nc -w 5 ${IP} ${failing.port}`);
    expect(stdout).toContain('root-path: HEAD / HTTP/1.0, Host www.slb-test.com → 200');
  });
  it('--json prints {findings, evidence}', async () => {
    const { code, stdout } = await run([IP, String(failing.port), '--uri', '/x', '--method', 'get', '--json']);
    expect(code).toBe(1);
    const parsed = JSON.parse(stdout) as { findings: Array<{ code: string; severity: string }>; evidence: unknown[] };
    expect(parsed.findings.map((f) => [f.code, f.severity])).toEqual([['PATH_NOT_FOUND', 'error']]);
    expect(parsed.evidence).toHaveLength(1);
  });
  it('--slb-status abnormal on a passing backend points at the host firewall (exit 1)', async () => {
    const { code, stdout } = await run([IP, String(healthy.port), '--protocol', 'tcp', '--slb-status', 'abnormal']);
    expect(code).toBe(1);
    // A lone synthetic backend is never escalated to critical: the command knows nothing of its peers.
    expect(stdout).toContain('ERROR SLB_SOURCE_BLOCKED  probe tcp:');
    expect(stdout).toContain('$ iptables -L -n -v | grep 100.64');
  });
});
