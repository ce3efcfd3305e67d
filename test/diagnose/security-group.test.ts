import { evaluateSecurityGroups } from '../../lib/diagnose';
import { cidrRange, portRangeCovers } from '../../lib/diagnose/security-group';
import type { SecurityGroupRule } from '../../lib/model';

function rule(overrides: Partial<SecurityGroupRule>): SecurityGroupRule {
  return { securityGroupId: 'sg-1', direction: 'ingress', policy: 'drop', priority: 1, ipProtocol: 'TCP', portRange: '80/80', sourceCidrIp: '0.0.0.0/0', description: '', ...overrides };
}
const check = { protocol: 'tcp' as const, port: 80 };

describe('evaluateSecurityGroups', () => {
  it('no rules: the implicit allow for 100.64.0.0/10 holds', () => {
    expect(evaluateSecurityGroups([], check)).toEqual({ droppingRules: [], droppedShare: 0 });
  });
  it('a drop from 0.0.0.0/0 on the check port drops all of it', () => {
    const drop = rule({});
    expect(evaluateSecurityGroups([drop], check)).toEqual({ droppingRules: [drop], droppedShare: 1 });
  });
  it('an accept with a smaller priority number wins over the drop', () => {
    const accept = rule({ policy: 'accept', priority: 1, sourceCidrIp: '100.64.0.0/10' });
    expect(evaluateSecurityGroups([rule({ priority: 5 }), accept], check).droppingRules).toEqual([]);
  });
  it('drop beats accept at equal priority', () => {
    const drop = rule({ priority: 3 });
    expect(evaluateSecurityGroups([rule({ policy: 'accept', priority: 3, sourceCidrIp: '100.64.0.0/10' }), drop], check).droppingRules).toEqual([drop]);
  });
  it('a partial accept leaves the rest of the range to a later drop', () => {
    const drop = rule({ priority: 10 });
    const verdict = evaluateSecurityGroups([rule({ policy: 'accept', priority: 1, sourceCidrIp: '100.64.0.0/11' }), drop], check);
    expect(verdict).toEqual({ droppingRules: [drop], droppedShare: 0.5 });
  });
  it('a drop of a slice of 100.64.0.0/10 is reported with its share', () => {
    expect(evaluateSecurityGroups([rule({ sourceCidrIp: '100.64.1.0/24' })], check).droppedShare).toBeCloseTo(1 / 16384);
  });
  it('ignores other ports, other protocols, egress, non-overlapping sources and unparsable CIDRs', () => {
    const rules = [
      rule({ portRange: '443/443' }),
      rule({ ipProtocol: 'UDP' }),
      rule({ ipProtocol: 'ICMP', portRange: '-1/-1' }),
      rule({ direction: 'egress' }),
      rule({ sourceCidrIp: '10.0.0.0/8' }),
      rule({ sourceCidrIp: '' }),
      rule({ sourceCidrIp: '::/0' }),
    ];
    expect(evaluateSecurityGroups(rules, check).droppingRules).toEqual([]);
  });
  it('ALL protocol with -1/-1 covers UDP checks too', () => {
    const all = rule({ ipProtocol: 'all', portRange: '-1/-1', sourceCidrIp: '100.100.0.0/16' });
    expect(evaluateSecurityGroups([all], { protocol: 'udp', port: 53 }).droppingRules).toEqual([all]);
  });
});

describe('CIDR and port range parsing', () => {
  it('parses CIDRs and bare addresses, rejects junk', () => {
    expect(cidrRange('100.64.0.0/10')).toEqual({ first: 100 * 2 ** 24 + 64 * 2 ** 16, last: 100 * 2 ** 24 + 127 * 2 ** 16 + 65535 });
    expect(cidrRange('10.0.0.5')).toEqual({ first: 167772165, last: 167772165 });
    expect(cidrRange('0.0.0.0/0')).toEqual({ first: 0, last: 2 ** 32 - 1 });
    expect([cidrRange('300.1.1.1/8'), cidrRange('1.2.3.4/33'), cidrRange('sg-abc')]).toEqual([null, null, null]);
  });
  it('reads port ranges', () => {
    expect([portRangeCovers('80/80', 80), portRangeCovers('1/1024', 443), portRangeCovers('-1/-1', 9), portRangeCovers('81/90', 80), portRangeCovers('bad', 80)]).toEqual([true, true, true, false, false]);
  });
});
