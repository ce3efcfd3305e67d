import { renderFinding, renderFindings } from '../../lib/diagnose';
import type { Finding } from '../../lib/model';

const finding: Finding = {
  code: 'PATH_NOT_FOUND',
  severity: 'error',
  subject: { regionId: 'cn-hangzhou', loadBalancerId: 'lb-1', loadBalancerName: 'web', vpcId: 'vpc-1', tags: {}, listener: { port: 80, protocol: 'http' }, backend: { serverId: 'i-web1', ip: '10.0.0.1', port: 80, checkPort: 8080 } },
  slbStatus: 'abnormal',
  cause: '/test.html answers 404 while / answers 200: the check page is missing.',
  evidenceLine: 'HEAD /test.html HTTP/1.0, Host www.slb-test.com → 404 in 12 ms',
  evidence: [],
  facts: ['SLB status abnormal', 'weight 100'],
  remedy: 'Create /test.html.',
  guideStep: 'L7 guide step 2',
  reproduce: ['echo -e "HEAD /test.html HTTP/1.0\\r\\n\\r\\n" | nc -w 5 10.0.0.1 8080'],
  hostCommands: [],
};

describe('render', () => {
  it('renders one finding as labelled lines', () => {
    expect(renderFinding(finding)).toBe(
      [
        'ERROR PATH_NOT_FOUND  lb-1 (web) http:80 → i-web1 10.0.0.1:80 (check port 8080)',
        '  cause        /test.html answers 404 while / answers 200: the check page is missing.',
        '  evidence     HEAD /test.html HTTP/1.0, Host www.slb-test.com → 404 in 12 ms',
        '  remedy       Create /test.html.',
        '  guide        L7 guide step 2',
        '  facts        SLB status abnormal',
        '               weight 100',
        '  reproduce    from the backend or a host in its VPC:',
        '               $ echo -e "HEAD /test.html HTTP/1.0\\r\\n\\r\\n" | nc -w 5 10.0.0.1 8080',
      ].join('\n'),
    );
  });
  it('summarises counts and never passes terminal escapes through', () => {
    const hostile = { ...finding, severity: 'critical' as const, cause: 'bad \x1b[2J\x9b31m\nnext' };
    const text = renderFindings([hostile, finding]);
    expect(text.startsWith('2 findings (1 critical, 1 error)\n\n')).toBe(true);
    expect(text).toContain('bad \\x1b[2J\\x9b31m\\nnext');
    expect(text).not.toMatch(/[\x1b\x9b]/);
    expect(renderFindings([])).toBe('No findings.\n');
  });
});
