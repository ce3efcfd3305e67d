// Sandboxes that coexist. When a scenario's backend addresses are taken (a running `slb-doctor sandbox`, the demo, a
// test run in another checkout), the sandbox moves the whole scenario to free loopback /16 blocks: 127.a.x.y becomes
// 127.b.x.y everywhere in the scenario (ECS private IPs, VPC CIDRs, security-group sources, endpoint IPs and options,
// listener domains, expected-finding keys), so the SLB and ECS APIs, SLB's checker and the backends keep agreeing.
// Only the second octet changes, so every CIDR of /16 or narrower keeps its shape; wider ones (0.0.0.0/0, 127.0.0.0/8)
// already contain the new addresses and stay as they are.
import { randomInt } from 'node:crypto';
import type { Scenario } from './scenario/types';

/** 127.100.x.x holds SLB's checker source (127.100.64.0/24): never moved, never a target. */
const CHECKER_BLOCK = 100;
/** A dotted quad inside 127.0.0.0/8, optionally with a prefix length; not part of a longer number or address. */
const LOOPBACK_TEXT = /(?<![0-9.])127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?(?![0-9]|\.[0-9])/g;

/** Second octet moved → second octet now used. */
export type BlockMoves = ReadonlyMap<number, number>;

/** What the sandbox tells its user when it did not keep the scenario's addresses. */
export interface SandboxRelocation {
  /** Why: the first address found in use, e.g. "tcp 127.0.0.11:8080 is in use". */
  reason: string;
  /** Each moved block, e.g. { from: "127.0.0.0/16", to: "127.37.0.0/16" }. */
  blocks: Array<{ from: string; to: string }>;
}

/** Rewrites every loopback address or CIDR inside a moved block; everything else is left alone. */
export function relocateText(text: string, moves: BlockMoves): string {
  if (moves.size === 0) return text;
  return text.replace(LOOPBACK_TEXT, (match: string, second: string, third: string, fourth: string, prefix: string | undefined) => {
    const target = moves.get(Number(second));
    if (target === undefined || (prefix !== undefined && Number(prefix) < 16)) return match;
    return `127.${target}.${third}.${fourth}${prefix === undefined ? '' : `/${prefix}`}`;
  });
}

/** The scenario with every moved block rewritten (a deep copy; the input is not changed). */
export function relocateScenario(scenario: Scenario, moves: BlockMoves): Scenario {
  return JSON.parse(relocateText(JSON.stringify(scenario), moves)) as Scenario;
}

/** The /16 blocks (second octets) the scenario's own addresses live in. */
export function scenarioBlocks(scenario: Scenario): number[] {
  const blocks = new Set<number>();
  for (const match of JSON.stringify(scenario).matchAll(LOOPBACK_TEXT)) {
    const prefix = match[4];
    if (prefix !== undefined && Number(prefix) < 16) continue;
    const second = Number(match[1]);
    if (second <= 255 && second !== CHECKER_BLOCK) blocks.add(second);
  }
  return [...blocks].sort((a, b) => a - b);
}

/**
 * Why the scenario cannot be moved, or null when it can: endpoints the sandbox does not start itself are at fixed
 * addresses, and a scenario using more blocks than are left has nowhere to go.
 */
export function whyNotRelocatable(scenario: Scenario): string | null {
  const external = scenario.endpoints.find((endpoint) => 'external' in endpoint);
  if (external) return `endpoint ${external.ip}:${external.port} is external (already running), so the scenario's addresses cannot move`;
  if (scenarioBlocks(scenario).length > 120) return 'the scenario uses too many 127.x.0.0/16 blocks to move';
  return null;
}

/** Random distinct free-looking target blocks for `blocks` (the bind attempt that follows is the real test). */
export function pickTargetBlocks(blocks: readonly number[], avoid: ReadonlySet<number> = new Set()): Map<number, number> {
  const taken = new Set<number>([0, CHECKER_BLOCK, 255, ...blocks, ...avoid]);
  const candidates: number[] = [];
  for (let second = 1; second < 255; second += 1) if (!taken.has(second)) candidates.push(second);
  const moves = new Map<number, number>();
  for (const block of blocks) {
    const [target] = candidates.splice(randomInt(candidates.length), 1);
    if (target === undefined) break;
    moves.set(block, target);
  }
  return moves;
}

export function describeMoves(reason: string, moves: BlockMoves): SandboxRelocation {
  return { reason, blocks: [...moves].map(([from, to]) => ({ from: `127.${from}.0.0/16`, to: `127.${to}.0.0/16` })) };
}
