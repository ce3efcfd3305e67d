// The host script itself: self-contained and quoted safely; and, in network namespaces (root), read-only, bounded
// in time when tools hang, within Cloud Assistant's 24 KB output on a 10,000-rule Kubernetes node, and saying what
// it cut when the output cannot fit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { renderHostScript, shellQuote } from '../../lib/host/script';
import type { HostCheckSpec } from '../../lib/host/types';
import { hostVerdict } from '../../lib/host/verdict';
import { parseHostOutput } from '../../lib/host/output';
import { NamespacePair, namespaceSkipReason } from './namespaces';

const CHECK: HostCheckSpec = { backendIp: '10.0.3.5', port: 8080, protocol: 'http', method: 'HEAD', uri: '/', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx', 'http_3xx'], timeoutSeconds: 5, udpRequest: null, udpExpect: null };

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Cloud Assistant takes CommandContent up to 24 KB once Base64-encoded (RunCommand), so the script stays below. */
const COMMAND_CONTENT_LIMIT = 24 * 1024;
const OUTPUT_LIMIT = 24 * 1024;

describe('the host script text', () => {
  it('is one bash script that parses, starts with the version marker and fits RunCommand once Base64-encoded', () => {
    for (const protocol of ['http', 'tcp', 'udp'] as const) {
      const script = renderHostScript({ ...CHECK, protocol, udpRequest: protocol === 'udp' ? 'ping' : null });
      expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
      expect(script.split('\n')[4]).toBe("echo '#slb-doctor-host-script v1'");
      expect(Buffer.from(script).toString('base64').length).toBeLessThan(COMMAND_CONTENT_LIMIT);
    }
  });

  it('uses only the listing commands that change nothing', () => {
    const script = renderHostScript(CHECK).split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
    // iptables-legacy -S/-L (and *-save -t TABLE) create the table they list; the script reads whole *-save dumps.
    expect(script).not.toMatch(/iptables(-legacy|-nft)?\s+-(S|L)\b|-save\s+-t\b|ipset\s+(create|add|del|flush|destroy)|nft\s+(add|delete|flush|insert|create)|sysctl\s+-w|modprobe|apt|yum/);
    expect(script).not.toMatch(/>\s*\/(?!dev\/null)/);
  });

  it('started by sh instead of bash, runs itself again with bash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slbd-script-'));
    try {
      const file = path.join(dir, 'host.sh');
      // Outside a namespace the replay may only reach loopback, on a port nobody serves.
      writeFileSync(file, renderHostScript({ ...CHECK, backendIp: '127.0.0.1', port: await freeLoopbackPort() }));
      const run = spawnSync('sh', [file], { timeout: 20_000 });
      expect(run.stdout.toString().split('\n')[0]).toBe('#slb-doctor-host-script v1');
      expect(run.stdout.toString()).toMatch(/\n@done ms=\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes hostile check values through quoting unchanged', () => {
    const hostile = { ...CHECK, uri: "/a'b\"$(touch${IFS}/x)`id`;|&\\n", domain: 'x-$HOME.example' };
    const header = renderHostScript(hostile).split('\n').slice(0, 13).join('\n');
    const printed = spawnSync('bash', ['-c', `${header.replace(/^(echo|if) .*$/gm, '')}\nprintf '%s\\n' "$URI"; printf '%s' "$REQ" | od -An -c | tr -s ' '; printf '%s\\n' "\${CURLOPT[@]}"`]).stdout.toString();
    expect(printed.split('\n')[0]).toBe(hostile.uri);
    expect(printed).toContain('Host: x-$HOME.example');
    expect(printed).toContain('\\r \\n');
  });
});

const skipReason = namespaceSkipReason();
if (skipReason) console.warn(`test/host/script.test.ts (namespace part) skipped: ${skipReason}`);
const describeInNamespaces = skipReason ? describe.skip : describe;

/** Everything the script could change, as the tools print it (counters are zeroed: the check packets count). */
const STATE = `{ iptables-nft-save; ip6tables-nft-save; iptables-legacy-save; ip6tables-legacy-save; nft list ruleset; ipset save; cat /proc/net/ip_tables_names /proc/net/ip6_tables_names; ip -o link; ip -4 -o addr; ip rule; ip -4 route show table all; grep -r . /proc/sys/net/ipv4/conf/; } 2>&1 | sed -e 's/\\[[0-9]*:[0-9]*\\]/[c]/g' -e 's/packets [0-9]* bytes [0-9]*/packets N/g' -e '/^# \\(Generated\\|Completed\\)/d'`;

