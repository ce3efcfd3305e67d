// The kernel's walk of a new check connection (a SYN from 100.64.0.0/10 to BACKEND_IP:PORT, arriving on the
// interface holding BACKEND_IP) through every base chain it meets, over iptables-nft, iptables-legacy and nftables
// at once. Netfilter runs every base chain registered on a hook in priority order; ACCEPT ends only the chain it is
// in, while DROP (and REJECT) anywhere is final (https://wiki.nftables.org/wiki-nftables/index.php/Configuring_chains,
// "Base chain priority"). So a source is blocked exactly when some base chain drops or rejects it.
import { EMPTY, SLB_RANGE, intersect, isEmpty, subtract, union, type Ranges } from './ranges';

/** The fixed parts of the packet; only the source address varies (over the /10). */
export interface PacketContext {
  destination: number;
  destinationPort: number;
  transport: 'tcp' | 'udp';
  /** The interface holding the backend IP; null when the host did not say (interface matches are then unknown). */
  inInterface: string | null;
  /**
   * The marks the packet may carry when a rule looks at it: 0, plus what reachable MARK rules can make of it.
   * null when a rule sets marks in a way not followed here (mark matches are then not decided).
   */
  possibleMarks: number[] | null;
  /** True once a raw-table rule may untrack connections (conntrack state matches are then unknown). */
  untrackMayHappen: boolean;
}

/** How an unknown match or target is taken: evaluated once each way, and compared. */
export type World = 'matches' | 'does-not-match';

export type Action =
  | { kind: 'accept' | 'drop' | 'return' | 'continue' }
  | { kind: 'reject'; with: string }
  | { kind: 'jump' | 'goto'; chain: string }
  /** A target or statement the evaluator does not know: a drop in the `matches` world, nothing in the other. */
  | { kind: 'unknown'; name: string };

/** What one rule does to the part of the range that reaches it. */
export interface RuleOutcome {
  sources: Ranges;
  action: Action;
}

export interface Rule {
  /** 1-based position in its chain, as `iptables -L --line-numbers` and `nft -a` count. */
  position: number;
  /** The rule exactly as the tool printed it. */
  text: string;
  /**
   * The sources it applies to and what it does; several outcomes for verdict maps keyed on the source.
   * `undecided` is told each match this packet leaves open (e.g. `-i` when the interface is not known).
   */
  evaluate: (sources: Ranges, packet: PacketContext, world: World, undecided: (what: string) => void) => RuleOutcome[];
}

export type Hook = 'ingress' | 'prerouting' | 'input';
const HOOK_ORDER: Record<Hook, number> = { ingress: 0, prerouting: 1, input: 2 };

export interface Chain {
  name: string;
  rules: Rule[];
  /** Base chains only. */
  base?: { hook: Hook; priority: number; policy: 'accept' | 'drop'; device?: string };
}

/** One table of one tool: `iptables-nft filter`, `nftables inet firewalld` … */
export interface Table {
  source: 'iptables-nft' | 'iptables-legacy' | 'nftables';
  name: string;
  chains: Map<string, Chain>;
}

export interface Decider {
  source: Table['source'];
  table: string;
  chain: string;
  /** null for the chain policy. */
  position: number | null;
  text: string;
  verdict: 'drop' | 'reject';
  rejectWith?: string;
}

export interface Block {
  decider: Decider;
  sources: Ranges;
}

export interface FirewallResult {
  /** Sources dropped or rejected in both worlds, by the first base chain that decides them. */
  blocks: Block[];
  /** Sources whose fate depends on rules not understood, with those rules. */
  uncertain: { sources: Ranges; rules: string[] }[];
  /** Base chains walked, in order, e.g. `iptables-legacy filter INPUT (input, priority 0)`. */
  walked: string[];
  notUnderstood: string[];
}

interface ChainResult {
  decided: { sources: Ranges; verdict: 'accept' | 'drop' | 'reject'; decider: Omit<Decider, 'verdict'> & { rejectWith?: string } }[];
  returned: Ranges;
}

const MAX_DEPTH = 64;

