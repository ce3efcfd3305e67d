// `nft -j list table …` / `nft -j list ruleset` JSON → tables the evaluator walks (libnftables-json(5):
// https://www.netfilter.org/projects/nftables/manpage.html and the JSON schema in libnftables-json).
import type { Action, Chain, Hook, PacketContext, Rule, RuleOutcome, Table, World } from './firewall';
import { EMPTY, SLB_RANGE, complement, intersect, parseCidr, rangesOf, subtract, union, type Ranges } from './ranges';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface NftSet {
  elements: Json[];
}

interface NftTableData {
  family: string;
  name: string;
  chains: JsonObject[];
  rules: JsonObject[];
  sets: Map<string, NftSet>;
}

const HOOKS: Record<string, Hook> = { prerouting: 'prerouting', input: 'input', ingress: 'ingress' };
/** Named priorities (nft(8), "CHAINS": raw -300, mangle -150, dstnat -100, filter 0, security 50, srcnat 100). */
const NAMED_PRIORITY: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

export interface NftParse {
  tables: Table[];
  /** Tables the host script did not list again (nat, or read through iptables-nft-save). */
  omitted: string[];
  /** Lines that were not valid JSON or not an nft document. */
  garbled: number;
  /** `family name` of each table read. */
  names: string[];
}

/** Parses the `nft` section: one JSON document per line (or one whole `nft -j list ruleset`). */
export function parseNftJson(text: string, skipTables: Set<string> = new Set()): NftParse {
  const byKey = new Map<string, NftTableData>();
  const omitted: string[] = [];
  let garbled = 0;
  const documents: Json[] = [];
  const trimmed = text.trim();
  const candidates = trimmed.startsWith('{"nftables"') && !trimmed.includes('\n{') ? [trimmed] : trimmed.split('\n');
  for (const line of candidates) {
    const t = line.trim();
    if (t === '') continue;
    try {
      documents.push(JSON.parse(t) as Json);
    } catch {
      garbled++;
    }
  }
  for (const doc of documents) {
    if (!isObject(doc)) {
      garbled++;
      continue;
    }
    if (typeof doc.omitted === 'string') {
      omitted.push(`${doc.omitted}${typeof doc.reason === 'string' ? ` (${doc.reason})` : ''}`);
      continue;
    }
    const items = doc.nftables;
    if (!Array.isArray(items)) {
      garbled++;
      continue;
    }
    for (const item of items) {
      if (!isObject(item)) continue;
      const [kind, body] = Object.entries(item)[0] ?? [];
      if (!isObject(body) || typeof body.family !== 'string') continue;
      const tableName = kind === 'table' ? body.name : body.table;
      if (typeof tableName !== 'string') continue;
      const key = `${body.family} ${tableName}`;
      let table = byKey.get(key);
      if (!table) {
        table = { family: body.family, name: tableName, chains: [], rules: [], sets: new Map() };
        byKey.set(key, table);
      }
      if (kind === 'chain') table.chains.push(body);
      else if (kind === 'rule') table.rules.push(body);
      else if ((kind === 'set' || kind === 'map') && typeof body.name === 'string') table.sets.set(body.name, { elements: Array.isArray(body.elem) ? body.elem : [] });
    }
  }
  const tables: Table[] = [];
  const names: string[] = [];
  for (const [key, data] of byKey) {
    if (skipTables.has(key)) {
      omitted.push(`${key} (read through iptables-nft-save)`);
      continue;
    }
    names.push(key);
    if (!['ip', 'inet', 'netdev'].includes(data.family)) continue;
    tables.push(buildTable(data));
  }
  return { tables, omitted, garbled, names };
}

function priorityOf(value: Json | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const m = /^(\w+)\s*([+-])?\s*(\d+)?$/.exec(value.trim());
    if (m) return (NAMED_PRIORITY[m[1] as string] ?? 0) + (m[2] === '-' ? -1 : 1) * Number(m[3] ?? 0);
  }
  return 0;
}

function buildTable(data: NftTableData): Table {
  const chains = new Map<string, Chain>();
  for (const c of data.chains) {
    if (typeof c.name !== 'string') continue;
    const chain: Chain = { name: c.name, rules: [] };
    const hook = typeof c.hook === 'string' ? HOOKS[c.hook] : undefined;
    // Only filter (and route) chains decide a drop; nat chains only rewrite addresses.
    if (hook && c.type !== 'nat') {
      chain.base = { hook, priority: priorityOf(c.prio), policy: c.policy === 'drop' ? 'drop' : 'accept' };
      if (typeof c.dev === 'string') chain.base.device = c.dev;
    }
    chains.set(c.name, chain);
  }
  for (const r of data.rules) {
    if (typeof r.chain !== 'string' || !Array.isArray(r.expr)) continue;
    const chain = chains.get(r.chain);
    if (!chain) continue;
    chain.rules.push(buildRule(r.expr, chain.rules.length + 1, describeRule(r), data, chains));
  }
  return { source: 'nftables', name: `${data.family} ${data.name}`, chains };
}

