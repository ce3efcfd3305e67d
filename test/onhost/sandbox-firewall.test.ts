// A sandbox host's firewall is declared once, as iptables-save text: the sandbox's evaluator reads it as the kernel
// would, and the data plane really drops (or, as root, refuses with a RST) SLB's checker sources it blocks, while
// every other source, and the host's own replay, still gets through.
import * as net from 'node:net';
import { startBackends, type RunningBackends } from '../../lib/sandbox/backends';
import { canAnswerWithReset, hostSourceVerdicts } from '../../lib/sandbox/hosts/dataplane';
import { FirewallRuleError, parseIpsetSave, parseIptablesSave, parseIpv4 } from '../../lib/sandbox/hosts/iptables';
import type { Scenario } from '../../lib/sandbox/scenario/types';
import { ScenarioError, validateScenario } from '../../lib/sandbox/scenario/validate';
import { smallScenario } from '../sandbox/api/helpers';
import { instance, oneVpcScenario } from '../support/scenarios';

const ip = (text: string): number => parseIpv4(text) ?? -1;
const packet = (source: string, port = 8080, inInterface = 'eth0') => ({ source: ip(source), destination: ip('10.0.3.5'), destinationPort: port, sourcePort: 40000, inInterface });

describe('the sandbox reads a declared iptables-save ruleset as the kernel does', () => {
  const sets = parseIpsetSave('create banned hash:ip family inet hashsize 1024 maxelem 65536\nadd banned 100.64.0.7\n');
  const firewall = parseIptablesSave(
    `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -s 100.100.0.0/16 -j DROP
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:CHECKS - [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -m set --match-set banned src -j REJECT --reject-with icmp-port-unreachable
-A INPUT -p tcp -m multiport --dports 80,8000:8090 -j CHECKS
-A INPUT ! -s 100.64.0.0/10 -p tcp -m tcp --dport 22 -j ACCEPT
-A CHECKS -s 100.64.0.0/24 -j RETURN
-A CHECKS -m comment --comment "allow SLB" -j ACCEPT
COMMIT
`,
    sets,
  );

  it('follows rule order, user chains, RETURN, negation, multiport, conntrack, sets, interfaces and the policy', () => {
    expect(firewall.verdict(packet('100.64.1.9'))).toBe('accept'); // CHECKS accepts
    expect(firewall.verdict(packet('100.64.0.9'))).toBe('drop'); // RETURN from CHECKS, then the DROP policy
    expect(firewall.verdict(packet('100.64.0.7'))).toBe('reject'); // the banned set, before the jump
    expect(firewall.verdict(packet('100.100.3.4'))).toBe('drop'); // raw PREROUTING drops before filter
    expect(firewall.verdict(packet('100.64.1.9', 9000))).toBe('drop'); // outside the multiport list
    expect(firewall.verdict(packet('100.64.1.9', 22))).toBe('drop'); // ! -s excludes SLB from ssh
    expect(firewall.verdict(packet('10.1.1.1', 22))).toBe('accept');
    expect(firewall.verdict(packet('100.64.0.9', 8080, 'lo'))).toBe('accept'); // -i lo
  });

  it('refuses what it cannot evaluate, naming the line', () => {
    expect(() => parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m recent --rcheck -j DROP\nCOMMIT\n')).toThrow(new FirewallRuleError("iptables line 3: the sandbox does not evaluate '-m recent'; use tcp, udp, multiport, conntrack, state, set or comment"));
    expect(() => parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOWHERE\nCOMMIT\n')).toThrow(/line 3: the rule jumps to NOWHERE, which is not declared in \*filter/);
    expect(() => parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set missing src -j DROP\nCOMMIT\n')).toThrow(/set 'missing' is not declared/);
  });

  it('the scenario validator names the host and line of a rule it cannot evaluate', () => {
    const scenario = smallScenario();
    scenario.instances[0] = { ...scenario.instances[0], host: { firewall: { iptables: '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j MARK --set-mark 1\nCOMMIT\n' } } };
    expect(() => validateScenario(scenario)).toThrow(new ScenarioError('instances[0].host.firewall.iptables', 'iptables line 3: the sandbox does not evaluate the target MARK'));
  });
});

function connectFrom(localAddress: string, host: string, port: number, timeoutMs: number): Promise<'connected' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'timeout');
    });
  });
}

describe('the declared firewall decides what SLB checker sources experience on the data plane', () => {
  // A block of its own (127.215.0.0/24), so that no other sandbox on this machine serves this address.
  const backendIp = '127.215.0.57';
  const scenario = (): Scenario =>
    oneVpcScenario('127.215.0', {
      instances: [
        {
          ...instance('i-fw', backendIp),
          host: {
            firewall: {
              iptables: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 100.64.0.1/32 -p tcp -m tcp --dport 18081 -j DROP
-A INPUT -s 100.64.0.2/32 -p tcp -m tcp --dport 18081 -j REJECT --reject-with tcp-reset
COMMIT
`,
            },
          },
        },
      ],
      endpoints: [{ ip: backendIp, port: 18081, behaviour: 'healthy' }],
      loadBalancers: [],
    });
  let backends: RunningBackends;
  beforeAll(async () => {
    backends = await startBackends(validateScenario(scenario()));
  });
  afterAll(() => backends?.stop());

  it('computes the refused sources per endpoint from the rules', () => {
    const verdicts = hostSourceVerdicts(validateScenario(scenario()), ['127.100.64.1', '127.100.64.2', '127.100.64.3']);
    expect(verdicts.get(`${backendIp}:18081`)).toEqual({ drop: ['127.100.64.1'], reject: ['127.100.64.2'] });
  });

  it('drops 127.100.64.1, refuses 127.100.64.2 (a RST as root, else dropped), lets 127.100.64.3 and the host itself in', async () => {
    const [dropped, rejected, allowed, local] = await Promise.all([
      connectFrom('127.100.64.1', backendIp, 18081, 1500),
      connectFrom('127.100.64.2', backendIp, 18081, 1500),
      connectFrom('127.100.64.3', backendIp, 18081, 1500),
      connectFrom(backendIp, backendIp, 18081, 1500),
    ]);
    expect(dropped).toBe('timeout');
    expect(rejected).toBe(canAnswerWithReset() ? 'refused' : 'timeout');
    expect(allowed).toBe('connected');
    expect(local).toBe('connected');
  });
});
