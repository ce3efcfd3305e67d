// `iptables-save` text (iptables-nft or iptables-legacy: the same format) → tables the evaluator walks.
// Matches and targets follow iptables-extensions(8) (https://ipset.netfilter.org/iptables-extensions.man.html).
import type { Action, Chain, Hook, PacketContext, Rule, Table, World } from './firewall';
import { setMatchSources, type IpSet } from './ipset';
import { SLB_RANGE, complement, intersect, parseCidr, parseIpv4, rangesOf, type Ranges } from './ranges';

/** Built-in chains a locally delivered packet passes, and their hook priority (NF_IP_PRI_* in linux/netfilter_ipv4.h). */
const TABLE_PRIORITY: Record<string, number> = { raw: -300, mangle: -150, filter: 0, security: 50 };
const BUILTIN_HOOK: Record<string, Hook> = { PREROUTING: 'prerouting', INPUT: 'input' };

/** Targets that only observe or annotate: the packet goes on to the next rule. */
const NON_TERMINAL = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'CHECKSUM', 'TCPMSS', 'DSCP', 'TOS', 'TTL', 'HL', 'CLASSIFY', 'SET', 'IDLETIMER', 'LED', 'RATEEST', 'SECMARK', 'CONNSECMARK', 'TEE', 'HMARK', 'NETMAP']);
const MARKING = new Set(['MARK', 'CONNMARK']);
const UNTRACKING = new Set(['NOTRACK', 'CT']);

/** Options and the number of arguments they take; unlisted options take one. */
const NO_ARGUMENT = new Set(['--syn', '--return-nomatch', '--rcheck', '--update', '--set', '--remove', '--rsource', '--rdest', '--reap', '--invert', '--limit-iface-in', '--limit-iface-out', '--update-counters', '--update-subcounters', '--log-tcp-sequence', '--log-tcp-options', '--log-ip-options', '--log-uid', '--log-macdecode', '--notrack', '--exist', '--nfmask', '--ctmask', '--physdev-is-in', '--physdev-is-out', '--physdev-is-bridged', '--transparent', '--nowildcard', '--restore-skgid', '--fragres', '--fragfirst', '--fragmore', '--fraglast', '--strict', '--random', '--random-fully', '--persistent', '--checksum-fill', '--clear']);
const TWO_ARGUMENTS = new Set(['--match-set', '--tcp-flags', '--set-counters', '--add-set', '--del-set', '--map-set', '--hashlimit-htable-expire']);

/** Matches decided from the packet alone; anything else is not understood. */
const KNOWN_MATCHES = new Set(['tcp', 'udp', 'multiport', 'conntrack', 'state', 'set', 'iprange', 'comment', 'addrtype', 'mark', 'connmark', 'pkttype', 'icmp']);

function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = pattern.exec(line); m; m = pattern.exec(line)) tokens.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  return tokens;
}

interface Condition {
  option: string;
  args: string[];
  negated: boolean;
  module: string | null;
}

type Tri = boolean | 'unknown';

function portMatches(spec: string, port: number): boolean {
  return spec.split(',').some((part) => {
    const [a = '', b] = part.split(':');
    const first = a === '' ? 0 : Number(a);
    const last = b === undefined ? first : b === '' ? 65535 : Number(b);
    return port >= first && port <= last;
  });
}

function interfaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];
function flagSet(text: string): Set<string> {
  if (text === 'ALL') return new Set(TCP_FLAGS);
  if (text === 'NONE') return new Set();
  return new Set(text.split(','));
}

/** A check connection's first packet is a SYN with no other flag. */
function synMatches(mask: string, compare: string): boolean {
  const masked: string[] = [...flagSet(mask)].filter((f) => f === 'SYN');
  const wanted = flagSet(compare);
  return masked.length === wanted.size && [...wanted].every((f) => masked.includes(f));
}

interface Evaluation {
  sources: Ranges;
  other: Tri;
}