function describeRule(rule: JsonObject): string {
  return `${typeof rule.comment === 'string' ? `/* ${rule.comment} */ ` : ''}${(rule.expr as Json[]).map(describeExpression).filter(Boolean).join(' ')}${typeof rule.handle === 'number' ? ` # handle ${rule.handle}` : ''}`;
}

function describeValue(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return typeof v === 'string' && !v.startsWith('@') && /\s/.test(v) ? JSON.stringify(v) : String(v);
  if (Array.isArray(v)) return `{ ${v.map(describeValue).join(', ')} }`;
  if (isObject(v.prefix)) return `${describeValue(v.prefix.addr)}/${describeValue(v.prefix.len)}`;
  if (Array.isArray(v.range)) return `${describeValue(v.range[0])}-${describeValue(v.range[1])}`;
  if (Array.isArray(v.set)) return `{ ${v.set.map(describeValue).join(', ')} }`;
  if (isObject(v.payload)) return `${describeValue(v.payload.protocol)} ${describeValue(v.payload.field)}`;
  if (isObject(v.meta)) return `meta ${describeValue(v.meta.key)}`;
  if (isObject(v.ct)) return `ct ${describeValue(v.ct.key)}`;
  if (Array.isArray(v.concat)) return v.concat.map(describeValue).join(' . ');
  if (isObject(v.elem)) return describeValue(v.elem.val);
  return JSON.stringify(v);
}

function describeExpression(e: Json): string {
  if (!isObject(e)) return '';
  const [kind, body] = Object.entries(e)[0] ?? ['', null];
  switch (kind) {
    case 'match':
      if (!isObject(body)) return '';
      return `${describeValue(body.left)} ${body.op === '==' || body.op === 'in' ? '' : `${describeValue(body.op)} `}${describeValue(body.right)}`;
    case 'counter':
      return isObject(body) && typeof body.packets === 'number' ? `counter packets ${body.packets} bytes ${describeValue(body.bytes)}` : 'counter';
    case 'accept':
    case 'drop':
    case 'return':
    case 'continue':
      return kind;
    case 'jump':
    case 'goto':
      return `${kind} ${isObject(body) ? describeValue(body.target) : ''}`;
    case 'reject':
      return isObject(body) && body.type ? `reject with ${describeValue(body.type)}${body.expr ? ` ${describeValue(body.expr)}` : ''}` : 'reject';
    case 'vmap':
      return isObject(body) ? `${describeValue(body.key)} vmap ${describeValue(body.data)}` : 'vmap';
    case 'log':
      return 'log';
    default:
      return `${kind} ${describeValue(body)}`.trim();
  }
}

type Tri = boolean | 'unknown';

/** A packet field the check packet has one value for: a string or number; 'sources' for ip saddr. */
type FieldValue = { kind: 'scalar'; value: string | number } | { kind: 'sources' } | { kind: 'unknown'; name: string } | { kind: 'absent' };

function fieldOf(left: Json | undefined, packet: PacketContext): FieldValue {
  if (!isObject(left)) return { kind: 'unknown', name: describeValue(left) };
  if (isObject(left.payload)) {
    const { protocol, field } = left.payload;
    if (protocol === 'ip' && field === 'saddr') return { kind: 'sources' };
    if (protocol === 'ip' && field === 'daddr') return { kind: 'scalar', value: packet.destination };
    if (protocol === 'ip' && field === 'protocol') return { kind: 'scalar', value: packet.transport };
    if (protocol === 'ip6') return { kind: 'absent' };
    if ((protocol === 'tcp' || protocol === 'udp') && field === 'dport') return protocol === packet.transport ? { kind: 'scalar', value: packet.destinationPort } : { kind: 'absent' };
    if (protocol === 'th' && field === 'dport') return { kind: 'scalar', value: packet.destinationPort };
    if (protocol === 'tcp' && field === 'flags') return packet.transport === 'tcp' ? { kind: 'scalar', value: 'syn' } : { kind: 'absent' };
    if (protocol === 'icmp' || protocol === 'icmpv6') return { kind: 'absent' };
    return { kind: 'unknown', name: describeValue(left) };
  }
  if (isObject(left.meta)) {
    const key = left.meta.key;
    if (key === 'iifname' || key === 'iif') return packet.inInterface === null ? { kind: 'unknown', name: `meta ${key}` } : { kind: 'scalar', value: packet.inInterface };
    if (key === 'l4proto') return { kind: 'scalar', value: packet.transport };
    if (key === 'nfproto') return { kind: 'scalar', value: 'ipv4' };
    if (key === 'protocol') return { kind: 'scalar', value: 'ip' };
    if (key === 'pkttype') return { kind: 'scalar', value: 'host' };
    if (key === 'mark') return packet.possibleMarks?.length === 1 ? { kind: 'scalar', value: packet.possibleMarks[0] as number } : { kind: 'unknown', name: 'meta mark' };
    return { kind: 'unknown', name: `meta ${describeValue(key)}` };
  }
  if (isObject(left.ct)) {
    const key = left.ct.key;
    if (key === 'state') return packet.untrackMayHappen ? { kind: 'unknown', name: 'ct state' } : { kind: 'scalar', value: 'new' };
    if (key === 'mark') return packet.possibleMarks?.length === 1 ? { kind: 'scalar', value: packet.possibleMarks[0] as number } : { kind: 'unknown', name: 'ct mark' };
    if (key === 'direction') return { kind: 'scalar', value: 'original' };
    // A new connection to the host itself carries no status bit (not DNATed, not seen replying, not assured).
    if (key === 'status') return packet.untrackMayHappen ? { kind: 'unknown', name: 'ct status' } : { kind: 'scalar', value: 'none' };
    return { kind: 'unknown', name: `ct ${describeValue(key)}` };
  }
  return { kind: 'unknown', name: describeValue(left) };
}

