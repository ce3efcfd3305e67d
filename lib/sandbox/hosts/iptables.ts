// The sandbox's own reading of a host firewall declared as `iptables-save` (+ `ipset save`) text: which verdict the
// kernel would give a new health-check connection from one source address. It decides what SLB's checker really
// experiences on the data plane. Separate from the product's evaluator on purpose (the sandbox is the reference): it
// evaluates only what it fully understands and refuses any other rule with the line it cannot read.
//
// Semantics follow iptables(8) and iptables-extensions(8): chains are walked in order, user chains are entered with
// -j and left with RETURN (or at their end), -g does not come back, the built-in chain's policy applies at its end;
// a packet passes raw PREROUTING, mangle PREROUTING, mangle INPUT, then filter INPUT.

export class FirewallRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirewallRuleError';
  }
}

export type PacketVerdict = 'accept' | 'drop' | 'reject';

/** A new TCP connection attempt (SYN) as it arrives at the host. */
export interface NewConnection {
  source: number;
  destination: number;
  destinationPort: number;
  sourcePort: number;
  inInterface: string;
}

interface AddressMatch {
  network: number;
  mask: number;
  negated: boolean;
}

interface PortMatch {
  ranges: [number, number][];
  negated: boolean;
}

interface Rule {
  line: number;
  text: string;
  source?: AddressMatch;
  destination?: AddressMatch;
  inInterface?: { name: string; negated: boolean };
  protocol?: { name: string; negated: boolean };
  destinationPorts?: PortMatch;
  sourcePorts?: PortMatch;
  /** conntrack/state: the states listed; a new SYN is NEW. */
  states?: { states: string[]; negated: boolean };
  sets?: { name: string; negated: boolean }[];
  synOnly?: boolean;
  target: { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' } | { kind: 'log' } | { kind: 'jump' | 'goto'; chain: string } | { kind: 'none' };
}

interface Chain {
  policy: 'ACCEPT' | 'DROP' | null;
  rules: Rule[];
}

type Tables = Map<string, Map<string, Chain>>;

export interface IpSet {
  name: string;
  type: 'hash:ip' | 'hash:net';
  members: AddressMatch[];
}

const BUILT_IN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
/** Targets that change or log packets in ways the data plane does not model; a rule using one is refused. */
const UNEVALUATED_TARGETS = new Set(['MARK', 'CONNMARK', 'CT', 'NOTRACK', 'MASQUERADE', 'SNAT', 'DNAT', 'REDIRECT', 'TPROXY', 'TRACE', 'NFLOG', 'NFQUEUE', 'TCPMSS', 'QUEUE']);
/** The path of a packet addressed to the host itself (netfilter hooks in order). */
const INPUT_PATH: readonly [string, string][] = [
  ['raw', 'PREROUTING'],
  ['mangle', 'PREROUTING'],
  ['mangle', 'INPUT'],
  ['filter', 'INPUT'],
];

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function parseCidr(text: string, where: string, negated = false): AddressMatch {
  const [address, bits] = text.split('/');
  const network = parseIpv4(address ?? '');
  const length = bits === undefined ? 32 : /^\d{1,2}$/.test(bits) && Number(bits) <= 32 ? Number(bits) : NaN;
  if (network === null || Number.isNaN(length)) throw new FirewallRuleError(`${where}: '${text}' is not an IPv4 address or CIDR`);
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return { network: (network & mask) >>> 0, mask, negated };
}

function addressMatches(match: AddressMatch, address: number): boolean {
  return (((address & match.mask) >>> 0) === match.network) !== match.negated;
}

/** Splits a rule line as a shell would (iptables-save quotes comments with spaces). */
function tokens(text: string, where: string): string[] {
  const result: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of text.matchAll(pattern)) result.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? ''));
  if (text.split('"').length % 2 === 0) throw new FirewallRuleError(`${where}: unbalanced quote`);
  return result;
}

function parsePorts(text: string, where: string, negated: boolean): PortMatch {
  const ranges = text.split(',').map((part): [number, number] => {
    const [low, high] = part.split(':');
    const from = low === '' || low === undefined ? 0 : Number(low);
    const to = high === undefined ? from : high === '' ? 65535 : Number(high);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535 || from > to) {
      throw new FirewallRuleError(`${where}: '${text}' is not a port, a range or a list`);
    }
    return [from, to];
  });
  return { ranges, negated };
}