function conditionMatch(c: Condition, packet: PacketContext, sets: Map<string, IpSet>, protocol: string | null): Evaluation | 'unknown' {
  const all: Evaluation = { sources: SLB_RANGE, other: true };
  const none: Evaluation = { sources: SLB_RANGE, other: false };
  const bool = (value: boolean): Evaluation => (value !== c.negated ? all : none);
  const addresses = (ranges: Ranges): Evaluation => ({ sources: c.negated ? intersect(SLB_RANGE, complement(ranges)) : intersect(SLB_RANGE, ranges), other: true });
  const arg = c.args[0] ?? '';
  switch (c.option) {
    case '-s':
    case '--source': {
      const interval = parseCidr(arg);
      return interval ? addresses(rangesOf(interval)) : 'unknown';
    }
    case '-d':
    case '--destination': {
      const interval = parseCidr(arg);
      return interval ? bool(packet.destination >= interval[0] && packet.destination <= interval[1]) : 'unknown';
    }
    case '-i':
    case '--in-interface':
      return packet.inInterface === null ? 'unknown' : bool(interfaceMatches(arg, packet.inInterface));
    case '-o':
    case '--out-interface':
      return bool(false);
    case '-p':
    case '--protocol': {
      const name = { '6': 'tcp', '17': 'udp' }[arg] ?? arg.toLowerCase();
      return bool(name === 'all' || name === '0' || name === packet.transport);
    }
    case '-f':
    case '--fragment':
      return bool(false);
    case '--dport':
    case '--destination-port':
    case '--dports':
    case '--destination-ports':
    case '--ports':
      return bool(protocol === packet.transport && portMatches(arg, packet.destinationPort));
    case '--sport':
    case '--source-port':
    case '--sports':
    case '--source-ports':
      return 'unknown';
    case '--syn':
      return bool(packet.transport === 'tcp');
    case '--tcp-flags':
      return bool(packet.transport === 'tcp' && synMatches(arg, c.args[1] ?? ''));
    case '--state':
    case '--ctstate':
      if (packet.untrackMayHappen) return 'unknown';
      return bool(arg.split(',').includes('NEW'));
    case '--ctstatus':
      if (packet.untrackMayHappen) return 'unknown';
      return bool(arg.split(',').includes('NONE'));
    case '--match-set': {
      const sources = setMatchSources(sets, arg, (c.args[1] ?? 'src').split(','), packet);
      return sources === 'unknown' ? 'unknown' : addresses(sources);
    }
    case '--src-range': {
      const [a = '', b = ''] = arg.split('-');
      const first = parseIpv4(a);
      const last = parseIpv4(b);
      return first !== null && last !== null ? addresses(rangesOf([first, last])) : 'unknown';
    }
    case '--dst-range': {
      const [a = '', b = ''] = arg.split('-');
      const first = parseIpv4(a);
      const last = parseIpv4(b);
      return first !== null && last !== null ? bool(packet.destination >= first && packet.destination <= last) : 'unknown';
    }
    case '--comment':
      return all;
    case '--dst-type':
      return bool(arg.split(',').some((t) => t === 'LOCAL' || t === 'UNICAST'));
    case '--src-type':
      return bool(arg.split(',').some((t) => t === 'UNICAST'));
    case '--limit-iface-in':
      return all;
    case '--mark': {
      const [value = '0', mask = '0xffffffff'] = arg.split('/');
      return markMatch(packet, Number(value), Number(mask), c.negated);
    }
    case '--pkt-type':
      return bool(arg === 'unicast' || arg === 'host');
    case '--icmp-type':
      return bool(false);
    default:
      return 'unknown';
  }
}

