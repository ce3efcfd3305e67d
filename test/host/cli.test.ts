// `slb-doctor host-script` and `slb-doctor host-verdict`: flags, one-line usage errors, text and JSON output, exit
// codes, on the real script output of test/fixtures/host.
import { runHostScriptCommand, runHostVerdictCommand } from '../../lib/cli/host-command';
import { UserFacingError } from '../../lib/util/errors';
import { fixture } from './fixtures';

async function run(command: 'host-script' | 'host-verdict', argv: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), readInput: () => Promise.resolve(input) };
  const code = await (command === 'host-script' ? runHostScriptCommand : runHostVerdictCommand)(argv, io);
  return { code, stdout, stderr };
}

describe('slb-doctor host-script', () => {
  it('prints the script with the check flags of probe', async () => {
    const { code, stdout, stderr } = await run('host-script', ['--backend-ip', '10.0.3.5', '--port', '8080', '--uri', '/health', '--domain', 'www.example.com', '--method', 'GET', '--http-version', '1.1']);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toMatch(/^#!\/bin\/bash\n/);
    expect(stdout).toContain("REQ=$'GET /health HTTP/1.1\\r\\nHost: www.example.com\\r\\n\\r\\n'");
    expect(stdout).toContain("CURLOPT=('-XGET' '--http1.1' '-H' 'Host: www.example.com' '-H' 'User-Agent:' '-H' 'Accept:')");
  });

  it.each([
    [['--port', '80'], /--backend-ip is required/],
    [['--backend-ip', '10.0.0.1'], /--port is required/],
    [['--backend-ip', 'web-1', '--port', '80'], /--backend-ip must be an IPv4 address such as 10\.0\.0\.1, got 'web-1'/],
    [['--backend-ip', '10.0.0.1', '--port', '0'], /--port must be a whole number from 1 to 65535, got '0'/],
    [['--backend-ip', '10.0.0.1', '--port', '80', '--json'], /--json applies only to host-verdict/],
    [['--backend-ip', '10.0.0.1', '--port', '80', '--protocol', 'tcp', '--uri', '/x'], /--uri applies only to --protocol http/],
    [['10.0.0.1', '80'], /unexpected argument '10\.0\.0\.1': give the backend as --backend-ip IP --port PORT/],
    [['--backend-ip'], /--backend-ip needs a value/],
  ])('%j → exit 2 with one line naming the problem', async (argv, message) => {
    const { code, stdout, stderr } = await run('host-script', argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--help lists the options', async () => {
    const { code, stdout } = await run('host-script', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--backend-ip IP[\s\S]*--port PORT[\s\S]*--udp-expect/);
  });
});

describe('slb-doctor host-verdict', () => {
  const args = ['--backend-ip', '10.0.3.5', '--port', '8080'];

  it('names the rule in text and exits 1 on an error finding', async () => {
    const { code, stdout } = await run('host-verdict', args, fixture('fail2ban', 'host-output.txt'));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^HOST_FIREWALL_BLOCKS_SLB \[error\] The host firewall rejects/);
    expect(stdout).toContain('    rule: -A f2b-nginx-http-auth -s 100.64.7.7/32 -j REJECT --reject-with icmp-port-unreachable');
  });

  it('--json prints { findings: [{ code, cause, evidence, remedy, rule? }], facts, missing, notUnderstood, notes }', async () => {
    const { code, stdout } = await run('host-verdict', [...args, '--json', '--slb-status', 'abnormal'], fixture('ufw', 'host-output.txt'));
    expect(code).toBe(1);
    const parsed = JSON.parse(stdout) as { findings: Record<string, unknown>[]; facts: Record<string, unknown>; missing: unknown[]; notUnderstood: unknown[]; notes: unknown[] };
    expect(Object.keys(parsed).sort()).toEqual(['facts', 'findings', 'missing', 'notUnderstood', 'notes']);
    expect(parsed.findings[0]).toEqual({ code: 'HOST_FIREWALL_BLOCKS_SLB', cause: expect.any(String), evidence: expect.any(Array), remedy: expect.stringMatching(/ufw insert 1 allow proto tcp from 100\.64\.0\.0\/10 to any port 8080/), rule: '-P INPUT DROP' });
    expect(parsed.facts).toMatchObject({ interfaceName: 'eth0', blockedShare: 1, blockedRanges: ['100.64.0.0/10'] });
  });

  it('a clean host: no finding, exit 0', async () => {
    const { code, stdout } = await run('host-verdict', args, fixture('clean', 'host-output.txt'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No host problem found/);
  });

  it('output that is not the script\'s: HOST_CHECK_UNAVAILABLE (a warning), exit 0, never a crash', async () => {
    const { code, stdout } = await run('host-verdict', args, 'Permission denied\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^HOST_CHECK_UNAVAILABLE \[warning\] The host could not be examined: the output does not start with the host script marker/);
  });

  it('refuses a terminal on stdin with one line', async () => {
    let stderr = '';
    const code = await runHostVerdictCommand(args, { stdout: () => undefined, stderr: (t) => void (stderr += t), readInput: () => Promise.reject(new UserFacingError("stdin is a terminal: pipe the host script's output in", 'USAGE')) });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^slb-doctor host-verdict: stdin is a terminal/);
  });
});