function walkChain(table: Table, chain: Chain, sources: Ranges, packet: PacketContext, world: World, depth: number, seen: Set<string>, reached: Set<string>): ChainResult {
  const result: ChainResult = { decided: [], returned: EMPTY };
  let remaining = sources;
  if (depth > MAX_DEPTH) return { decided: [], returned: sources };
  for (const rule of chain.rules) {
    if (isEmpty(remaining)) break;
    const label = `${table.source} ${table.name} ${chain.name} #${rule.position}: ${rule.text}`;
    const outcomes = rule.evaluate(remaining, packet, world, (what) => reached.add(`${label} (not decided: ${what})`));
    for (const outcome of outcomes) {
      const part = intersect(remaining, outcome.sources);
      if (isEmpty(part)) continue;
      const decider = { source: table.source, table: table.name, chain: chain.name, position: rule.position, text: rule.text };
      const action = outcome.action;
      switch (action.kind) {
        case 'continue':
          continue;
        case 'accept':
        case 'drop':
          result.decided.push({ sources: part, verdict: action.kind, decider });
          break;
        case 'reject':
          result.decided.push({ sources: part, verdict: 'reject', decider: { ...decider, rejectWith: action.with } });
          break;
        case 'unknown':
          reached.add(`${label} (not understood: ${action.name})`);
          if (world === 'does-not-match') continue;
          result.decided.push({ sources: part, verdict: 'drop', decider });
          break;
        case 'return':
          result.returned = union(result.returned, part);
          break;
        case 'jump':
        case 'goto': {
          const target = table.chains.get(action.chain);
          // A jump to a chain that is not in the dump (cut, or a loop) decides nothing: the packet comes back.
          if (!target || seen.has(action.chain)) {
            if (action.kind === 'jump') continue;
            result.returned = union(result.returned, part);
            break;
          }
          const inner = walkChain(table, target, part, packet, world, depth + 1, new Set([...seen, action.chain]), reached);
          result.decided.push(...inner.decided);
          if (action.kind === 'jump') {
            remaining = subtract(remaining, subtract(part, inner.returned));
            continue;
          }
          result.returned = union(result.returned, inner.returned);
          break;
        }
      }
      remaining = subtract(remaining, part);
    }
  }
  result.returned = union(result.returned, remaining);
  return result;
}

interface BaseChain {
  table: Table;
  chain: Chain & { base: NonNullable<Chain['base']> };
}

function baseChains(tables: Table[], packet: PacketContext): BaseChain[] {
  const out: BaseChain[] = [];
  for (const table of tables) {
    for (const chain of table.chains.values()) {
      // An ingress chain sees only its own device's packets.
      if (!chain.base || (chain.base.device !== undefined && packet.inInterface !== null && chain.base.device !== packet.inInterface)) continue;
      out.push({ table, chain: chain as BaseChain['chain'] });
    }
  }
  return out.sort((a, b) => HOOK_ORDER[a.chain.base.hook] - HOOK_ORDER[b.chain.base.hook] || a.chain.base.priority - b.chain.base.priority);
}

/** Per source, the first base chain's drop or reject, in one world. */
function blocksIn(chains: BaseChain[], packet: PacketContext, world: World, reached: Set<string>): { sources: Ranges; decider: Decider }[] {
  const blocked: { sources: Ranges; decider: Decider }[] = [];
  let open = SLB_RANGE;
  for (const { table, chain } of chains) {
    if (isEmpty(open)) break;
    const result = walkChain(table, chain, open, packet, world, 0, new Set([chain.name]), reached);
    const stopped: { sources: Ranges; decider: Decider }[] = [];
    for (const decision of result.decided) if (decision.verdict !== 'accept') stopped.push({ sources: decision.sources, decider: { ...decision.decider, verdict: decision.verdict } });
    if (chain.base.policy === 'drop' && !isEmpty(result.returned)) {
      const text = table.source === 'nftables' ? `chain ${chain.name} { policy drop; }` : `-P ${chain.name} DROP`;
      stopped.push({ sources: result.returned, decider: { source: table.source, table: table.name, chain: chain.name, position: null, text, verdict: 'drop' } });
    }
    for (const stop of stopped) {
      const part = intersect(open, stop.sources);
      if (isEmpty(part)) continue;
      blocked.push({ sources: part, decider: stop.decider });
      open = subtract(open, part);
    }
  }
  return blocked;
}

function deciderKey(d: Decider): string {
  return `${d.source}\u0000${d.table}\u0000${d.chain}\u0000${d.position ?? 'policy'}`;
}

function describeBase(b: BaseChain): string {
  return `${b.table.source} ${b.table.name} ${b.chain.name} (${b.chain.base.hook}, priority ${b.chain.base.priority}, policy ${b.chain.base.policy})`;
}

/** Evaluates the tables for the check packet; sources are decided in both worlds or reported uncertain. */
export function evaluateFirewall(tables: Table[], packet: PacketContext): FirewallResult {
  const chains = baseChains(tables, packet);
  const reached = new Set<string>();
  const pessimistic = blocksIn(chains, packet, 'matches', reached);
  const optimistic = blocksIn(chains, packet, 'does-not-match', reached);
  const all = (blocks: { sources: Ranges }[]): Ranges => blocks.reduce<Ranges>((acc, b) => union(acc, b.sources), EMPTY);
  const blockedBoth = intersect(all(pessimistic), all(optimistic));

  // Name the rule of the world where unknown matches do not match: it is a rule the evaluator understood.
  const byDecider = new Map<string, Block>();
  for (const block of optimistic) {
    const part = intersect(block.sources, blockedBoth);
    if (isEmpty(part)) continue;
    const key = deciderKey(block.decider);
    const existing = byDecider.get(key);
    byDecider.set(key, { decider: block.decider, sources: existing ? union(existing.sources, part) : part });
  }

  const uncertain: FirewallResult['uncertain'] = [];
  const undecided = subtract(union(all(pessimistic), all(optimistic)), blockedBoth);
  if (!isEmpty(undecided)) uncertain.push({ sources: undecided, rules: [...reached] });
  return { blocks: [...byDecider.values()], uncertain, walked: chains.map(describeBase), notUnderstood: [...reached] };
}
