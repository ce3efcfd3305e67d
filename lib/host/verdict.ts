// `hostVerdict`: the host script's output → findings. The firewall is evaluated as the kernel walks it (firewall.ts);
// listeners, routes, rp_filter and the local replay confirm or refine the VPC diagnosis. Whatever could not be read is
// said (HOST_CHECK_UNAVAILABLE, `missing`), and nothing is claimed from facts that were not read.
import { evaluateFirewall, type Block, type PacketContext, type Table } from './firewall';
import { interfaceHolding, isLoopback, listenerCovers, parseListeners, parseLoad, parseReplays, parseRoutes, parseSoftware, rpFilter, sysctlValues, type Listener } from './facts';
import { parseIpsetSave, type IpSet } from './ipset';
import { iptablesUntracks, parseIptablesSave, possibleMarks } from './iptables';
import { parseNftJson } from './nft';
import { parseHostOutput, type ParsedOutput, type Section } from './output';
import { EMPTY, SLB_CIDR, SLB_RANGE, describeShare, formatShare, intersect, parseCidr, parseIpv4, rangesOf, size, toCidrs, union, type Ranges } from './ranges';
import { HOST_SCRIPT_VERSION } from './script';
import type { HostCheckSpec, HostFacts, HostFinding, HostFindingCode, HostReplay, HostVerdict } from './types';

export type HostVerdictInput = HostCheckSpec & { slbStatus?: string };

const SECTION_LABEL: Record<string, string> = {
  'ipt4-nft': 'iptables (nft) rules',
  'ipt4-legacy': 'iptables-legacy rules',
  nft: 'nftables ruleset',
  ipset: 'ipset members',
  listen: 'listening sockets',
  route: 'routes back to 100.64.0.0/10',
  sysctl: 'rp_filter',
  replay: 'local replay',
  addr: 'interface addresses',
};

function whyUnreadable(section: Section | undefined, name: string): string {
  const label = SECTION_LABEL[name] ?? name;
  if (!section) return `${label}: not in the output (truncated)`;
  if (!section.intact) return `${label}: garbled`;
  switch (section.status) {
    case 'missing':
      return `${label}: the tool is not installed`;
    case 'denied':
      return `${label}: needs root (run the script as root, as Cloud Assistant does)`;
    case 'timeout':
      return `${label}: the command timed out`;
    case 'cut':
      return `${label}: left out to fit the 24 KB output limit (${section.rawBytes ?? '?'} bytes)`;
    default:
      return `${label}: the command failed (exit ${section.rc ?? '?'}): ${section.body.split('\n')[0]?.slice(0, 160) ?? ''}`;
  }
}

function emptyFacts(parsed: ParsedOutput | null): HostFacts {
  const uid = parsed?.meta.uid;
  return {
    scriptVersion: parsed?.version ?? null,
    uid: uid !== undefined && /^\d+$/.test(uid) ? Number(uid) : null,
    hostname: parsed?.meta.host || null,
    kernel: parsed?.meta.kernel || null,
    interfaceName: null,
    rpFilter: { all: null, default: null, interface: null, effective: null },
    routes: [],
    listeners: [],
    replays: [],
    load: { loadavg1: null, cpus: null, listenOverflows: null, listenDrops: null },
    securitySoftware: [],
    blockedShare: null,
    blockedRanges: [],
    unroutedRanges: [],
  };
}

class Findings {
  private readonly byCode = new Map<string, HostFinding>();
  add(finding: HostFinding, key: string = finding.code): HostFinding {
    const existing = this.byCode.get(key);
    if (existing) {
      existing.evidence.push(...finding.evidence.filter((e) => !existing.evidence.includes(e)));
      return existing;
    }
    this.byCode.set(key, finding);
    return finding;
  }
  has(code: HostFindingCode): boolean {
    return [...this.byCode.values()].some((f) => f.code === code);
  }
  all(): HostFinding[] {
    return [...this.byCode.values()];
  }
}

