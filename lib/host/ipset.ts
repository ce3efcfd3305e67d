// `ipset save` → sets, and what `-m set --match-set NAME FLAGS` matches for the check packet
// (https://ipset.netfilter.org/ipset.man.html: set types, the src/dst flags per dimension, nomatch for hash:net).
import type { PacketContext } from './firewall';
import { EMPTY, SLB_RANGE, contains, parseCidr, parseIpv4, rangesOf, subtract, union, type Interval, type Ranges } from './ranges';

type Dimension = 'ip' | 'net' | 'port' | 'iface' | 'mark' | 'mac' | 'set';

interface Member {
  values: string[];
  nomatch: boolean;
}

export interface IpSet {
  name: string;
  type: string;
  dimensions: Dimension[];
  family: 'inet' | 'inet6';
  members: Member[];
  /** Members the host script left out because they match neither 100.64.0.0/10 nor the backend IP. */
  skipped: number;
}

export function parseIpsetSave(text: string): Map<string, IpSet> {
  const sets = new Map<string, IpSet>();
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] === 'create' && words[1] && words[2]) {
      const [, kind = '', dims = ''] = /^(hash|bitmap|list):(.+)$/.exec(words[2]) ?? [];
      const familyIndex = words.indexOf('family');
      sets.set(words[1], {
        name: words[1],
        type: words[2],
        dimensions: kind === 'list' ? ['set'] : (dims.split(',') as Dimension[]),
        family: words[familyIndex + 1] === 'inet6' && familyIndex > 0 ? 'inet6' : 'inet',
        members: [],
        skipped: 0,
      });
    } else if (words[0] === 'add' && words[1] && words[2]) {
      const set = sets.get(words[1]);
      if (set) set.members.push({ values: words[2].split(','), nomatch: words.includes('nomatch') });
    } else if (words[0] === '#skip' && words[1] && words[2]) {
      const set = sets.get(words[1]);
      if (set) set.skipped += Number(words[2]) || 0;
    }
  }
  return sets;
}

function ipInterval(value: string): Interval | null {
  const dash = value.indexOf('-');
  if (dash > 0) {
    const first = parseIpv4(value.slice(0, dash));
    const last = parseIpv4(value.slice(dash + 1));
    return first !== null && last !== null && first <= last ? [first, last] : null;
  }
  return parseCidr(value);
}

/** true / false for one dimension of one member, or the sources it allows for a source-address dimension. */
function dimensionMatch(dimension: Dimension, flag: string, value: string, packet: PacketContext): boolean | Ranges | 'unknown' {
  if (dimension === 'ip' || dimension === 'net') {
    const interval = ipInterval(value);
    if (!interval) return false;
    return flag === 'src' ? rangesOf(interval) : contains(rangesOf(interval), packet.destination);
  }
  if (dimension === 'port') {
    if (flag === 'src') return 'unknown';
    const [protocol, port] = value.includes(':') ? value.split(':') : ['tcp', value];
    return protocol === packet.transport && Number(port) === packet.destinationPort;
  }
  if (dimension === 'iface') {
    if (flag !== 'src' || packet.inInterface === null) return 'unknown';
    return value === packet.inInterface || (value.endsWith('+') && packet.inInterface.startsWith(value.slice(0, -1)));
  }
  return 'unknown';
}

/**
 * The sources (within the /10) for which the set matches, or 'unknown' when the set holds members whose match
 * cannot be decided here (a source port, a MAC, a mark) or the set is not in the dump.
 */
export function setMatchSources(sets: Map<string, IpSet>, name: string, flags: string[], packet: PacketContext, depth = 0): Ranges | 'unknown' {
  const set = sets.get(name);
  if (!set || depth > 8) return 'unknown';
  if (set.family === 'inet6') return EMPTY;
  // Members left out by the script are only ever address members that cannot match; others make the set unknown.
  if (set.skipped > 0 && set.dimensions[0] !== 'ip' && set.dimensions[0] !== 'net') return 'unknown';
  if (set.dimensions[0] === 'set') {
    let sources: Ranges = EMPTY;
    for (const member of set.members) {
      const inner = setMatchSources(sets, member.values[0] ?? '', flags, packet, depth + 1);
      if (inner === 'unknown') return 'unknown';
      sources = union(sources, inner);
    }
    return sources;
  }
  // For one-dimension address sets, nomatch members carve holes: the most specific entry decides, so entries are
  // applied from the largest block to the smallest.
  const ordered = [...set.members].sort((a, b) => {
    const ia = ipInterval(a.values[0] ?? '');
    const ib = ipInterval(b.values[0] ?? '');
    return (ib ? ib[1] - ib[0] : 0) - (ia ? ia[1] - ia[0] : 0);
  });
  let sources: Ranges = EMPTY;
  for (const member of ordered) {
    let memberSources: Ranges = SLB_RANGE;
    for (let i = 0; i < set.dimensions.length; i++) {
      const match = dimensionMatch(set.dimensions[i] as Dimension, flags[i] ?? flags[flags.length - 1] ?? 'src', member.values[i] ?? '', packet);
      if (match === 'unknown') return 'unknown';
      if (match === false) memberSources = EMPTY;
      else if (match !== true) memberSources = subtract(memberSources, subtract(SLB_RANGE, match));
    }
    if (member.nomatch && set.dimensions.length > 1) return 'unknown';
    sources = member.nomatch ? subtract(sources, memberSources) : union(sources, memberSources);
  }
  return sources;
}
