// The CLI's text layout: the width it lays out for, a table fitted by cutting one column, prose and shell commands
// wrapped so that every line fits and a wrapped command still runs; the empty-scope warnings and the exit code.
import { execFileSync } from 'node:child_process';
import type { AuditSummary } from '../../lib/audit/types';
import { AUDIT_HELP } from '../../lib/cli/audit-command';
import { renderAuditText } from '../../lib/cli/audit-report';
import { auditExitCode } from '../../lib/cli/outcome';
import { emptyScopeWarnings } from '../../lib/cli/scope';
import { DEFAULT_WIDTH, clip, fitTable, outputWidth, wrapCommand, wrapText } from '../../lib/cli/table';
import type { Finding, Inventory } from '../../lib/model';

describe('outputWidth', () => {
  test('COLUMNS wins, then the terminal, then 100; never narrower than 40', () => {
    expect(outputWidth({ COLUMNS: '80' }, 200)).toBe(80);
    expect(outputWidth({}, 132)).toBe(132);
    expect(outputWidth({}, undefined)).toBe(DEFAULT_WIDTH);
    expect(outputWidth({ COLUMNS: 'wide' }, undefined)).toBe(100);
    expect(outputWidth({ COLUMNS: '10' }, undefined)).toBe(40);
  });
});

describe('fitTable', () => {
  const rows = [
    ['LISTENER', 'BACKEND', 'CODE', 'CAUSE'],
    ['http:80', '10.0.0.1:8080', 'PATH_NOT_FOUND', 'the check page /healthz answers 404 while / answers 200, so the page is missing'],
    ['tcp:3306', '10.0.0.200:3306', 'CONNECT_TIMEOUT', 'short'],
  ];

  test('cuts only the chosen column, with an ellipsis, to the width', () => {
    const lines = fitTable(rows, 3, 60, '  ');
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    expect(lines[1]).toMatch(/^ {2}http:80 {3}10\.0\.0\.1:8080 {4}PATH_NOT_FOUND {3}the check.*…$/);
    expect(lines[2]).toMatch(/10\.0\.0\.200:3306 {2}CONNECT_TIMEOUT {2}short$/);
  });

  test('never cuts the other columns, even when they alone overflow', () => {
    const lines = fitTable(rows, 3, 20);
    expect(lines[2]).toContain('10.0.0.200:3306  CONNECT_TIMEOUT');
  });
});