describeInNamespaces('the host script in a network namespace', () => {
  it('changes nothing: no table, chain, rule, set, route or sysctl appears or changes', async () => {
    const pair = new NamespacePair();
    try {
      await pair.up([]);
      // An empty namespace first: the *-save tools must not create the legacy tables they would list.
      const empty = await pair.hostBash(STATE);
      await pair.hostBash('bash', renderHostScript(CHECK));
      expect(await pair.hostBash(STATE)).toBe(empty);
      expect((await pair.hostBash('cat /proc/net/ip_tables_names /proc/net/ip6_tables_names')).trim()).toBe('');
      // Then legacy, nft and ipset state at once.
      await pair.loadScenario('mixed');
      await pair.loadScenario('ipset');
      const loaded = await pair.hostBash(STATE);
      await pair.hostBash('bash', renderHostScript(CHECK));
      expect(await pair.hostBash(STATE)).toBe(loaded);
    } finally {
      pair.down();
    }
  });

  it('a Kubernetes node with 10,000 filter rules fits the 24 KB output, and the verdict stays exact', async () => {
    const pair = new NamespacePair();
    try {
      await pair.up([]);
      await pair.loadScenario('kubernetes', { RULES: '10000' });
      expect(Number(await pair.hostBash('iptables-save -t filter | grep -c "^-A"'))).toBeGreaterThan(10_000);
      const check = { ...CHECK, port: 30080 };
      const output = await pair.hostBash('bash', renderHostScript(check));
      expect(Buffer.byteLength(output)).toBeLessThan(OUTPUT_LIMIT);
      const verdict = hostVerdict(output, check);
      expect(verdict.facts.blockedShare).toBe(0);
      expect(verdict.missing).toEqual([]);
      expect(verdict.findings.map((f) => f.code)).toEqual(['PORT_CLOSED']);
    } finally {
      pair.down();
    }
  });

  it('an output that cannot fit is cut by whole sections, and says so', async () => {
    const pair = new NamespacePair();
    try {
      await pair.up([]);
      // 40,000 scattered members inside 100.64.0.0/10: all can match SLB, none can be left out, the set cannot fit.
      await pair.hostBash(`{ echo 'create big hash:ip family inet maxelem 65536'; awk 'BEGIN { for (i = 0; i < 40000; i++) { x = (i * 7919) % 4194304; printf "add big 100.%d.%d.%d\\n", 64 + int(x / 65536), int(x / 256) % 256, x % 256 } }'; } | ipset restore && iptables -A INPUT -m set --match-set big src -j DROP`);
      const output = await pair.hostBash('bash', renderHostScript(CHECK));
      expect(Buffer.byteLength(output)).toBeLessThan(OUTPUT_LIMIT);
      const parsed = parseHostOutput(output);
      expect(parsed.complete).toBe(true);
      expect(parsed.cutForSize).toEqual(['ipset']);
      const verdict = hostVerdict(output, CHECK);
      expect(verdict.missing).toContain('section ipset was left out to fit the 24 KB output limit');
      expect(verdict.findings.map((f) => f.code)).not.toContain('HOST_FIREWALL_BLOCKS_SLB');
      expect(verdict.notUnderstood.join('\n')).toMatch(/--match-set big src/);
    } finally {
      pair.down();
    }
  });

  it('tools that hang are cut off by the deadline: the script still ends and says which timed out', async () => {
    const pair = new NamespacePair();
    try {
      await pair.up([]);
      // /usr/local/sbin comes first on the script's PATH: hanging stand-ins there, in a private mount namespace.
      const hang = "d=$(mktemp -d); for t in iptables-nft-save nft ss; do printf '#!/bin/sh\\nexec sleep 60\\n' > $d/$t; chmod +x $d/$t; done; mount --bind $d /usr/local/sbin";
      const output = await pair.hostBash(`unshare -m bash -c ${shellQuote(`${hang}; bash`)}`, renderHostScript(CHECK), 30_000);
      const parsed = parseHostOutput(output);
      expect(parsed.complete).toBe(true);
      for (const name of ['ipt4-nft', 'listen']) expect(parsed.sections.get(name)?.status).toBe('timeout');
      expect(hostVerdict(output, CHECK).missing).toEqual(expect.arrayContaining(['iptables (nft) rules: the command timed out', 'listening sockets: the command timed out']));
    } finally {
      pair.down();
    }
  });
});