function unavailable(reasons: string[], remedy?: string): HostFinding {
  return {
    code: 'HOST_CHECK_UNAVAILABLE',
    cause: `The host could not be examined${reasons.length > 1 ? ' in full' : ''}: ${reasons[0] ?? 'no output'}${reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : ''}.`,
    evidence: reasons,
    remedy: remedy ?? 'Fix what the evidence names (run the script as root, let it finish, use the script this slb-doctor prints) and run it again; meanwhile the VPC diagnosis stands.',
  };
}

export function hostVerdict(output: string, check: HostVerdictInput): HostVerdict {
  const parsed = parseHostOutput(output);
  const facts = emptyFacts(parsed);
  const verdict: HostVerdict = { findings: [], facts, missing: [], notUnderstood: [], notes: [] };
  if (parsed.version !== HOST_SCRIPT_VERSION) {
    verdict.missing.push(...parsed.problems);
    verdict.findings.push(unavailable(parsed.problems, `Run the script that this slb-doctor prints (slb-doctor host-script …, ${HOST_SCRIPT_VERSION}) and pass its whole output.`));
    return verdict;
  }
  if (parsed.meta.backend_ip !== undefined && (parsed.meta.backend_ip !== check.backendIp || Number(parsed.meta.port) !== check.port)) {
    const reason = `the output is for ${parsed.meta.backend_ip}:${parsed.meta.port}, not for the check asked about (${check.backendIp}:${check.port})`;
    verdict.missing.push(reason);
    verdict.findings.push(unavailable([reason], 'Pass the same --backend-ip and --port to host-verdict as to host-script.'));
    return verdict;
  }
  verdict.missing.push(...parsed.problems);
  if (facts.uid !== null && facts.uid !== 0) verdict.missing.push(`the script ran as uid ${facts.uid}, not root: firewall facts may be missing`);
  const section = (name: string): Section | undefined => parsed.sections.get(name);
  const usable = (name: string): Section | null => {
    const s = section(name);
    return s && s.intact && s.status === 'ok' ? s : null;
  };

  const findings = new Findings();
  // Security software first: it names who wrote a rule (and what else may block) in the firewall findings.
  const software = usable('software');
  if (software) facts.securitySoftware = parseSoftware(software.body);
  readInterface(verdict, check, usable);
  const firewallComplete = readFirewall(verdict, check, usable, section, findings);
  const listeners = readListeners(verdict, check, usable, section, findings);
  readRoutes(verdict, check, usable, section, findings);
  readReplays(verdict, check, usable, section, findings, listeners);
  const load = usable('load');
  if (load) facts.load = parseLoad(load.body);

  for (const finding of findings.all()) {
    // A drop read in a whole section is final whatever else was lost; the finding says the output was cut.
    if (!parsed.complete) finding.evidence.push('read from the complete sections of a truncated output');
    verdict.findings.push(finding);
  }
  addOverloadEvidence(verdict);
  stateDisagreement(verdict, check, firewallComplete);

  if (!firewallComplete || parsed.problems.length > 0) {
    const reasons = [...verdict.missing, ...verdict.notUnderstood];
    verdict.findings.push(unavailable(reasons.length > 0 ? reasons : ['the firewall could not be read']));
  }
  return verdict;
}

type Usable = (name: string) => Section | null;
type Lookup = (name: string) => Section | undefined;

function readInterface(verdict: HostVerdict, check: HostVerdictInput, usable: Usable): void {
  const sysctl = usable('sysctl');
  const values = sysctl ? sysctlValues(sysctl.body) : new Map<string, string>();
  const addr = usable('addr');
  verdict.facts.interfaceName = values.get('iface') || (addr ? interfaceHolding(addr.body, check.backendIp) : null);
  if (addr && verdict.facts.interfaceName === null) verdict.missing.push(`no interface of this host holds the backend IP ${check.backendIp}: interface matches and rp_filter for it are not decided (is this the right host?)`);
  if (!addr && !sysctl) verdict.missing.push('interface addresses: not read (no `ip` tool): interface matches are not decided');
  if (sysctl) verdict.facts.rpFilter = rpFilter(values, verdict.facts.interfaceName);
}