/** The elements a right-hand side stands for (literal, anonymous set, named set). */
function elementsOf(right: Json | undefined, data: NftTableData): Json[] | null {
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = data.sets.get(right.slice(1));
    return set ? set.elements : null;
  }
  if (isObject(right) && Array.isArray(right.set)) return right.set;
  if (Array.isArray(right)) return right;
  return [right ?? null];
}

function elementValue(e: Json): Json {
  return isObject(e) && isObject(e.elem) ? (e.elem.val ?? null) : e;
}

function addressRanges(elements: Json[]): Ranges | null {
  let out: Ranges = EMPTY;
  for (const raw of elements) {
    const e = elementValue(raw);
    let interval = null;
    if (typeof e === 'string') interval = parseCidr(e);
    else if (isObject(e) && isObject(e.prefix)) interval = parseCidr(`${describeValue(e.prefix.addr)}/${describeValue(e.prefix.len)}`);
    else if (isObject(e) && Array.isArray(e.range)) {
      const a = parseCidr(describeValue(e.range[0]));
      const b = parseCidr(describeValue(e.range[1]));
      interval = a && b ? ([a[0], b[1]] as const) : null;
    }
    if (!interval) return null;
    out = union(out, rangesOf(interval));
  }
  return out;
}

function scalarIn(elements: Json[], value: string | number): Tri {
  for (const raw of elements) {
    const e = elementValue(raw);
    if (typeof e === 'number' || typeof e === 'string') {
      if (typeof value === 'number' && typeof e === 'string' && parseCidr(e)) {
        const interval = parseCidr(e);
        if (interval && value >= interval[0] && value <= interval[1]) return true;
        continue;
      }
      if (String(e).toLowerCase() === String(value).toLowerCase()) return true;
      if (typeof e === 'string' && e.endsWith('*') && String(value).startsWith(e.slice(0, -1))) return true;
      continue;
    }
    if (isObject(e) && Array.isArray(e.range) && typeof value === 'number') {
      const [a, b] = e.range.map((x) => (typeof x === 'number' ? x : parseCidr(String(x))?.[0] ?? NaN));
      if (a !== undefined && b !== undefined && value >= a && value <= b) return true;
      continue;
    }
    if (isObject(e) && isObject(e.prefix) && typeof value === 'number') {
      const interval = parseCidr(`${describeValue(e.prefix.addr)}/${describeValue(e.prefix.len)}`);
      if (interval && value >= interval[0] && value <= interval[1]) return true;
      continue;
    }
    if (Array.isArray(e) && typeof value === 'string') {
      if (e.some((x) => String(x).toLowerCase() === value)) return true;
      continue;
    }
    return 'unknown';
  }
  return false;
}

interface MatchResult {
  sources: Ranges;
  other: Tri;
}

function matchExpression(body: JsonObject, packet: PacketContext, data: NftTableData): MatchResult | 'unknown' {
  const field = fieldOf(body.left, packet);
  const op = typeof body.op === 'string' ? body.op : '==';
  const negate = op === '!=';
  if (!['==', '!=', 'in'].includes(op)) return 'unknown';
  if (field.kind === 'unknown') return 'unknown';
  if (field.kind === 'absent') return { sources: SLB_RANGE, other: negate };
  const elements = elementsOf(body.right, data);
  if (elements === null) return 'unknown';
  if (field.kind === 'sources') {
    const ranges = addressRanges(elements);
    if (ranges === null) return 'unknown';
    return { sources: negate ? intersect(SLB_RANGE, complement(ranges)) : intersect(SLB_RANGE, ranges), other: true };
  }
  const found = scalarIn(elements, field.value);
  if (found === 'unknown') return 'unknown';
  return { sources: SLB_RANGE, other: found !== negate };
}

