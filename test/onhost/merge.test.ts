// How host verdicts merge into the VPC findings: a host code refines (keeps the VPC evidence and says what the VPC
// diagnosis was), the same code confirms, another code is said as a disagreement, and an unexamined host leaves the
// VPC finding standing next to HOST_CHECK_UNAVAILABLE with the reason. Every examined finding leads its reproduce
// section with the command that prints the host script.
import type { HostFinding, HostVerdict } from '../../lib/host/types';
import type { Finding, FindingCode } from '../../lib/model';
import type { HostOutcome } from '../../lib/onhost/fleet';
import { mergeHostOutcomes } from '../../lib/onhost/merge';
import type { HostTarget } from '../../lib/onhost/targets';

function finding(code: FindingCode, serverId: string): Finding {
  return {
    code,
    severity: 'error',
    subject: { regionId: 'cn-hangzhou', loadBalancerId: 'lb-1', loadBalancerName: 'one', vpcId: 'vpc-1', tags: {}, listener: { port: 80, protocol: 'http' }, backend: { serverId, ip: '10.0.0.5', port: 8080, checkPort: 8080 } },
    slbStatus: 'abnormal',
    cause: `${code} cause`,
    evidenceLine: 'HEAD / → timeout',
    evidence: [],
    facts: ['vpc fact'],
    remedy: 'vpc remedy',
    guideStep: 'guide',
    reproduce: ['nc …'],
    hostCommands: [],
  };
}

function target(instanceId: string, findingIndex: number): HostTarget {
  return {
    instanceId,
    instanceStatus: 'Running',
    checks: [
      {
        key: instanceId,
        spec: { backendIp: '10.0.0.5', port: 8080, protocol: 'http', method: 'HEAD', uri: '/', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx'], timeoutSeconds: 2, udpRequest: null, udpExpect: null },
        findingIndexes: [findingIndex],
        slbStatus: 'abnormal',
      },
    ],
  };
}

function verdictWith(findings: HostFinding[], notes: string[] = []): HostVerdict {
  return { findings, facts: {} as HostVerdict['facts'], missing: [], notUnderstood: [], notes };
}

describe('mergeHostOutcomes', () => {
  const vpc = [finding('SLB_SOURCE_BLOCKED', 'i-fw'), finding('PORT_CLOSED', 'i-closed'), finding('CONNECT_TIMEOUT', 'i-other'), finding('PATH_NOT_FOUND', 'i-gone'), finding('UNDETERMINED', 'i-untouched')];
  const targets = [target('i-fw', 0), target('i-closed', 1), target('i-other', 2), target('i-gone', 3)];
  const verdicts: Record<string, HostVerdict> = {
    'out-fw': verdictWith([{ code: 'HOST_FIREWALL_BLOCKS_SLB', cause: 'rule 3 drops it', evidence: ['filter INPUT rule 3'], remedy: 'allow it', rule: '-A INPUT -s 100.64.0.0/10 -j DROP' }], ['fail2ban runs']),
    'out-closed': verdictWith([{ code: 'PORT_CLOSED', cause: 'nothing listens', evidence: ['ss: none'], remedy: 'start it' }]),
    'out-other': verdictWith([{ code: 'RESPONSE_TIMEOUT', cause: 'the local replay hangs', evidence: ['curl: timeout'], remedy: 'fix the app' }]),
  };
  const outcomes = new Map<string, HostOutcome>([
    ['i-fw', { kind: 'output', outputs: ['out-fw'], invokeId: 't-1' }],
    ['i-closed', { kind: 'output', outputs: ['out-closed'], invokeId: 't-1' }],
    ['i-other', { kind: 'output', outputs: ['out-other'], invokeId: 't-1' }],
    ['i-gone', { kind: 'running', reason: 'still running at the run\'s deadline (Cloud Assistant invocation t-2)' }],
  ]);
  const { findings, counts } = mergeHostOutcomes(vpc, targets, outcomes, (output) => verdicts[output] ?? verdictWith([]));

  it('refines, confirms, disagrees and reports the unexamined host, leaving other findings alone', () => {
    expect(findings.map((f) => `${f.subject.backend?.serverId} ${f.code}`)).toEqual([
      'i-fw HOST_FIREWALL_BLOCKS_SLB',
      'i-closed PORT_CLOSED',
      'i-other CONNECT_TIMEOUT',
      'i-gone PATH_NOT_FOUND',
      'i-gone HOST_CHECK_UNAVAILABLE',
      'i-untouched UNDETERMINED',
    ]);
    expect(counts).toEqual({ refined: 1, confirmed: 1, disagreed: 1, unavailable: 1 });
  });

  it('a refined finding names the rule, keeps the VPC facts and says what the VPC diagnosis was', () => {
    const refined = findings[0];
    expect(refined?.evidenceLine).toBe('-A INPUT -s 100.64.0.0/10 -j DROP (HEAD / → timeout)');
    expect(refined?.facts).toEqual([
      'the VPC diagnosis was SLB_SOURCE_BLOCKED: SLB_SOURCE_BLOCKED cause',
      'host: filter INPUT rule 3',
      'host rule: -A INPUT -s 100.64.0.0/10 -j DROP',
      'vpc fact',
      'host: fail2ban runs',
    ]);
    expect(refined?.remedy).toBe('allow it');
    expect(refined?.reproduce[0]).toMatch(/^slb-doctor host-script --backend-ip 10\.0\.0\.5 --port 8080 .* \| slb-doctor host-verdict .* --slb-status abnormal$/);
    expect(refined?.reproduce[1]).toBe('nc …');
  });

  it('confirmation and disagreement are facts on the VPC finding; the unexamined host keeps its VPC diagnosis', () => {
    expect(findings[1]?.facts).toContain('host confirms: nothing listens');
    expect(findings[2]?.facts).toContain('host facts disagree: the host says RESPONSE_TIMEOUT: the local replay hangs');
    expect(findings[3]?.cause).toBe('PATH_NOT_FOUND cause');
    expect(findings[4]).toMatchObject({ severity: 'warning', cause: "The host could not be examined: still running at the run's deadline (Cloud Assistant invocation t-2).", facts: ['the VPC diagnosis stands: PATH_NOT_FOUND: PATH_NOT_FOUND cause'] });
    expect(findings[5]).toBe(vpc[4]);
  });
});