test('wrapText keeps words whole, hangs continuation lines, and cuts only a word longer than a line', () => {
  expect(wrapText('one two three four', 9, '', '  ')).toEqual(['one two', '  three', '  four']);
  expect(wrapText('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
  expect(clip('abcdef', 4)).toBe('abc…');
});

describe('wrapCommand', () => {
  const command = `echo -e "HEAD /healthz HTTP/1.0\\r\\nHost: 10.0.0.1\\r\\n\\r\\n" | nc -w 1 10.0.0.1 8080`;

  test('breaks outside quotes, before the pipe when it can, with a continuation backslash', () => {
    const lines = wrapCommand(command, 70, '  ', '    ');
    expect(lines).toEqual([`  echo -e "HEAD /healthz HTTP/1.0\\r\\nHost: 10.0.0.1\\r\\n\\r\\n" \\`, '    | nc -w 1 10.0.0.1 8080']);
  });

  test('a command that fits stays on one line; a quoted part is never split', () => {
    expect(wrapCommand(command, 200, '', '')).toEqual([command]);
    const quoted = `curl -H 'Host: a very long host header value that cannot be split' http://10.0.0.1/`;
    for (const line of wrapCommand(quoted, 30, '', '  ')) expect((line.match(/'/g) ?? []).length % 2).toBe(0);
  });

  test('the wrapped lines are the same command to the shell', () => {
    const lines = wrapCommand(`printf '%s|' "a b" 'c d' $'e\\'f' g h i j k l m n o p`, 20, '', '  ');
    expect(lines.length).toBeGreaterThan(1);
    const run = (script: string): string => execFileSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
    expect(run(lines.join('\n'))).toBe(run(`printf '%s|' "a b" 'c d' $'e\\'f' g h i j k l m n o p`));
  });
});

describe('emptyScopeWarnings', () => {
  const empty: Inventory = { regionId: 'cn-hangzhou', loadBalancers: [], errors: [], instances: {}, securityGroupRules: {}, apiCalls: {} } as unknown as Inventory;

  test('names the filter that matched nothing', () => {
    expect(emptyScopeWarnings({ regionId: 'cn-hangzhou', tags: { team: 'nobody' } }, empty)).toEqual(['no load balancer in cn-hangzhou has tag team=nobody']);
    expect(emptyScopeWarnings({ regionId: 'cn-hangzhou', tags: { team: 'a', env: 'b' } }, empty)).toEqual(['no load balancer in cn-hangzhou has tags team=a and env=b']);
    expect(emptyScopeWarnings({ regionId: 'cn-hangzhou', listener: { port: 80, protocol: 'tcp' } }, empty)).toEqual(['no listener 80/tcp on any load balancer in cn-hangzhou']);
    expect(emptyScopeWarnings({ regionId: 'cn-hangzhou' }, empty)).toEqual(['no load balancer in cn-hangzhou']);
  });

  test('says nothing when a listing error explains the emptiness', () => {
    const failed = { ...empty, errors: [{ loadBalancerId: null, action: 'DescribeLoadBalancers', code: 'Throttling', message: 'throttled' }] } as unknown as Inventory;
    expect(emptyScopeWarnings({ regionId: 'cn-hangzhou', tags: { team: 'x' } }, failed)).toEqual([]);
  });
});

test('the exit code: 3 (incomplete) wins over 1 (error findings); warnings alone are 0', () => {
  const summary = (severities: Finding['severity'][]): AuditSummary => ({ findings: severities.map((severity) => ({ severity })) }) as unknown as AuditSummary;
  expect(auditExitCode(summary(['warning', 'info']), false)).toBe(0);
  expect(auditExitCode(summary(['warning', 'error']), false)).toBe(1);
  expect(auditExitCode(summary(['critical']), false)).toBe(1);
  expect(auditExitCode(summary(['error']), true)).toBe(3);
  expect(auditExitCode(summary([]), true)).toBe(3);
});

test('audit --help documents the exit codes, the output modes and the variables', () => {
  for (const line of [/^ {2}0 {2}the audit is complete and no finding/m, /^ {2}1 {2}the audit is complete and a finding/m, /^ {2}2 {2}usage, configuration or credential error/m, /^ {2}3 {2}the audit ran but is incomplete/m, /^ {2}130\/143/m]) {
    expect(AUDIT_HELP).toMatch(line);
  }
  for (const text of ['--verbose', '--quiet', '--output FILE', 'COLUMNS', 'SLB_DOCTOR_FORMAT', 'SLB_DOCTOR_NOTIFY_TARGETS', 'SLB_DOCTOR_STATE', 'SLB_DOCTOR_REGION']) expect(AUDIT_HELP).toContain(text);
});

describe('the compact text report', () => {
  const finding = (code: string, ip: string, remedy: string, cause: string): Finding =>
    ({
      code,
      severity: 'error',
      subject: { regionId: 'cn-hangzhou', loadBalancerId: 'lb-a', loadBalancerName: 'web', vpcId: 'vpc-1', tags: {}, listener: { port: 80, protocol: 'http' }, backend: { serverId: 'i-1', ip, port: 8080, checkPort: 8080 } },
      slbStatus: 'abnormal',
      cause,
      evidenceLine: 'HEAD /healthz HTTP/1.0 → 404',
      evidence: [],
      facts: [],
      remedy,
      reproduce: [`echo -e "HEAD /healthz HTTP/1.0\\r\\nHost: ${ip}\\r\\n\\r\\n" | nc -w 1 ${ip} 8080`, `curl -0 -I -m 1 http://${ip}:8080/healthz`],
      hostCommands: [],
    }) as unknown as Finding;
  const create = 'Create /healthz, or set HealthCheckURI to a page that exists.';
  const findings = [
    finding('PATH_NOT_FOUND', '10.0.0.11', create, '/healthz answers 404 while / answers 200: the check page is missing on this backend.'),
    finding('PATH_NOT_FOUND', '10.0.0.12', create, '/healthz answers 404 while / answers 200: the check page is missing on this backend.'),
    finding('PORT_CLOSED', '10.0.0.13', 'Start the service on port 8080.', 'Nothing accepts connections on 10.0.0.13:8080: connection refused.'),
  ];
  const summary = { runId: 'r', regionId: 'cn-hangzhou', uncovered: [], findings, countsBySeverity: { error: 3 } } as unknown as AuditSummary;
  const backends = ['10.0.0.11', '10.0.0.12', '10.0.0.13'].map((ip) => ({ serverId: 'i-1', ip, port: 8080, checkPort: 8080, slbStatus: 'abnormal' }));
  const listener = { port: 80, protocol: 'http', status: 'running', healthCheck: { enabled: false }, backends };
  const inventory = { regionId: 'cn-hangzhou', loadBalancers: [{ id: 'lb-a', name: 'web', vpcId: 'vpc-1', listeners: [listener] }], errors: [] } as unknown as Inventory;

  test('one line per finding under its load balancer, then each distinct remedy once with one reproduce command', () => {
    const text = renderAuditText(summary, inventory, { width: 80, verbose: false });
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(lines.filter((line) => /^ {2}http:80 /.test(line))).toHaveLength(3);
    expect(text).toContain('lb-a (web), vpc-1\n');
    expect(text.split(create)).toHaveLength(2);
    expect(text).toMatch(/^\[1\] PATH_NOT_FOUND \[error\], 2 findings$/m);
    expect(text).toMatch(/^\[2\] PORT_CLOSED \[error\], lb-a http:80 10\.0\.0\.13:8080$/m);
    expect((text.match(/reproduce:/g) ?? []).length).toBe(2);
    expect(text).not.toContain('evidence:');
  });

  test('--verbose adds the evidence, every reproduce command and the fix per finding', () => {
    const text = renderAuditText(summary, inventory, { width: 80, verbose: true });
    expect(text).toContain('Details:');
    expect(text).toContain('evidence: HEAD /healthz HTTP/1.0 → 404');
    expect(text).toContain('curl -0 -I -m 1 http://10.0.0.12:8080/healthz');
  });
});