function verdictOf(kind: string, body: Json | undefined): Action | null {
  switch (kind) {
    case 'accept':
      return { kind: 'accept' };
    case 'drop':
      return { kind: 'drop' };
    case 'return':
      return { kind: 'return' };
    case 'continue':
      return { kind: 'continue' };
    case 'reject':
      return { kind: 'reject', with: isObject(body) && body.type ? `${describeValue(body.type)}${body.expr ? ` ${describeValue(body.expr)}` : ''}` : 'icmp port-unreachable' };
    case 'jump':
    case 'goto':
      return isObject(body) && typeof body.target === 'string' ? { kind, chain: body.target } : null;
    default:
      return null;
  }
}

/** Statements that neither match nor decide. */
const PASSIVE = new Set(['counter', 'log', 'comment', 'nftrace', 'notrack', 'mangle', 'set', 'dup', 'fwd', 'synproxy', 'tproxy', 'masquerade', 'snat', 'dnat', 'redirect']);

function buildRule(expressions: Json[], position: number, text: string, data: NftTableData, chains: Map<string, Chain>): Rule {
  return {
    position,
    text,
    evaluate(sources: Ranges, packet: PacketContext, world: World, undecided: (what: string) => void): RuleOutcome[] {
      let matched = sources;
      for (const e of expressions) {
        if (!isObject(e)) continue;
        const [kind, body] = Object.entries(e)[0] ?? ['', null];
        if (kind === 'match' && isObject(body)) {
          const result = matchExpression(body, packet, data);
          if (result === 'unknown') {
            undecided(describeExpression(e));
            if (world === 'does-not-match') return [];
            continue;
          }
          if (result.other === false) return [];
          matched = intersect(matched, result.sources);
          if (matched.length === 0) return [];
          continue;
        }
        if (kind === 'vmap' && isObject(body)) return vmapOutcomes(body, matched, packet, data, chains, world);
        const verdict = verdictOf(kind, body);
        if (verdict) {
          if ((verdict.kind === 'jump' || verdict.kind === 'goto') && !chains.has(verdict.chain)) return [{ sources: matched, action: { kind: 'unknown', name: `${verdict.kind} ${verdict.chain}` } }];
          return [{ sources: matched, action: verdict }];
        }
        if (PASSIVE.has(kind)) continue;
        // A statement not understood (limit, quota, queue …): it may stop the packet or not.
        if (kind === 'limit' || kind === 'quota') {
          undecided(describeExpression(e));
          if (world === 'does-not-match') return [];
          continue;
        }
        return [{ sources: matched, action: { kind: 'unknown', name: kind } }];
      }
      return [{ sources: matched, action: { kind: 'continue' } }];
    },
  };
}

/** `KEY vmap { value : verdict, … }`: one outcome per value that the packet (or a part of the /10) takes. */
function vmapOutcomes(body: JsonObject, matched: Ranges, packet: PacketContext, data: NftTableData, chains: Map<string, Chain>, world: World): RuleOutcome[] {
  const field = fieldOf(body.key, packet);
  const entries = elementsOf(body.data, data);
  const unknown: RuleOutcome[] = world === 'does-not-match' ? [] : [{ sources: matched, action: { kind: 'unknown', name: 'vmap' } }];
  if (entries === null || field.kind === 'unknown') return unknown;
  if (field.kind === 'absent') return [];
  const outcomes: RuleOutcome[] = [];
  let left = matched;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) return unknown;
    const [key, verdictJson] = entry;
    if (!isObject(verdictJson)) return unknown;
    const [kind, verdictBody] = Object.entries(verdictJson)[0] ?? ['', null];
    const action = verdictOf(kind, verdictBody);
    if (!action) return unknown;
    if ((action.kind === 'jump' || action.kind === 'goto') && !chains.has(action.chain)) return unknown;
    if (field.kind === 'sources') {
      const ranges = addressRanges([key ?? null]);
      if (ranges === null) return unknown;
      const part = intersect(left, ranges);
      if (part.length > 0) outcomes.push({ sources: part, action });
      left = subtract(left, part);
    } else {
      const found = scalarIn([key ?? null], field.value);
      if (found === 'unknown') return unknown;
      if (found) return [{ sources: matched, action }];
    }
  }
  return outcomes;
}
