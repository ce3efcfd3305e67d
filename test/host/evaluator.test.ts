// The firewall evaluator on real dumps (iptables-nft-save, iptables-legacy-save, nft -j list ruleset, ipset save)
// captured in network namespaces, for a new check connection from 100.64.0.0/10 to 10.0.3.5 arriving on eth0.
import { evaluateFirewall, type FirewallResult } from '../../lib/host/firewall';
import { parseIpsetSave } from '../../lib/host/ipset';
import { parseIptablesSave } from '../../lib/host/iptables';
import { parseNftJson } from '../../lib/host/nft';
import { SLB_RANGE, size, toCidrs } from '../../lib/host/ranges';
import { evaluateScenario, packet } from './fixtures';

function blocked(result: FirewallResult): string[] {
  return result.blocks.flatMap((b) => toCidrs(b.sources));
}

function only(result: FirewallResult): FirewallResult['blocks'][number] {
  expect(result.blocks).toHaveLength(1);
  expect(result.uncertain).toEqual([]);
  return result.blocks[0] as FirewallResult['blocks'][number];
}

describe('the firewall evaluator on real dumps', () => {
  it('allow-list ending in DROP: never names 100.64.0.0/10, drops all of it with its last rule', () => {
    const block = only(evaluateScenario('allowlist'));
    expect(block.decider).toMatchObject({ source: 'iptables-nft', table: 'filter', chain: 'INPUT', position: 6, text: '-A INPUT -j DROP', verdict: 'drop' });
    expect(size(block.sources)).toBe(size(SLB_RANGE));
    // From the VPC the same rules accept the check (10.0.0.0/8 is allowed): only SLB's range is dropped.
    expect(blocked(evaluateScenario('allowlist', { destinationPort: 22 }))).toEqual([]);
  });

  it('ufw: the INPUT policy DROP decides after every ufw chain RETURNs', () => {
    const block = only(evaluateScenario('ufw'));
    expect(block.decider).toMatchObject({ chain: 'INPUT', position: null, text: '-P INPUT DROP', verdict: 'drop' });
    expect(blocked(evaluateScenario('ufw', { destinationPort: 80 }))).toEqual([]);
  });

  it('fail2ban: one banned SLB address, rejected inside the jail chain (partial coverage)', () => {
    const block = only(evaluateScenario('fail2ban'));
    expect(block.decider).toMatchObject({ chain: 'f2b-nginx-http-auth', position: 2, verdict: 'reject', rejectWith: 'icmp-port-unreachable' });
    expect(toCidrs(block.sources)).toEqual(['100.64.7.7/32']);
    // multiport: port 22 never enters the jail chain.
    expect(blocked(evaluateScenario('fail2ban', { destinationPort: 22 }))).toEqual([]);
  });

  it('firewalld: nftables zone chains via goto, ending in reject with icmpx admin-prohibited', () => {
    const block = only(evaluateScenario('firewalld'));
    expect(block.decider).toMatchObject({ source: 'nftables', table: 'inet firewalld', chain: 'filter_INPUT', position: 6, verdict: 'reject', rejectWith: 'icmpx admin-prohibited' });
    expect(block.decider.text).toMatch(/^reject with icmpx admin-prohibited/);
    expect(blocked(evaluateScenario('firewalld', { destinationPort: 22 }))).toEqual([]);
  });

  it('tailscale: ts-input drops the /10 except 100.115.92.0/23, only when not arriving on tailscale0', () => {
    const block = only(evaluateScenario('tailscale'));
    expect(block.decider).toMatchObject({ chain: 'ts-input', position: 3, text: '-A ts-input -s 100.64.0.0/10 ! -i tailscale0 -j DROP' });
    expect(size(block.sources)).toBe(size(SLB_RANGE) - 512);
    expect(toCidrs(block.sources)).not.toContain('100.115.92.0/23');
    expect(blocked(evaluateScenario('tailscale', { inInterface: 'tailscale0' }))).toEqual([]);
  });

  it('a Kubernetes node: 2,000+ rules, marks, addrtype and conntrack decide nothing against the NodePort', () => {
    const result = evaluateScenario('kubernetes', { destinationPort: 30080 });
    expect(result.blocks).toEqual([]);
    expect(result.uncertain).toEqual([]);
    // KUBE-SERVICES hangs off OUTPUT only: its REJECTs for cluster IPs never see an inbound check.
    expect(evaluateScenario('kubernetes', { destinationIp: '10.96.0.1', destinationPort: 8000 }).blocks).toEqual([]);
    const external = only(evaluateScenario('kubernetes', { destinationPort: 31000 }));
    expect(external.decider).toMatchObject({ chain: 'KUBE-EXTERNAL-SERVICES', position: 1, verdict: 'reject' });
  });

  it('ipset: hash:net with a nomatch hole, hash:ip,port on dst,dst and a list:set', () => {
    const block = only(evaluateScenario('ipset'));
    expect(block.decider).toMatchObject({ chain: 'INPUT', position: 2 });
    expect(size(block.sources)).toBe(65536 - 256);
    expect(toCidrs(block.sources)).not.toContain('100.64.5.0/24');
    expect(blocked(evaluateScenario('ipset', { destinationPort: 9090 }))).toEqual([]);
  });

  it('a partial ban: 100.96.0.0/11 on a port range, with a negated interface', () => {
    const block = only(evaluateScenario('partial'));
    expect(block.decider).toMatchObject({ source: 'iptables-legacy', chain: 'INPUT', position: 1 });
    expect(toCidrs(block.sources)).toEqual(['100.96.0.0/11']);
    expect(blocked(evaluateScenario('partial', { destinationPort: 9000 }))).toEqual([]);
    expect(blocked(evaluateScenario('partial', { inInterface: 'lo' }))).toEqual([]);
  });

  it('legacy and nft at once: accepts in iptables-nft and nftables do not stop the legacy REJECT', () => {
    const result = evaluateScenario('mixed');
    const block = only(result);
    expect(block.decider).toMatchObject({ source: 'iptables-legacy', chain: 'INPUT', position: 2, verdict: 'reject', rejectWith: 'tcp-reset' });
    expect(result.walked.join('\n')).toMatch(/iptables-nft filter INPUT[\s\S]*nftables inet app input/);
    expect(size(block.sources)).toBe(size(SLB_RANGE));
  });
});