function readFirewall(verdict: HostVerdict, check: HostVerdictInput, usable: Usable, section: Lookup, findings: Findings): boolean {
  const destination = parseIpv4(check.backendIp) ?? 0;
  const ipsetSection = usable('ipset');
  const sets: Map<string, IpSet> = ipsetSection ? parseIpsetSave(ipsetSection.body) : new Map();
  const tables: Table[] = [];
  let complete = true;
  let anyRead = false;
  const dumps: string[] = [];
  let untracks = false;
  let nftSetsMarks = false;

  const nftTables = usable('ipt4-nft');
  const iptNftNames = new Set<string>();
  if (nftTables) {
    anyRead = true;
    for (const t of parseIptablesSave(nftTables.body, 'iptables-nft', sets)) {
      tables.push(t);
      iptNftNames.add(`ip ${t.name}`);
    }
    dumps.push(nftTables.body);
    untracks ||= iptablesUntracks(nftTables.body);
  } else if (section('ipt4-nft')?.status !== 'missing') {
    complete = false;
    verdict.missing.push(whyUnreadable(section('ipt4-nft'), 'ipt4-nft'));
  }

  const legacy = usable('ipt4-legacy');
  const legacyNames = usable('ipt4-legacy-names');
  const legacyExists = legacyNames ? legacyNames.body.trim() !== '' : null;
  if (legacy) {
    anyRead = true;
    tables.push(...parseIptablesSave(legacy.body, 'iptables-legacy', sets));
    dumps.push(legacy.body);
    untracks ||= iptablesUntracks(legacy.body);
  } else if (legacyExists !== false) {
    // Without the tool, legacy tables are known to exist only from /proc/net/ip_tables_names.
    if (section('ipt4-legacy')?.status !== 'missing' || legacyExists === true) {
      complete = false;
      verdict.missing.push(`${whyUnreadable(section('ipt4-legacy'), 'ipt4-legacy')}${legacyExists ? ` (legacy tables exist: ${legacyNames?.body.trim().split('\n').join(', ')})` : ''}`);
    }
  }

  const nft = usable('nft');
  if (nft) {
    const parsedNft = parseNftJson(nft.body, iptNftNames);
    anyRead = true;
    tables.push(...parsedNft.tables);
    if (parsedNft.garbled > 0) {
      complete = false;
      verdict.missing.push(`nftables ruleset: ${parsedNft.garbled} table listing(s) garbled or failed`);
    }
    nftSetsMarks = /"mangle":\s*\{"key":\s*\{"(meta|ct)":\s*\{"key":\s*"mark"/.test(nft.body);
    untracks ||= /"notrack"/.test(nft.body);
  } else if (section('nft')?.status !== 'missing') {
    complete = false;
    verdict.missing.push(whyUnreadable(section('nft'), 'nft'));
  }
  if (!ipsetSection && section('ipset')?.status !== 'missing') verdict.missing.push(whyUnreadable(section('ipset'), 'ipset'));

  const ipv6Rules = ['ipt6-nft', 'ipt6-legacy'].reduce((n, name) => n + (usable(name)?.body.match(/^-A /gm)?.length ?? 0), 0);
  if (ipv6Rules > 0) verdict.notes.push(`ip6tables holds ${ipv6Rules} rule(s) on the input path; SLB checks over IPv4, so they do not decide`);
  if (!anyRead) {
    verdict.missing.unshift(`firewall: none of iptables-nft-save, iptables-legacy-save and nft could be read (${['ipt4-nft', 'ipt4-legacy', 'nft'].map((n) => `${n} ${section(n)?.status ?? 'absent'}`).join(', ')}): whether 100.64.0.0/10 is blocked is not known`);
    return false;
  }
  const packet: PacketContext = {
    destination,
    destinationPort: check.port,
    transport: check.protocol === 'udp' ? 'udp' : 'tcp',
    inInterface: verdict.facts.interfaceName,
    possibleMarks: nftSetsMarks ? null : possibleMarks(dumps),
    untrackMayHappen: untracks,
  };
  const result = evaluateFirewall(tables, packet);
  const blockedTotal = result.blocks.reduce((sum, b) => sum + size(b.sources), 0);
  verdict.facts.blockedShare = complete || blockedTotal > 0 ? blockedTotal / size(SLB_RANGE) : null;
  verdict.facts.blockedRanges = toCidrs(result.blocks.reduce<Ranges>((acc, b) => union(acc, b.sources), EMPTY));
  for (const uncertain of result.uncertain) {
    verdict.notUnderstood.push(`${describeShare(uncertain.sources)} may be dropped or let through depending on rules not understood: ${uncertain.rules.slice(0, 5).join('; ')}${uncertain.rules.length > 5 ? ` (and ${uncertain.rules.length - 5} more)` : ''}`);
  }
  const chainNames = new Set(tables.flatMap((t) => [...t.chains.keys()]));
  for (const block of result.blocks.sort((a, b) => size(b.sources) - size(a.sources))) findings.add(blockFinding(block, check, result.walked, verdict, chainNames), `block ${block.decider.source} ${block.decider.table} ${block.decider.chain} ${block.decider.position}`);
  return complete && result.uncertain.length === 0;
}

/**
 * Which manager wrote a rule, from its chain and table names (they all use distinctive names); a policy drop is
 * attributed to the manager whose chains the table holds (ufw sets INPUT's policy to DROP).
 */
function managerOf(block: Block, software: string[], chainNames: Set<string>): string | null {
  const { chain, table } = block.decider;
  if (/^f2b-/.test(chain)) return 'fail2ban';
  if (/^ts-/.test(chain)) return 'tailscale';
  if (/^ufw6?-/.test(chain) || (block.decider.position === null && [...chainNames].some((c) => c.startsWith('ufw-')))) return 'ufw';
  if (/firewalld/.test(table) || /^(filter_|IN_|INPUT_ZONES)/.test(chain)) return 'firewalld';
  if (/^(KUBE-|cali-|CILIUM_)/.test(chain)) return 'kubernetes';
  if (software.some((s) => /AliYunDun|aegis/i.test(s))) return 'aegis';
  return null;
}

function remedyFor(block: Block, check: HostVerdictInput, manager: string | null): string {
  const proto = check.protocol === 'udp' ? 'udp' : 'tcp';
  const { source, table, chain } = block.decider;
  const tool = source === 'iptables-legacy' ? 'iptables-legacy' : 'iptables';
  const insert =
    source === 'nftables'
      ? `nft insert rule ${table} ${chain} ip saddr ${SLB_CIDR} ${proto} dport ${check.port} accept`
      : `${tool} -t ${table} -I ${chain} 1 -s ${SLB_CIDR} -p ${proto} --dport ${check.port} -j ACCEPT`;
  const byManager: Record<string, string> = {
    fail2ban: `fail2ban banned SLB's health-check address: add \`ignoreip = ${SLB_CIDR}\` to the jail's jail.local section, then \`fail2ban-client reload\` (unban now with \`fail2ban-client unban --all\`).`,
    tailscale: `Tailscale drops ${SLB_CIDR} (its CGNAT range) arriving on other interfaces: run tailscale with \`--netfilter-mode=nodivert\` (or off) and allow ${SLB_CIDR} on ${proto}/${check.port} yourself, or insert \`${insert}\` before ts-input.`,
    ufw: `ufw blocks it: \`ufw insert 1 allow proto ${proto} from ${SLB_CIDR} to any port ${check.port}\`.`,
    firewalld: `firewalld blocks it: \`firewall-cmd --permanent --zone=trusted --add-source=${SLB_CIDR} && firewall-cmd --reload\` (or allow the port in the zone of the interface).`,
    kubernetes: `A Kubernetes network component wrote the rule: allow ${SLB_CIDR} on ${check.port} in its policy (e.g. a NetworkPolicy or the CNI's host endpoint policy) rather than editing its chains.`,
    aegis: `Insert \`${insert}\`; Alibaba Cloud Security Center (AliYunDun) also runs: check its access-control and brute-force rules for ${SLB_CIDR}.`,
  };
  const base = block.decider.position === null ? `Allow ${SLB_CIDR} before the ${chain} policy drops it: \`${insert}\`, and make it persistent.` : `Allow ${SLB_CIDR} before rule ${block.decider.position} of ${chain}: \`${insert}\`, and make it persistent (or remove the rule).`;
  return manager ? (byManager[manager] ?? base) : base;
}

function blockFinding(block: Block, check: HostVerdictInput, walked: string[], verdict: HostVerdict, chainNames: Set<string>): HostFinding {
  const d = block.decider;
  const proto = check.protocol === 'udp' ? 'udp' : 'tcp';
  const share = size(block.sources) / size(SLB_RANGE);
  const how = d.verdict === 'reject' ? `rejects${d.rejectWith ? ` (${d.rejectWith})` : ''}` : 'drops';
  const where = d.position === null ? `the ${d.chain} policy (drop) of ${d.source} table ${d.table}` : `rule ${d.position} of ${d.source} table ${d.table}, chain ${d.chain}`;
  const manager = managerOf(block, verdict.facts.securitySoftware, chainNames);
  return {
    code: 'HOST_FIREWALL_BLOCKS_SLB',
    cause: `The host firewall ${how} ${share >= 1 ? `all of ${SLB_CIDR}` : `${formatShare(share)} of ${SLB_CIDR}`} on ${proto}/${check.port}: ${where}${d.position === null ? ' (an allow-list that does not let SLB in)' : ''}.`,
    evidence: [
      `${d.source} table ${d.table}, chain ${d.chain}, ${d.position === null ? 'policy DROP' : `rule ${d.position}`}: ${d.text}`,
      `affected: ${describeShare(block.sources)}`,
      `packet: a new ${proto} connection (SYN, conntrack NEW) from ${SLB_CIDR} to ${check.backendIp}:${check.port} in on ${verdict.facts.interfaceName ?? 'an unknown interface'}`,
      `base chains walked: ${walked.join('; ') || 'none'}`,
      ...(verdict.facts.securitySoftware.length > 0 ? [`security software on the host: ${verdict.facts.securitySoftware.join(', ')}`] : []),
    ],
    remedy: remedyFor(block, check, manager),
    rule: d.text,
  };
}

function readListeners(verdict: HostVerdict, check: HostVerdictInput, usable: Usable, section: Lookup, findings: Findings): Listener[] | null {
  const listen = usable('listen');
  if (!listen) {
    verdict.missing.push(whyUnreadable(section('listen'), 'listen'));
    return null;
  }
  const listeners = parseListeners(listen.body).filter((l) => l.port === check.port);
  verdict.facts.listeners = listeners;
  const proto = check.protocol === 'udp' ? 'udp' : 'tcp';
  const listed = listeners.map((l) => `${l.address}:${l.port}${l.process ? ` ${l.process}` : ''}`);
  if (listeners.length === 0) {
    findings.add({
      code: 'PORT_CLOSED',
      cause: `Nothing listens on ${proto}/${check.port} on the host (confirmed on the host).`,
      evidence: [`${listen.body.startsWith('tool=proc') ? '/proc/net/' + proto : 'ss -l'}: no socket on port ${check.port}`],
      remedy: `Start the service, listening on 0.0.0.0:${check.port} or ${check.backendIp}:${check.port}.`,
    });
  } else if (!listeners.some((l) => listenerCovers(l.address, check.backendIp))) {
    const loopbackOnly = listeners.every((l) => isLoopback(l.address));
    findings.add({
      code: 'SERVICE_BOUND_TO_LOOPBACK',
      cause: `${proto}/${check.port} listens only on ${listeners.map((l) => l.address).join(', ')}${loopbackOnly ? ' (loopback)' : ''}, not on the backend IP ${check.backendIp}: SLB's checks find nothing.`,
      evidence: [`listening: ${listed.join('; ')}`],
      remedy: `Bind the service to 0.0.0.0:${check.port} (or ${check.backendIp}:${check.port}), e.g. \`listen ${check.port};\` instead of \`listen ${listeners[0]?.address}:${check.port};\`, and restart it.`,
    });
  }
  return listeners;
}

function readRoutes(verdict: HostVerdict, check: HostVerdictInput, usable: Usable, section: Lookup, findings: Findings): void {
  const route = usable('route');
  if (!route) {
    verdict.missing.push(whyUnreadable(section('route'), 'route'));
    return;
  }
  const routes = parseRoutes(route.body);
  verdict.facts.routes = routes.routes;
  const iface = verdict.facts.interfaceName;
  const rp = verdict.facts.rpFilter;
  const rpText = `rp_filter all=${rp.all ?? '?'} default=${rp.default ?? '?'} ${iface ?? 'interface'}=${rp.interface ?? '?'} (effective ${rp.effective ?? '?'})`;
  const evidence: string[] = [];
  const causes: string[] = [];
  let unrouted: Ranges = EMPTY;
  if (iface !== null) {
    const away = routes.routes.filter((r) => r.device !== iface);
    for (const r of away) evidence.push(`ip route get ${r.destination} from ${check.backendIp}: ${r.raw}`);
    if (away.length > 0) {
      // The samples span the /10 (its first, middle and last /16s): a route that takes them takes all of it.
      unrouted = SLB_RANGE;
      const devices = [...new Set(away.map((r) => r.device ?? 'no route'))];
      causes.push(`replies to ${away.map((r) => r.destination).join(', ')} leave through ${devices.join(', ')}${away.some((r) => r.table && r.table !== 'main') ? ` (policy routing: table ${[...new Set(away.map((r) => r.table).filter(Boolean))].join(', ')})` : ''}, not ${iface}`);
    }
  }
  // Routes more specific than the samples: part of the /10 (a Tailscale peer, a VPN route) goes elsewhere, in a table
  // the rules consult (main, or one named by `ip rule` before it). `throw` sends the lookup on, so it diverts nothing.
  if (iface !== null) {
    const consulted = new Set(['main', ...routes.rules.map((r) => /lookup (\S+)/.exec(r)?.[1]).filter((t): t is string => t !== undefined && t !== 'local' && t !== 'default')]);
    const diverted = routes.slbRoutes.filter((r) => consulted.has(r.table) && r.type !== 'throw' && (r.device !== iface || r.type !== 'unicast'));
    const sampled = new Set(routes.routes.filter((r) => r.device !== iface).map((r) => r.table ?? 'main'));
    const unsampled = diverted.filter((r) => !sampled.has(r.table));
    if (unsampled.length > 0) {
      const part = unsampled.reduce<Ranges>((acc, r) => {
        const interval = parseCidr(r.prefix);
        return interval ? union(acc, rangesOf(interval)) : acc;
      }, EMPTY);
      unrouted = union(unrouted, intersect(part, SLB_RANGE));
      for (const r of unsampled.slice(0, 5)) evidence.push(`route (table ${r.table}): ${r.raw}`);
      causes.push(`replies to ${describeShare(intersect(part, SLB_RANGE))} follow routes that leave through ${[...new Set(unsampled.map((r) => r.device ?? r.type))].join(', ')}, not ${iface}`);
    }
  }
  if (routes.reversePath && !routes.reversePath.ok) {
    evidence.push(`ip route get ${check.backendIp} from 100.64.0.5 iif ${iface}: ${routes.reversePath.raw}`);
    causes.push(`the kernel's reverse-path check refuses checks arriving on ${iface} (${rpText})`);
    unrouted = SLB_RANGE;
  }
  verdict.facts.unroutedRanges = toCidrs(unrouted);
  if (causes.length === 0) return;
  evidence.push(rpText);
  const policy = routes.rules.filter((r) => !/lookup (local|main|default)\s*$/.test(r));
  if (policy.length > 0) evidence.push(`ip rule: ${policy.join('; ')}`);
  findings.add({
    code: 'ROUTE_TO_SLB_ASYMMETRIC',
    cause: `Replies to SLB's checks would not go back the way they came: ${causes.join('; ')}.`,
    evidence,
    remedy: `Route ${SLB_CIDR} back through ${iface ?? 'the interface holding the backend IP'} (e.g. \`ip rule add to ${SLB_CIDR} lookup main priority 5000\`; for Tailscale, do not accept routes covering ${SLB_CIDR}), and set rp_filter to 0 or 2 if the asymmetry is intended.`,
  });
}

function accepted(status: number, codes: HostCheckSpec['codes']): boolean {
  return codes.some((c) => Math.floor(status / 100) === Number(c.slice(5, 6)));
}

function describeReplay(r: HostReplay, check: HostVerdictInput): string {
  const what = check.protocol === 'http' ? `${check.method} ${check.uri} HTTP/${check.httpVersion}` : check.protocol === 'tcp' ? 'TCP connect' : 'UDP request';
  return `on the host, ${what} to ${r.target}:${check.port} (${r.tool}) → ${r.status ?? r.outcome}${r.ms !== null ? ` in ${r.ms} ms` : ''}${r.firstLine ? ` ("${r.firstLine.slice(0, 80)}")` : ''}`;
}

function readReplays(verdict: HostVerdict, check: HostVerdictInput, usable: Usable, section: Lookup, findings: Findings, listeners: Listener[] | null): void {
  const replay = usable('replay');
  if (!replay) {
    verdict.missing.push(whyUnreadable(section('replay'), 'replay'));
    return;
  }
  const replays = parseReplays(replay.body, check.protocol);
  verdict.facts.replays = replays;
  const own = replays.find((r) => r.target === check.backendIp);
  const local = replays.find((r) => r.target === '127.0.0.1');
  if (!own) return;
  const evidence = [own, local].filter((r): r is HostReplay => r !== undefined).map((r) => describeReplay(r, check));
  const process = listeners?.find((l) => listenerCovers(l.address, check.backendIp))?.process ?? listeners?.[0]?.process ?? null;
  const by = process ? ` (${process} listens on the port)` : '';
  const replaySeconds = Math.min(check.timeoutSeconds, 3);
  if (own.outcome === 'refused') {
    const listening = listeners?.find((l) => listenerCovers(l.address, check.backendIp));
    if (listening) {
      // Something listens, yet the host's own connection is refused: a firewall rule rejects it on lo as well.
      const why = listening.address === '::' ? 'an IPv6-only socket (bindv6only) or a firewall rule that rejects it on the host too' : 'a firewall rule rejects it on the host too';
      const line = `the host's own check to ${check.backendIp}:${check.port} is refused although ${listening.process ?? 'a socket'} listens on ${listening.address}:${listening.port}: ${why}`;
      const block = findings.all().find((f) => f.code === 'HOST_FIREWALL_BLOCKS_SLB');
      if (block) block.evidence.push(...evidence, line);
      else verdict.notes.push(line);
      return;
    }
    if (local && local.outcome !== 'refused' && local.outcome !== 'error') findings.add({ code: 'SERVICE_BOUND_TO_LOOPBACK', cause: `The check port answers on 127.0.0.1 but refuses connections to the backend IP ${check.backendIp}.`, evidence, remedy: `Bind the service to 0.0.0.0:${check.port} or ${check.backendIp}:${check.port}.` });
    else if (!findings.has('SERVICE_BOUND_TO_LOOPBACK')) findings.add({ code: 'PORT_CLOSED', cause: `The host itself is refused on ${check.backendIp}:${check.port}: nothing accepts connections there (confirmed on the host).`, evidence, remedy: `Start the service on port ${check.port}, listening on 0.0.0.0 or ${check.backendIp}.` });
    return;
  }
  if (own.outcome === 'http' && own.status !== null) {
    const status = own.status;
    if (accepted(status, check.codes)) {
      if (own.ms !== null && own.ms >= 0.8 * check.timeoutSeconds * 1000) findings.add({ code: 'SLOW_RESPONSE', cause: `Even from the host itself the check answers ${status} after ${own.ms} ms, close to or over SLB's ${check.timeoutSeconds} s timeout.`, evidence, remedy: 'Make the check page fast (a static page), or raise HealthCheckTimeout above the measured latency.' });
      return;
    }
    const code: HostFindingCode = status === 404 || status === 410 ? 'PATH_NOT_FOUND' : status >= 300 && status < 400 ? 'REDIRECT_NOT_ACCEPTED' : 'STATUS_MISMATCH';
    const remedies: Record<string, string> = {
      PATH_NOT_FOUND: `Create ${check.uri} (a small static page), or set HealthCheckURI to a page that exists${check.domain === null ? '; with no check domain the default server answers, so set HealthCheckDomain if the site is a virtual host' : ''}.`,
      REDIRECT_NOT_ACCEPTED: 'Add http_3xx to HealthCheckHttpCode, or check a URL that answers 2xx directly.',
      STATUS_MISMATCH: `Make ${check.uri} answer ${check.codes.join('/')} to the check request, or accept status ${status}.`,
    };
    findings.add({ code, cause: `The host itself gets ${status} for ${check.method} ${check.uri} (accepted: ${check.codes.join(', ')}): confirmed on the host${by}.`, evidence, remedy: remedies[code] as string });
    return;
  }
  if (own.outcome === 'not_http') {
    findings.add({ code: 'PROTOCOL_ERROR', cause: `The reply on ${check.backendIp}:${check.port} is not HTTP, seen from the host itself${by}.`, evidence, remedy: `Another program or protocol holds port ${check.port}${process ? ` (${process})` : ''}: serve plain HTTP there, or point the check at the right port.` });
    return;
  }
  if (own.outcome === 'reset' || own.outcome === 'closed') {
    findings.add({ code: 'CONNECTION_RESET', cause: `The service resets or closes the check connection even from the host itself${by}.`, evidence, remedy: 'Find what drops the check request (a proxy or WAF rule against an empty User-Agent or an IP Host, a connection limit, crashing workers).' });
    return;
  }
  if (own.outcome === 'timeout') {
    if (replaySeconds >= check.timeoutSeconds) findings.add({ code: 'RESPONSE_TIMEOUT', cause: `The check gets no answer within SLB's ${check.timeoutSeconds} s timeout even from the host itself${by}.`, evidence, remedy: 'Look for exhausted worker pools, deadlocks, a dependency the check page waits on, and host load; point the check at a static page.' });
    else verdict.missing.push(`local replay: no answer within the ${replaySeconds} s the script waits (SLB waits ${check.timeoutSeconds} s), so a slow answer is not told from none`);
  }
}

function addOverloadEvidence(verdict: HostVerdict): void {
  const { load } = verdict.facts;
  const loadLine = `load: loadavg ${load.loadavg1 ?? '?'} on ${load.cpus ?? '?'} CPUs; ListenOverflows ${load.listenOverflows ?? '?'}, ListenDrops ${load.listenDrops ?? '?'} (since boot)`;
  for (const f of verdict.findings) if (f.code === 'RESPONSE_TIMEOUT' || f.code === 'SLOW_RESPONSE' || f.code === 'CONNECTION_RESET') f.evidence.push(loadLine);
}

/** Host facts and SLB's own verdict (the VPC side) disagreeing is stated, never resolved by picking one. */
function stateDisagreement(verdict: HostVerdict, check: HostVerdictInput, firewallComplete: boolean): void {
  const blocking = verdict.findings.filter((f) => f.code !== 'HOST_CHECK_UNAVAILABLE');
  if (check.slbStatus === 'normal' && blocking.length > 0) {
    const line = 'disagreement: SLB reports this backend normal, yet the host facts say its checks fail; the host changed since SLB\'s last checks, or the affected part of 100.64.0.0/10 is not where SLB checks from';
    for (const f of blocking) f.evidence.push(line);
    verdict.notes.push(line);
  }
  if (check.slbStatus === 'abnormal' && blocking.length === 0) {
    const software = verdict.facts.securitySoftware;
    verdict.notes.push(
      `disagreement: SLB reports this backend abnormal, and the host shows no cause${firewallComplete ? ' in a fully read firewall' : ' in what could be read'}${software.length > 0 ? `; security software runs (${software.join(', ')}), and its blocking is not always visible in iptables or nftables` : ''}`,
    );
  }
  if (verdict.facts.securitySoftware.length > 0) verdict.notes.push(`security software on the host: ${verdict.facts.securitySoftware.join(', ')}`);
}