/** A mark match, decided when every mark the packet may carry gives the same answer. */
function markMatch(packet: PacketContext, value: number, mask: number, negated: boolean): Evaluation | 'unknown' {
  if (packet.possibleMarks === null || Number.isNaN(value) || Number.isNaN(mask)) return 'unknown';
  const answers = new Set(packet.possibleMarks.map((m) => ((m & mask) >>> 0) === value >>> 0));
  if (answers.size !== 1) return 'unknown';
  return { sources: SLB_RANGE, other: [...answers][0] !== negated };
}

/**
 * The marks a packet can carry, starting from 0, after any of the MARK rules in the dumps (a closure over the
 * operations; CONNMARK restores and unparsed forms give null). Rules that only clear bits keep it at 0.
 */
export function possibleMarks(dumps: string[]): number[] | null {
  const operations: ((m: number) => number)[] = [];
  for (const dump of dumps) {
    for (const m of dump.matchAll(/-j MARK (--set-xmark|--set-mark|--or-mark|--and-mark|--xor-mark) (0x[0-9a-fA-F]+|\d+)(?:\/(0x[0-9a-fA-F]+|\d+))?/g)) {
      const value = Number(m[2]);
      const mask = m[3] === undefined ? 0xffffffff : Number(m[3]);
      if (m[1] === '--set-xmark') operations.push((x) => ((x & ~mask) ^ value) >>> 0);
      else if (m[1] === '--set-mark') operations.push((x) => ((x & ~mask) | value) >>> 0);
      else if (m[1] === '--or-mark') operations.push((x) => (x | value) >>> 0);
      else if (m[1] === '--and-mark') operations.push((x) => (x & value) >>> 0);
      else operations.push((x) => (x ^ value) >>> 0);
    }
    if (/-j CONNMARK\b/.test(dump) || /-j MARK (?!--set-xmark|--set-mark|--or-mark|--and-mark|--xor-mark)/.test(dump)) return null;
  }
  const marks = new Set([0]);
  for (let round = 0; round < 4; round++) for (const mark of [...marks]) for (const op of operations) marks.add(op(mark));
  return marks.size > 64 ? null : [...marks];
}

interface ParsedRule {
  chain: string;
  conditions: Condition[];
  target: string | null;
  targetArgs: string[];
  goto: boolean;
}

function parseRuleLine(line: string): ParsedRule | null {
  const tokens = tokenize(line);
  if (tokens[0] !== '-A' || !tokens[1]) return null;
  const rule: ParsedRule = { chain: tokens[1], conditions: [], target: null, targetArgs: [], goto: false };
  let module: string | null = null;
  let negated = false;
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '!') {
      negated = true;
      continue;
    }
    if (token === '-m' || token === '--match') {
      module = tokens[++i] ?? null;
      // A match module not modelled here is itself a condition that is not decided.
      if (module !== null && !KNOWN_MATCHES.has(module)) rule.conditions.push({ option: '-m', args: [module], negated: false, module });
      continue;
    }
    if (token === '-j' || token === '--jump' || token === '-g' || token === '--goto') {
      rule.target = tokens[++i] ?? null;
      rule.goto = token === '-g' || token === '--goto';
      rule.targetArgs = tokens.slice(i + 1);
      break;
    }
    const arity = NO_ARGUMENT.has(token) ? 0 : TWO_ARGUMENTS.has(token) ? 2 : 1;
    const args = tokens.slice(i + 1, i + 1 + arity);
    i += arity;
    rule.conditions.push({ option: token, args, negated, module });
    negated = false;
  }
  return rule;
}

function targetAction(rule: ParsedRule, chains: Set<string>): Action {
  const target = rule.target;
  if (target === null) return { kind: 'continue' };
  if (target === 'ACCEPT') return { kind: 'accept' };
  if (target === 'DROP') return { kind: 'drop' };
  if (target === 'RETURN') return { kind: 'return' };
  if (target === 'REJECT') {
    const index = rule.targetArgs.indexOf('--reject-with');
    return { kind: 'reject', with: index >= 0 ? (rule.targetArgs[index + 1] ?? 'icmp-port-unreachable') : 'icmp-port-unreachable' };
  }
  if (chains.has(target)) return { kind: rule.goto ? 'goto' : 'jump', chain: target };
  if (NON_TERMINAL.has(target) || MARKING.has(target) || UNTRACKING.has(target)) return { kind: 'continue' };
  return { kind: 'unknown', name: `-j ${target}` };
}