describe('the firewall evaluator on the kinds of §2', () => {
  const evaluate = (save: string, overrides = {}, ipset = ''): FirewallResult => evaluateFirewall(parseIptablesSave(save, 'iptables-nft', parseIpsetSave(ipset)), packet(overrides));
  const filter = (...rules: string[]): string => ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':a - [0:0]', ':b - [0:0]', ...rules, 'COMMIT', ''].join('\n');

  it('conntrack: accepting ESTABLISHED does not let a new SYN through', () => {
    const result = evaluate(filter('-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT', '-A INPUT -p tcp -j DROP'));
    expect(only(result).decider.position).toBe(2);
  });

  it('a goto chain that RETURNs ends the calling chain too; a jump comes back', () => {
    const viaGoto = evaluate(filter('-A INPUT -g a', '-A INPUT -j DROP', '-A a -j RETURN'));
    expect(viaGoto.blocks).toEqual([]);
    const viaJump = evaluate(filter('-A INPUT -j a', '-A INPUT -j DROP', '-A a -j RETURN'));
    expect(only(viaJump).decider.position).toBe(2);
  });

  it('negated source: ! -s 100.64.0.0/11 drops the other half', () => {
    expect(toCidrs(only(evaluate(filter('-A INPUT ! -s 100.64.0.0/11 -j DROP'))).sources)).toEqual(['100.96.0.0/11']);
  });

  it('iprange and multiport port ranges', () => {
    const result = evaluate(filter('-A INPUT -p tcp -m multiport --dports 80,8000:8090 -m iprange --src-range 100.64.0.10-100.64.0.12 -j DROP'));
    expect(toCidrs(only(result).sources)).toEqual(['100.64.0.10/31', '100.64.0.12/32']);
  });

  it('an unknown match with a terminal target: the share is uncertain, the rule is named, no block is claimed', () => {
    const result = evaluate(filter('-A INPUT -p tcp -m recent --rcheck --seconds 60 --name scanners -j DROP'));
    expect(result.blocks).toEqual([]);
    expect(size(result.uncertain[0]?.sources ?? [])).toBe(size(SLB_RANGE));
    expect(result.uncertain[0]?.rules.join('\n')).toMatch(/INPUT #1: -A INPUT -p tcp -m recent .*not decided: -m recent/);
  });

  it('an unknown target is uncertain; a logging rule with an unknown match changes nothing', () => {
    const queued = evaluate(filter('-A INPUT -p tcp -j NFQUEUE --queue-num 1'));
    expect(queued.blocks).toEqual([]);
    expect(queued.uncertain[0]?.rules.join('\n')).toMatch(/not understood: -j NFQUEUE/);
    const logged = evaluate(filter('-A INPUT -m limit --limit 3/min -j LOG --log-prefix "x y"', '-A INPUT -s 100.64.0.0/10 -j DROP'));
    expect(only(logged).decider.position).toBe(2);
  });

  it('REJECT with tcp-reset vs DROP, and the chain that decides first wins', () => {
    const result = evaluate(filter('-A INPUT -s 100.64.0.0/11 -p tcp -j REJECT --reject-with tcp-reset', '-A INPUT -j DROP'));
    expect(result.blocks.map((b) => [b.decider.verdict, toCidrs(b.sources)])).toEqual([
      ['reject', ['100.64.0.0/11']],
      ['drop', ['100.96.0.0/11']],
    ]);
  });

  it('a mark set by an earlier rule makes a mark match undecided', () => {
    const save = filter('-A INPUT -j MARK --set-xmark 0x8000/0x8000', '-A INPUT -m mark --mark 0x8000/0x8000 -j DROP');
    const result = evaluateFirewall(parseIptablesSave(save, 'iptables-nft', new Map()), packet({ possibleMarks: [0, 0x8000] }));
    expect(result.blocks).toEqual([]);
    expect(result.uncertain).toHaveLength(1);
  });

  it('nftables: ct state vmap (firewalld 2.x) sends a new connection on to the zone rules', () => {
    const json = JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 'firewalld' } },
        { chain: { family: 'inet', table: 'firewalld', name: 'filter_INPUT', type: 'filter', hook: 'input', prio: 10, policy: 'accept' } },
        { rule: { family: 'inet', table: 'firewalld', chain: 'filter_INPUT', handle: 1, expr: [{ vmap: { key: { ct: { key: 'state' } }, data: { set: [['established', { accept: null }], ['related', { accept: null }], ['invalid', { drop: null }]] } } }] } },
        { rule: { family: 'inet', table: 'firewalld', chain: 'filter_INPUT', handle: 2, expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '100.96.0.0', len: 11 } } } }, { reject: { type: 'icmpx', expr: 'admin-prohibited' } }] } },
      ],
    });
    const result = evaluateFirewall(parseNftJson(json).tables, packet());
    expect(only(result).decider).toMatchObject({ position: 2, verdict: 'reject', rejectWith: 'icmpx admin-prohibited' });
    expect(toCidrs(only(result).sources)).toEqual(['100.96.0.0/11']);
  });

  it('nftables: a verdict map on the source address splits the /10', () => {
    const json = JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 't' } },
        { chain: { family: 'inet', table: 't', name: 'in', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
        { rule: { family: 'inet', table: 't', chain: 'in', handle: 3, expr: [{ vmap: { key: { payload: { protocol: 'ip', field: 'saddr' } }, data: { set: [[{ prefix: { addr: '100.64.0.0', len: 12 } }, { drop: null }], [{ prefix: { addr: '0.0.0.0', len: 0 } }, { accept: null }]] } } }] } },
      ],
    });
    const result = evaluateFirewall(parseNftJson(json).tables, packet());
    expect(toCidrs(only(result).sources)).toEqual(['100.64.0.0/12']);
  });
});
