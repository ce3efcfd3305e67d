// hostVerdict on the host script's real output (captured in network namespaces by test/fixtures/host/capture.sh),
// and on bad input: truncated, garbled, another version, another check, every tool missing, no root.
import { readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { HOST_SCRIPT_VERSION } from '../../lib/host/script';
import { HOST_ONLY_CODES, type HostCheckSpec, type HostVerdict } from '../../lib/host/types';
import { hostVerdict } from '../../lib/host/verdict';
import { parseReplays } from '../../lib/host/facts';
import { FIXTURES, fixture } from './fixtures';

const CHECK: HostCheckSpec = { backendIp: '10.0.3.5', port: 8080, protocol: 'http', method: 'HEAD', uri: '/', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx', 'http_3xx'], timeoutSeconds: 5, udpRequest: null, udpExpect: null };

function verdictOf(scenario: string, check: Partial<HostCheckSpec> & { slbStatus?: string } = {}): HostVerdict {
  return hostVerdict(fixture(scenario, 'host-output.txt'), { ...CHECK, ...check });
}

function codes(verdict: HostVerdict): string[] {
  return verdict.findings.map((f) => f.code).sort();
}

describe('host-verdict on real script output', () => {
  it('names the blocking rule with table, chain, position and the share of the /10', () => {
    const verdict = verdictOf('fail2ban');
    const block = verdict.findings.find((f) => f.code === 'HOST_FIREWALL_BLOCKS_SLB');
    expect(block?.rule).toBe('-A f2b-nginx-http-auth -s 100.64.7.7/32 -j REJECT --reject-with icmp-port-unreachable');
    expect(block?.cause).toMatch(/rejects \(icmp-port-unreachable\) 0\.000024 % of 100\.64\.0\.0\/10 on tcp\/8080: rule 2 of iptables-nft table filter, chain f2b-nginx-http-auth/);
    expect(block?.evidence).toContain('affected: 100.64.7.7/32 (0.000024 % of 100.64.0.0/10)');
    expect(block?.remedy).toMatch(/ignoreip = 100\.64\.0\.0\/10/);
    expect(verdict.facts.blockedRanges).toEqual(['100.64.7.7/32']);
  });

  it.each([
    ['allowlist', '-A INPUT -j DROP', 1],
    ['ufw', '-P INPUT DROP', 1],
    ['firewalld', 'reject with icmpx admin-prohibited # handle 19', 1],
    ['tailscale', '-A ts-input -s 100.64.0.0/10 ! -i tailscale0 -j DROP', 1 - 512 / 4194304],
    ['ipset', '-A INPUT -m set --match-set web-ports dst,dst -m set --match-set all-blocks src -j DROP', (65536 - 256) / 4194304],
    ['partial', '-A INPUT -s 100.96.0.0/11 ! -i lo -p tcp -m tcp --dport 8000:8100 -j DROP', 0.5],
    ['mixed', '-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 8080,8443 -j REJECT --reject-with tcp-reset', 1],
  ])('%s: the rule %j blocks %d of the /10', (scenario, rule, share) => {
    const verdict = verdictOf(scenario);
    expect(verdict.findings.filter((f) => f.code === 'HOST_FIREWALL_BLOCKS_SLB').map((f) => f.rule)).toEqual([rule]);
    expect(verdict.facts.blockedShare).toBeCloseTo(share, 9);
    expect(codes(verdict)).not.toContain('HOST_CHECK_UNAVAILABLE');
  });

  it('a Kubernetes node fits the output limit and blocks nothing on its NodePort', () => {
    const verdict = verdictOf('kubernetes', { port: 30080 });
    expect(verdict.facts.blockedShare).toBe(0);
    expect(codes(verdict)).toEqual(['PORT_CLOSED']);
    expect(fixture('kubernetes', 'host-output.txt').length).toBeLessThan(24 * 1024);
  });

  it('tailscale: policy routing sends replies out tailscale0 (table 52), and strict rp_filter refuses the checks', () => {
    const route = verdictOf('tailscale-route').findings.find((f) => f.code === 'ROUTE_TO_SLB_ASYMMETRIC');
    expect(route?.cause).toMatch(/leave through tailscale0 \(policy routing: table 52\), not eth0; the kernel's reverse-path check refuses/);
    expect(route?.evidence).toContain('rp_filter all=1 default=0 eth0=1 (effective 1)');
    expect(codes(verdictOf('tailscale'))).toEqual(['HOST_FIREWALL_BLOCKS_SLB', 'PORT_CLOSED', 'ROUTE_TO_SLB_ASYMMETRIC']);
  });

  it('tailscale peer: one /32 of the /10 in table 52 is found in the route dump, not by the samples', () => {
    const verdict = verdictOf('tailscale-peer');
    expect(verdict.findings.find((f) => f.code === 'ROUTE_TO_SLB_ASYMMETRIC')?.cause).toMatch(/replies to 100\.100\.7\.7\/32 \(0\.000024 % of 100\.64\.0\.0\/10\) follow routes that leave through tailscale0, not eth0/);
    expect(verdict.facts.unroutedRanges).toEqual(['100.100.7.7/32']);
    expect(verdictOf('tailscale-route').facts.unroutedRanges).toEqual(['100.64.0.0/10']);
  });

  it('a service bound to loopback: the listener and the replay to both addresses', () => {
    const verdict = verdictOf('loopback');
    expect(codes(verdict)).toEqual(['SERVICE_BOUND_TO_LOOPBACK']);
    const finding = verdict.findings[0];
    expect(finding?.cause).toMatch(/listens only on 127\.0\.0\.1 \(loopback\), not on the backend IP 10\.0\.3\.5/);
    expect(finding?.evidence.join('\n')).toMatch(/10\.0\.3\.5:8080 \(curl\) → refused[\s\S]*127\.0\.0\.1:8080 \(curl\) → 200/);
  });

  it('existing codes confirmed on the host: PATH_NOT_FOUND by the local replay, PROTOCOL_ERROR naming the process', () => {
    expect(verdictOf('notfound').findings.map((f) => [f.code, f.cause])).toEqual([['PATH_NOT_FOUND', expect.stringMatching(/gets 404 for HEAD \/.*confirmed on the host \(node \(pid \d+\) listens on the port\)/)]]);
    expect(verdictOf('garbage').findings.map((f) => [f.code, f.cause])).toEqual([['PROTOCOL_ERROR', expect.stringMatching(/not HTTP.*\(node \(pid \d+\) listens on the port\)/)]]);
  });

  it('names host-protection software seen on the host (Alibaba Cloud Security Center) in the firewall finding', () => {
    const output = fixture('allowlist', 'host-output.txt').replace(/@section software [^\n]*\n[\s\S]*?@end software/, '@section software status=ok rc=0 enc=plain raw=34\nprocess AliYunDun\nprocess AliYunDunMonitor\n@end software');
    const verdict = hostVerdict(output, CHECK);
    const block = verdict.findings.find((f) => f.code === 'HOST_FIREWALL_BLOCKS_SLB');
    expect(block?.evidence).toContain('security software on the host: AliYunDun, AliYunDunMonitor');
    expect(block?.remedy).toMatch(/Security Center \(AliYunDun\) also runs/);
    expect(verdict.facts.securitySoftware).toEqual(['AliYunDun', 'AliYunDunMonitor']);
  });

  it('says when host facts and SLB disagree, instead of picking one', () => {
    const verdict = verdictOf('allowlist', { slbStatus: 'normal' });
    expect(verdict.findings[0]?.evidence.join('\n')).toMatch(/disagreement: SLB reports this backend normal/);
    const quiet = verdictOf('clean', { slbStatus: 'abnormal' });
    expect(quiet.findings).toEqual([]);
    expect(quiet.notes.join('\n')).toMatch(/disagreement: SLB reports this backend abnormal, and the host shows no cause in a fully read firewall/);
  });
});

describe('host-verdict on bad input: HOST_CHECK_UNAVAILABLE or a partial verdict, never a crash or a claimed block', () => {
  const full = fixture('allowlist', 'host-output.txt');

  function expectNoBlockClaimed(verdict: HostVerdict): void {
    expect(codes(verdict)).not.toContain('HOST_FIREWALL_BLOCKS_SLB');
    expect(codes(verdict)).toContain('HOST_CHECK_UNAVAILABLE');
  }

  it('every tool missing: /proc and bash fallbacks still read listeners and the replay, the firewall is unknown', () => {
    const verdict = verdictOf('no-tools');
    expectNoBlockClaimed(verdict);
    expect(verdict.facts.listeners).toEqual([{ address: '0.0.0.0', port: 8080, process: expect.stringMatching(/^node \(pid \d+\)$/) }]);
    expect(verdict.facts.replays.map((r) => [r.target, r.tool, r.status])).toEqual([['10.0.3.5', 'bash', 200], ['127.0.0.1', 'bash', 200]]);
    expect(verdict.findings.find((f) => f.code === 'HOST_CHECK_UNAVAILABLE')?.cause).toMatch(/none of iptables-nft-save, iptables-legacy-save and nft could be read/);
  });

  it('not root: says which facts needed root', () => {
    const verdict = verdictOf('non-root');
    expectNoBlockClaimed(verdict);
    expect(verdict.missing).toEqual(expect.arrayContaining(['the script ran as uid 65534, not root: firewall facts may be missing', 'iptables (nft) rules: needs root (run the script as root, as Cloud Assistant does)']));
    expect(codes(verdict)).toContain('SERVICE_BOUND_TO_LOOPBACK');
  });

  it('truncated inside the firewall: what was lost is named, no block is claimed', () => {
    const verdict = hostVerdict(full.slice(0, full.indexOf('@section ipt4-nft') + 60), CHECK);
    expectNoBlockClaimed(verdict);
    expect(verdict.missing.join('\n')).toMatch(/the output ends inside section ipt4-nft: it was truncated/);
    expect(verdict.missing.join('\n')).toMatch(/nftables ruleset: not in the output \(truncated\)/);
  });

  it('truncated after the firewall: a drop read in whole sections stands (a drop is final), flagged as partial', () => {
    const verdict = hostVerdict(full.slice(0, full.indexOf('@section replay')), CHECK);
    expect(codes(verdict)).toEqual(['HOST_CHECK_UNAVAILABLE', 'HOST_FIREWALL_BLOCKS_SLB', 'PORT_CLOSED']);
    expect(verdict.findings.find((f) => f.code === 'HOST_FIREWALL_BLOCKS_SLB')?.evidence).toContain('read from the complete sections of a truncated output');
    expect(verdict.missing).toContain('local replay: not in the output (truncated)');
  });

  it('garbled: a compressed section that does not decode is named', () => {
    const bad = full.replace('@section ipt4-nft status=ok rc=0 enc=plain', '@section ipt4-nft status=ok rc=0 enc=gzip64');
    expect(bad).not.toBe(full);
    const verdict = hostVerdict(bad, CHECK);
    expect(verdict.missing.join('\n')).toMatch(/section ipt4-nft is garbled/);
    expectNoBlockClaimed(verdict);
  });

  it('garbled firewall text: the firewall is reported unread, no block is claimed', () => {
    const body = gzipSync('{"nftables": [ this is not json\n').toString('base64');
    const bad = full.replace(/@section nft [^\n]*\n[\s\S]*?@end nft/, `@section nft status=ok rc=0 enc=gzip64 raw=40\n${body}\n@end nft`);
    const verdict = hostVerdict(bad, CHECK);
    expect(verdict.missing.join('\n')).toMatch(/nftables ruleset: 1 table listing\(s\) garbled/);
    expect(codes(verdict)).toContain('HOST_CHECK_UNAVAILABLE');
  });

  it.each([
    ['another script version', full.replace(`#${HOST_SCRIPT_VERSION}`, '#slb-doctor-host-script v0'), /host script version v0|slb-doctor-host-script v0/],
    ['not script output at all', 'bash: line 1: syntax error near unexpected token\n', /does not start with the host script marker/],
    ['empty', '', /does not start with the host script marker/],
    ['binary noise', Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 37) % 256)).toString('latin1'), /does not start with the host script marker/],
  ])('%s → HOST_CHECK_UNAVAILABLE only', (_label, output, reason) => {
    const verdict = hostVerdict(output, CHECK);
    expect(codes(verdict)).toEqual(['HOST_CHECK_UNAVAILABLE']);
    expect(verdict.findings[0]?.cause).toMatch(reason);
  });

  it('output for another backend or port is refused', () => {
    const verdict = hostVerdict(full, { ...CHECK, port: 9090 });
    expect(codes(verdict)).toEqual(['HOST_CHECK_UNAVAILABLE']);
    expect(verdict.findings[0]?.cause).toMatch(/the output is for 10\.0\.3\.5:8080, not for the check asked about \(10\.0\.3\.5:9090\)/);
  });

  it('a section cut for size is said, and the verdict is partial', () => {
    const cut = full.replace(/@section ipt4-nft [^\n]*\n[\s\S]*?@end ipt4-nft/, '@section ipt4-nft status=cut rc=0 enc=none raw=812345 size=96000\n\n@end ipt4-nft').replace(/@done ms=(\d+) cut=/, '@done ms=$1 cut=ipt4-nft');
    const verdict = hostVerdict(cut, CHECK);
    expectNoBlockClaimed(verdict);
    expect(verdict.missing).toEqual(expect.arrayContaining(['section ipt4-nft was left out to fit the 24 KB output limit', 'iptables (nft) rules: left out to fit the 24 KB output limit (812345 bytes)']));
  });
});