function buildRule(parsed: ParsedRule, position: number, text: string, chains: Set<string>, sets: Map<string, IpSet>): Rule {
  const action = targetAction(parsed, chains);
  return {
    position,
    text,
    evaluate(sources: Ranges, packet: PacketContext, world: World, undecided: (what: string) => void) {
      let matched = sources;
      let protocol: string | null = null;
      for (const condition of parsed.conditions) {
        if (condition.option === '-p' || condition.option === '--protocol') protocol = condition.negated ? null : ({ '6': 'tcp', '17': 'udp' }[condition.args[0] ?? ''] ?? condition.args[0] ?? null);
        const moduleProtocol = condition.module === 'tcp' || condition.module === 'udp' ? condition.module : protocol;
        const result = conditionMatch(condition, packet, sets, moduleProtocol);
        if (result === 'unknown') {
          undecided(`${condition.negated ? '! ' : ''}${condition.option} ${condition.args.join(' ')}`.trim());
          if (world === 'does-not-match') return [];
          continue;
        }
        if (result.other === false) return [];
        matched = intersect(matched, result.sources);
        if (matched.length === 0) return [];
      }
      return [{ sources: matched, action }];
    },
  };
}

/** Parses one iptables-save dump into tables; `#skip CHAIN N` lines (rules the host script left out) keep positions. */
export function parseIptablesSave(text: string, source: 'iptables-nft' | 'iptables-legacy', sets: Map<string, IpSet>): Table[] {
  const tables: Table[] = [];
  let lines: string[] = [];
  let tableName: string | null = null;
  const flush = (): void => {
    if (tableName === null) return;
    tables.push(buildTable(tableName, lines, source, sets));
    lines = [];
    tableName = null;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('*')) {
      flush();
      tableName = line.slice(1).trim();
    } else if (line === 'COMMIT') flush();
    else if (tableName !== null) lines.push(line);
  }
  flush();
  return tables;
}

function buildTable(name: string, lines: string[], source: Table['source'], sets: Map<string, IpSet>): Table {
  const chains = new Map<string, Chain>();
  const declared = new Set<string>();
  for (const line of lines) {
    const m = /^:(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, chainName = '', policy = '-'] = m;
    declared.add(chainName);
    const hook = BUILTIN_HOOK[chainName];
    const priority = TABLE_PRIORITY[name];
    const chain: Chain = { name: chainName, rules: [] };
    if (hook && priority !== undefined && policy !== '-' && !(name === 'raw' && hook === 'input') && !(name === 'filter' && hook === 'prerouting')) {
      chain.base = { hook, priority, policy: policy === 'DROP' ? 'drop' : 'accept' };
    }
    chains.set(chainName, chain);
  }
  const positions = new Map<string, number>();
  for (const line of lines) {
    const skip = /^#skip (\S+) (\d+)$/.exec(line);
    if (skip) {
      positions.set(skip[1] as string, (positions.get(skip[1] as string) ?? 0) + Number(skip[2]));
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const parsed = parseRuleLine(line);
    if (!parsed) continue;
    const position = (positions.get(parsed.chain) ?? 0) + 1;
    positions.set(parsed.chain, position);
    chains.get(parsed.chain)?.rules.push(buildRule(parsed, position, line, declared, sets));
  }
  return { source, name, chains };
}

/** True when some rule may untrack connections: conntrack state matches are then not decided. */
export function iptablesUntracks(text: string): boolean {
  return /-j (NOTRACK|CT --notrack)\b/.test(text);
}