function parseRule(args: string[], line: number, text: string, where: string): { chain: string; rule: Rule } {
  const rule: Rule = { line, text, target: { kind: 'none' } };
  let chain = '';
  let negate = false;
  let index = 0;
  const value = (flag: string): string => {
    const next = args[++index];
    if (next === undefined) throw new FirewallRuleError(`${where}: ${flag} needs a value`);
    return next;
  };
  const takeNegation = (): boolean => {
    const was = negate;
    negate = false;
    return was;
  };
  for (; index < args.length; index++) {
    const arg = args[index] ?? '';
    switch (arg) {
      case '!':
        negate = true;
        break;
      case '-A':
      case '--append':
        chain = value(arg);
        break;
      case '-s':
      case '--source':
        rule.source = parseCidr(value(arg), where, takeNegation());
        break;
      case '-d':
      case '--destination':
        rule.destination = parseCidr(value(arg), where, takeNegation());
        break;
      case '-i':
      case '--in-interface':
        rule.inInterface = { name: value(arg), negated: takeNegation() };
        break;
      case '-p':
      case '--protocol':
        rule.protocol = { name: value(arg).toLowerCase(), negated: takeNegation() };
        break;
      case '-m':
      case '--match': {
        const module = value(arg);
        if (!['tcp', 'udp', 'multiport', 'conntrack', 'state', 'set', 'comment'].includes(module)) {
          throw new FirewallRuleError(`${where}: the sandbox does not evaluate '-m ${module}'; use tcp, udp, multiport, conntrack, state, set or comment`);
        }
        break;
      }
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports':
        rule.destinationPorts = parsePorts(value(arg), where, takeNegation());
        break;
      case '--sport':
      case '--source-port':
      case '--sports':
      case '--source-ports':
        rule.sourcePorts = parsePorts(value(arg), where, takeNegation());
        break;
      case '--ctstate':
      case '--state':
        rule.states = { states: value(arg).toUpperCase().split(','), negated: takeNegation() };
        break;
      case '--match-set': {
        const name = value(arg);
        const direction = value(arg);
        if (direction !== 'src') throw new FirewallRuleError(`${where}: the sandbox evaluates '--match-set ${name} src' only, not '${direction}'`);
        rule.sets = [...(rule.sets ?? []), { name, negated: takeNegation() }];
        break;
      }
      case '--syn':
        rule.synOnly = !takeNegation();
        break;
      case '--comment':
      case '--log-prefix':
      case '--log-level':
        value(arg);
        break;
      case '--reject-with':
        value(arg);
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const target = value(arg);
        if (target === 'ACCEPT' || target === 'DROP' || target === 'REJECT' || target === 'RETURN') rule.target = { kind: 'verdict', verdict: target };
        else if (target === 'LOG') rule.target = { kind: 'log' };
        else if (UNEVALUATED_TARGETS.has(target) || BUILT_IN_CHAINS.has(target)) {
          throw new FirewallRuleError(`${where}: the sandbox does not evaluate the target ${target}`);
        } else rule.target = { kind: arg === '-g' || arg === '--goto' ? 'goto' : 'jump', chain: target };
        break;
      }
      default:
        throw new FirewallRuleError(`${where}: the sandbox does not evaluate '${arg}'`);
    }
  }
  if (!chain) throw new FirewallRuleError(`${where}: a rule line must start with -A CHAIN`);
  return { chain, rule };
}

export interface Firewall {
  /** The verdict for a new TCP connection. */
  verdict(packet: NewConnection): PacketVerdict;
}