describe('every host-only code', () => {
  it('is given by the verdict on some real output', () => {
    const given = new Set(['allowlist', 'loopback', 'tailscale-route', 'no-tools'].flatMap((scenario) => codes(verdictOf(scenario))));
    for (const code of HOST_ONLY_CODES) expect(given).toContain(code);
  });
});

describe('the local replay as the script reports it', () => {
  it.each([
    ['tcp', 'replay target=10.0.3.5 tool=bash rc=0 ms=3', 'connected'],
    ['tcp', 'replay target=10.0.3.5 tool=bash rc=1 ms=2\nerr bash: connect: Connection refused', 'refused'],
    ['udp', 'replay target=10.0.3.5 tool=bash rc=142 ms=3001', 'udp_no_reply'],
    ['udp', 'replay target=10.0.3.5 tool=bash rc=0 ms=4\nline pong', 'udp_reply'],
    ['udp', 'replay target=10.0.3.5 tool=bash rc=1 ms=1\nerr bash: line 5: read: read error: 0: Connection refused', 'udp_port_unreachable'],
    ['http', 'replay target=10.0.3.5 tool=curl rc=28 ms=3004\nerr curl: (28) Operation timed out after 3001 milliseconds with 0 bytes received', 'timeout'],
    ['http', 'replay target=10.0.3.5 tool=curl rc=56 ms=5\nerr curl: (56) Recv failure: Connection reset by peer', 'reset'],
    ['http', 'replay target=10.0.3.5 tool=bash rc=0 ms=5\nline SSH-2.0-OpenSSH_9.2p1', 'not_http'],
  ] as const)('%s: %j → %s', (protocol, body, outcome) => {
    expect(parseReplays(body, protocol)[0]?.outcome).toBe(outcome);
  });
});

describe('host-verdict never throws on damaged output', () => {
  const scenarios = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'scenarios').map((d) => d.name);

  it.each(scenarios)('%s: cut at 40 points, each gives HOST_CHECK_UNAVAILABLE; 40 damaged bytes never crash it', (scenario) => {
    const output = fixture(scenario, 'host-output.txt');
    const end = output.indexOf('@done');
    for (let i = 1; i <= 40; i++) {
      const verdict = hostVerdict(output.slice(0, Math.floor((end * i) / 41)), CHECK);
      expect(codes(verdict)).toContain('HOST_CHECK_UNAVAILABLE');
    }
    let seed = 7;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const at = seed % output.length;
      const damaged = `${output.slice(0, at)}${String.fromCharCode(seed % 256)}${output.slice(at + 1)}`;
      expect(() => hostVerdict(damaged, CHECK)).not.toThrow();
    }
  });
});
