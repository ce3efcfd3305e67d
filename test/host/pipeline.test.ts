// The pair as a user runs it on a real firewalled host: the installed CLI (compiled from the sources),
//   slb-doctor host-script … | bash (in the namespace) | slb-doctor host-verdict … --json
// names the blocking rule; and `| head -n 1` on the text verdict ends quietly.
import { shellQuote } from '../../lib/host/script';
import { compileCli, runShell, type CompiledCli } from '../cli/cli-process';
import { NamespacePair, namespaceSkipReason } from './namespaces';

const skipReason = namespaceSkipReason();
if (skipReason) console.warn(`test/host/pipeline.test.ts skipped: ${skipReason}`);
const describeInNamespaces = skipReason ? describe.skip : describe;

describeInNamespaces('slb-doctor host-script | bash | slb-doctor host-verdict, in a network namespace', () => {
  let cli: CompiledCli;
  const pair = new NamespacePair();
  beforeAll(async () => {
    cli = compileCli();
    await pair.up(['100.64.7.7']);
    await pair.loadScenario('fail2ban');
    await pair.serve('0.0.0.0', 8080, 'ok');
  });
  afterAll(() => {
    pair.down();
    cli?.remove();
  });

  const flags = '--backend-ip 10.0.3.5 --port 8080 --uri /';
  const pipeline = (verdictFlags: string, tail = ''): string =>
    `node ${shellQuote(cli.bin)} host-script ${flags} | ip netns exec ${pair.host} bash | node ${shellQuote(cli.bin)} host-verdict ${flags} ${verdictFlags}${tail}`;

  it('--json names the fail2ban rule that rejects one SLB address, and exits 1', async () => {
    const result = await runShell(pipeline('--json --slb-status abnormal'), {});
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const verdict = JSON.parse(result.stdout) as { findings: { code: string; rule?: string }[]; facts: { blockedRanges: string[] } };
    expect(verdict.findings.map((f) => [f.code, f.rule])).toEqual([['HOST_FIREWALL_BLOCKS_SLB', '-A f2b-nginx-http-auth -s 100.64.7.7/32 -j REJECT --reject-with icmp-port-unreachable']]);
    expect(verdict.facts.blockedRanges).toEqual(['100.64.7.7/32']);
    // The kernel agrees: that address is refused, another SLB address gets its 200.
    expect((await pair.connect(8080, ['100.64.7.7', '100.64.0.5'])).map((r) => r.outcome)).toEqual(['refused', 'connected']);
  });

  it('the text verdict through `| head -n 1` prints its first line and ends quietly', async () => {
    const result = await runShell(pipeline('', ' | head -n 1'), {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HOST_FIREWALL_BLOCKS_SLB \[error\] The host firewall rejects \(icmp-port-unreachable\) 0\.000024 % of 100\.64\.0\.0\/10 on tcp\/8080: rule 2 of iptables-nft table filter, chain f2b-nginx-http-auth\.\n$/);
    expect(result.stderr).toBe('');
  });
});
