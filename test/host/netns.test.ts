// The kernel as the judge: each scenario's firewall (the same files the fixtures were captured from) is loaded into a
// real network namespace, the generated host script runs there through bash, its output goes to hostVerdict, and a
// real SYN + HEAD from each 100.64.0.0/10 source in the SLB namespace must fail exactly when the verdict says so.
import { contains, parseCidr, parseIpv4, rangesOf, union, type Ranges } from '../../lib/host/ranges';
import { renderHostScript } from '../../lib/host/script';
import type { HostCheckSpec, HostVerdict } from '../../lib/host/types';
import { hostVerdict } from '../../lib/host/verdict';
import { NamespacePair, namespaceSkipReason, scenarioHeader } from './namespaces';

const skipReason = namespaceSkipReason();
if (skipReason) console.warn(`test/host/netns.test.ts skipped: ${skipReason}`);
const describeInNamespaces = skipReason ? describe.skip : describe;

function check(port: number): HostCheckSpec {
  return { backendIp: '10.0.3.5', port, protocol: 'http', method: 'HEAD', uri: '/', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx', 'http_3xx'], timeoutSeconds: 5, udpRequest: null, udpExpect: null };
}

/** The sources the verdict says SLB's checks fail from: blocked by the firewall, or every source when the host cannot answer any. */
function failingPerVerdict(verdict: HostVerdict): Ranges | 'all' {
  const codes = verdict.findings.map((f) => f.code);
  if (codes.some((c) => c === 'SERVICE_BOUND_TO_LOOPBACK' || c === 'PORT_CLOSED')) return 'all';
  return [...verdict.facts.blockedRanges, ...verdict.facts.unroutedRanges].reduce<Ranges>((acc, cidr) => union(acc, rangesOf(parseCidr(cidr) as [number, number])), []);
}

const CASES: [scenario: string, sources: string[], expectedCodes: string[]][] = [
  ['allowlist', ['100.64.0.5', '100.127.1.1'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['ufw', ['100.64.0.5'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['firewalld', ['100.64.0.5'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['fail2ban', ['100.64.0.5', '100.64.7.7'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['ipset', ['100.64.0.5', '100.64.5.5', '100.65.0.1'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['partial', ['100.64.0.5', '100.96.0.5', '100.127.255.1'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['mixed', ['100.64.0.5'], ['HOST_FIREWALL_BLOCKS_SLB']],
  ['tailscale', ['100.64.0.5', '100.115.92.5'], ['HOST_FIREWALL_BLOCKS_SLB', 'ROUTE_TO_SLB_ASYMMETRIC']],
  ['tailscale-route', ['100.64.0.5'], ['ROUTE_TO_SLB_ASYMMETRIC']],
  ['tailscale-peer', ['100.64.0.5', '100.100.7.7'], ['ROUTE_TO_SLB_ASYMMETRIC']],
  ['kubernetes', ['100.64.0.5', '100.100.3.3'], []],
  ['loopback', ['100.64.0.5'], ['SERVICE_BOUND_TO_LOOPBACK']],
  ['clean', ['100.64.0.5', '100.127.255.1'], []],
];

/** At most this many cases at once: their waits are for dropped SYNs, but each also starts node and the script. */
const PARALLEL_CASES = 4;
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL_CASES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

describeInNamespaces('the host verdict against the kernel, in network namespaces', () => {
  // Each case has namespaces of its own, so they run side by side.
  it.concurrent.each(CASES)('%s: a check from %j fails exactly where the verdict says', (scenario, sources, expectedCodes) =>
    slot(async () => {
      const pair = new NamespacePair();
      try {
        await judge(pair, scenario, scenarioHeader(scenario), sources, expectedCodes);
      } finally {
        pair.down();
      }
    }),
  );
});

async function judge(pair: NamespacePair, scenario: string, header: ReturnType<typeof scenarioHeader>, sources: string[], expectedCodes: string[]): Promise<void> {
    await pair.up(sources.filter((s) => s !== '100.64.0.5'));
    await pair.loadScenario(scenario);
    await pair.serve(header.listen?.address ?? '0.0.0.0', header.port, header.listen?.mode ?? 'ok');

    const output = await pair.hostBash('bash', renderHostScript(check(header.port)));
    const verdict = hostVerdict(output, { ...check(header.port), slbStatus: 'abnormal' });
    expect(verdict.findings.map((f) => f.code).filter((c) => c !== 'HOST_CHECK_UNAVAILABLE').sort()).toEqual(expectedCodes);
    expect(verdict.findings.map((f) => f.code)).not.toContain('HOST_CHECK_UNAVAILABLE');

    const failing = failingPerVerdict(verdict);
    const results = await pair.connect(header.port, sources);
    const judged = results.map((r) => ({ source: r.source, failsOnTheWire: r.outcome !== 'connected' || !/^HTTP\/1\.0 200/.test(r.detail ?? ''), failsPerVerdict: failing === 'all' || contains(failing, parseIpv4(r.source) as number), wire: `${r.outcome} ${r.detail ?? ''}` }));
    for (const j of judged) expect({ source: j.source, fails: j.failsOnTheWire, wire: j.wire }).toEqual({ source: j.source, fails: j.failsPerVerdict, wire: j.wire });
}