/** Parses `ipset save` text (hash:ip and hash:net sets). */
export function parseIpsetSave(text: string): Map<string, IpSet> {
  const sets = new Map<string, IpSet>();
  text.split('\n').forEach((raw, lineIndex) => {
    const line = raw.trim();
    const where = `ipset line ${lineIndex + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    if (words[0] === 'create') {
      const type = words[2];
      if (!words[1] || (type !== 'hash:ip' && type !== 'hash:net')) throw new FirewallRuleError(`${where}: the sandbox evaluates hash:ip and hash:net sets, not '${type ?? ''}'`);
      sets.set(words[1], { name: words[1], type, members: [] });
      return;
    }
    if (words[0] === 'add') {
      const set = sets.get(words[1] ?? '');
      if (!set) throw new FirewallRuleError(`${where}: set '${words[1] ?? ''}' is added to before it is created`);
      set.members.push(parseCidr(words[2] ?? '', where));
      return;
    }
    throw new FirewallRuleError(`${where}: expected 'create' or 'add', got '${words[0] ?? ''}'`);
  });
  return sets;
}

/** Parses `iptables-save` text; throws FirewallRuleError naming the first line it cannot evaluate. */
export function parseIptablesSave(text: string, ipsets: Map<string, IpSet> = new Map()): Firewall {
  const tables: Tables = new Map();
  let current: Map<string, Chain> | null = null;
  let currentName = '';
  text.split('\n').forEach((raw, lineIndex) => {
    const line = raw.trim();
    const where = `iptables line ${lineIndex + 1}`;
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      currentName = line.slice(1);
      current = tables.get(currentName) ?? new Map<string, Chain>();
      tables.set(currentName, current);
      return;
    }
    if (line === 'COMMIT') {
      current = null;
      return;
    }
    if (!current) throw new FirewallRuleError(`${where}: outside a *table … COMMIT block`);
    const chains: Map<string, Chain> = current;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (!name || (policy !== 'ACCEPT' && policy !== 'DROP' && policy !== '-')) throw new FirewallRuleError(`${where}: a chain line is ':NAME POLICY [packets:bytes]'`);
      chains.set(name, { policy: policy === '-' ? null : policy, rules: [] });
      return;
    }
    const { chain, rule } = parseRule(tokens(line, where), lineIndex + 1, line, where);
    const target = chains.get(chain);
    if (!target) throw new FirewallRuleError(`${where}: chain ${chain} is not declared in *${currentName} (':${chain} - [0:0]')`);
    for (const set of rule.sets ?? []) if (!ipsets.has(set.name)) throw new FirewallRuleError(`${where}: set '${set.name}' is not declared in the host's ipset`);
    if (rule.target.kind === 'jump' || rule.target.kind === 'goto') {
      if (!chains.has(rule.target.chain)) throw new FirewallRuleError(`${where}: the rule jumps to ${rule.target.chain}, which is not declared in *${currentName}`);
    }
    target.rules.push(rule);
  });

  const matches = (rule: Rule, packet: NewConnection): boolean => {
    if (rule.source && !addressMatches(rule.source, packet.source)) return false;
    if (rule.destination && !addressMatches(rule.destination, packet.destination)) return false;
    if (rule.inInterface) {
      const { name, negated } = rule.inInterface;
      const same = name.endsWith('+') ? packet.inInterface.startsWith(name.slice(0, -1)) : packet.inInterface === name;
      if (same === negated) return false;
    }
    if (rule.protocol) {
      const same = rule.protocol.name === 'tcp' || rule.protocol.name === 'all' || rule.protocol.name === '6';
      if (same === rule.protocol.negated) return false;
    }
    const inPorts = (ports: PortMatch, port: number): boolean => ports.ranges.some(([from, to]) => port >= from && port <= to) !== ports.negated;
    if (rule.destinationPorts && !inPorts(rule.destinationPorts, packet.destinationPort)) return false;
    if (rule.sourcePorts && !inPorts(rule.sourcePorts, packet.sourcePort)) return false;
    if (rule.states && rule.states.states.includes('NEW') === rule.states.negated) return false;
    for (const set of rule.sets ?? []) {
      const members = ipsets.get(set.name)?.members ?? [];
      if (members.some((member) => addressMatches(member, packet.source)) === set.negated) return false;
    }
    if (rule.synOnly === false) return false;
    return true;
  };

  /** 'continue' = fell off a user chain or RETURNed; depth bounds jump loops. */
  const walk = (chains: Map<string, Chain>, name: string, packet: NewConnection, depth: number): PacketVerdict | 'continue' => {
    if (depth > 32) throw new FirewallRuleError(`chain ${name}: jumps nest deeper than 32 (a loop?)`);
    const chain = chains.get(name);
    if (!chain) return 'continue';
    for (const rule of chain.rules) {
      if (!matches(rule, packet)) continue;
      const { target } = rule;
      if (target.kind === 'verdict') {
        if (target.verdict === 'RETURN') return 'continue';
        return target.verdict === 'ACCEPT' ? 'accept' : target.verdict === 'DROP' ? 'drop' : 'reject';
      }
      if (target.kind === 'jump' || target.kind === 'goto') {
        const result = walk(chains, target.chain, packet, depth + 1);
        if (result !== 'continue' || target.kind === 'goto') return result;
      }
    }
    return 'continue';
  };

  return {
    verdict(packet) {
      for (const [tableName, chainName] of INPUT_PATH) {
        const chains = tables.get(tableName);
        if (!chains) continue;
        const result = walk(chains, chainName, packet, 0);
        const final = result === 'continue' ? (chains.get(chainName)?.policy === 'DROP' ? 'drop' : 'accept') : result;
        if (final !== 'accept') return final;
      }
      return 'accept';
    },
  };
}
