// The channel-neutral digest: one per target per run. Channels render it (lib/notify/<channel>/render.ts) and fit it
// to their limits (fit.ts); this module decides what it says: headline, entries, inhibition.
import { SEVERITY_ORDER, type FindingCode, type Severity } from '../../model';
import { backendKeyOf, listenerKeyOf } from '../fingerprint';
import { compareItems } from '../pending';
import type { DigestEvent, DigestItem, PendingDigest, RunContext, TargetMentions } from '../vocabulary';

export interface DigestEntry {
  event: DigestEvent;
  severity: Severity;
  code: FindingCode;
  previousCode: FindingCode | null;
  regionId: string;
  /** null: folded across load balancers (see fit.ts). */
  loadBalancerId: string | null;
  loadBalancerName: string;
  listener: string | null;
  backends: string[];
  /**
   * finding: one finding. listener: every backend of the listener fails with this code (inhibition: one item
   * replaces N). collapsed: identical causes folded into one line to fit a channel's limit.
   */
  scope: 'finding' | 'listener' | 'collapsed';
  /** The listener's backend count, when known. */
  listenerBackends: number | null;
  /** Findings this entry stands for. */
  count: number;
  loadBalancerIds: string[];
  evidenceLine: string;
  cause: string;
  remedy: string;
  reproduce: string | null;
}

export interface Digest {
  /** Short; always contains "SLB Doctor" (a DingTalk robot secured by keyword can use that keyword). */
  title: string;
  headline: string[];
  /** Most important first. */
  entries: DigestEntry[];
  /** Notices dropped while the target was unreachable for long. */
  overflow: number;
  /** The raw notices (the generic webhook sends these, not the rendered text). */
  items: DigestItem[];
  regionIds: string[];
  runIds: string[];
  generatedAt: number;
  /** New or changed problems (not only repeats and resolutions): the moment to @-mention people. */
  hasNewProblems: boolean;
  mentions: TargetMentions;
  contexts: RunContext[];
  /** Why this digest may repeat what the target already got (dedup off, an interrupted delivery); null normally. */
  possibleRepeat: string | null;
  /** Which part of the target's digest this is: 1 of 1, unless a channel sends it in parts (digestPart). */
  part: { number: number; of: number };
}

export const EVENT_LABEL: Record<DigestEvent, string> = { new: 'NEW', changed: 'CHANGED', repeat: 'STILL FAILING', resolved: 'RESOLVED' };
export const SEVERITIES_DESC: Severity[] = (Object.keys(SEVERITY_ORDER) as Severity[]).sort((a, b) => SEVERITY_ORDER[b] - SEVERITY_ORDER[a]);

/** Orders `ip:port` strings numerically (127.0.0.9 before 127.0.0.10). */
export function compareAddresses(a: string, b: string): number {
  const left = a.split(/[.:]/).map(Number);
  const right = b.split(/[.:]/).map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? -1) - (right[i] ?? -1);
    if (difference !== 0 && !Number.isNaN(difference)) return difference;
  }
  return a.localeCompare(b);
}

function entryOf(item: DigestItem): DigestEntry {
  const { summary } = item;
  const backend = backendKeyOf(summary.subject);
  return {
    event: item.event,
    severity: summary.severity,
    code: summary.code,
    previousCode: item.previousCode,
    regionId: summary.subject.regionId,
    loadBalancerId: summary.subject.loadBalancerId,
    loadBalancerName: summary.subject.loadBalancerName || summary.subject.loadBalancerId,
    listener: listenerKeyOf(summary.subject),
    backends: backend ? [backend] : [],
    scope: 'finding',
    listenerBackends: summary.listenerBackends,
    count: 1,
    loadBalancerIds: [summary.subject.loadBalancerId],
    evidenceLine: summary.evidenceLine,
    cause: summary.cause,
    remedy: summary.remedy,
    reproduce: summary.reproduce[0] ?? null,
  };
}

/**
 * Inhibition: when every backend of a listener fails with the same code (same event), one listener-level entry
 * replaces the N backend entries. Needs the listener's backend count; without it nothing is claimed about "every".
 */
function inhibit(items: DigestItem[]): DigestEntry[] {
  const groups = new Map<string, DigestItem[]>();
  const entries: DigestEntry[] = [];
  for (const item of items) {
    const { subject } = item.summary;
    if (!subject.listener || !subject.backend || item.summary.listenerBackends === null) {
      entries.push(entryOf(item));
      continue;
    }
    const key = [item.event, subject.regionId, subject.loadBalancerId, listenerKeyOf(subject)].join('|');
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const total = first.summary.listenerBackends ?? 0;
    const uniform = group.every((item) => item.summary.code === first.summary.code && item.previousCode === first.previousCode);
    if (group.length >= 2 && uniform && group.length >= total) {
      const entry = entryOf(first);
      entry.scope = 'listener';
      entry.backends = group.map((item) => backendKeyOf(item.summary.subject)!).sort(compareAddresses);
      entry.count = group.length;
      entries.push(entry);
    } else {
      entries.push(...group.map(entryOf));
    }
  }
  return entries;
}

const ENTRY_EVENT_RANK: Record<DigestEvent, number> = { new: 3, changed: 3, repeat: 1, resolved: 0 };

export function compareEntries(a: DigestEntry, b: DigestEntry): number {
  return (
    (a.event === 'resolved' ? 1 : 0) - (b.event === 'resolved' ? 1 : 0) ||
    SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] ||
    ENTRY_EVENT_RANK[b.event] - ENTRY_EVENT_RANK[a.event] ||
    (a.loadBalancerId ?? '').localeCompare(b.loadBalancerId ?? '') ||
    (a.listener ?? '').localeCompare(b.listener ?? '') ||
    compareAddresses(a.backends[0] ?? '', b.backends[0] ?? '')
  );
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function eventCounts(items: DigestItem[]): Record<DigestEvent, number> {
  const counts: Record<DigestEvent, number> = { new: 0, changed: 0, repeat: 0, resolved: 0 };
  for (const item of items) counts[item.event] += 1;
  return counts;
}

function eventsPhrase(counts: Record<DigestEvent, number>): string {
  const parts: string[] = [];
  if (counts.new) parts.push(`${counts.new} new`);
  if (counts.changed) parts.push(`${counts.changed} changed`);
  if (counts.repeat) parts.push(`${counts.repeat} still failing`);
  if (counts.resolved) parts.push(`${counts.resolved} resolved`);
  return parts.join(', ') || 'no change';
}

export function buildDigest(pending: Pick<PendingDigest, 'items' | 'overflow' | 'contexts'> & Partial<Pick<PendingDigest, 'possibleRepeat'>>, options: { now: number; mentions: TargetMentions }): Digest {
  const items = [...pending.items].sort(compareItems);
  const contexts = Object.values(pending.contexts).sort((a, b) => a.regionId.localeCompare(b.regionId));
  const regionIds = [...new Set([...contexts.map((c) => c.regionId), ...items.map((i) => i.summary.subject.regionId)])].sort();
  const runIds = [...new Set(items.map((item) => item.id.slice(0, item.id.indexOf(':'))))];
  const counts = eventCounts(items);

  // The title already says what happened; the headline says where things stand.
  const headline: string[] = [];
  const possibleRepeat = pending.possibleRepeat ?? null;
  if (possibleRepeat) headline.push(`Possible repeat: ${possibleRepeat}.`);
  const open: Record<Severity, number> = { critical: 0, error: 0, warning: 0, info: 0 };
  let affected = 0;
  for (const context of contexts) {
    for (const severity of SEVERITIES_DESC) open[severity] += context.openBySeverity[severity] ?? 0;
    affected += context.loadBalancersAffected;
  }
  const openParts = SEVERITIES_DESC.filter((s) => open[s] > 0).map((s) => `${open[s]} ${s}`);
  headline.push(openParts.length ? `Open now: ${openParts.join(' · ')} on ${plural(affected, 'load balancer')}` : 'Open now: nothing');
  const uncovered = contexts.flatMap((c) => c.uncovered);
  if (uncovered.length) {
    const reasons = [...new Set(uncovered.map((u) => u.reason))].slice(0, 2).join('; ');
    const ids = uncovered.slice(0, 3).map((u) => u.loadBalancerId).join(', ');
    headline.push(`Not examined this run: ${plural(uncovered.length, 'load balancer')} (${reasons}: ${ids}${uncovered.length > 3 ? ', …' : ''})`);
  }
  if (runIds.length > 1) headline.push(`Includes notices from ${plural(runIds.length - 1, 'earlier run')} that could not be delivered then.`);

  return {
    title: `SLB Doctor · ${regionIds.join(', ') || 'no region'}: ${eventsPhrase(counts)}${possibleRepeat ? ' (possible repeat)' : ''}`,
    headline,
    entries: inhibit(items).sort(compareEntries),
    overflow: pending.overflow,
    items,
    regionIds,
    runIds,
    generatedAt: options.now,
    hasNewProblems: counts.new + counts.changed > 0,
    mentions: options.mentions,
    contexts,
    possibleRepeat,
    part: { number: 1, of: 1 },
  };
}

/** A digest sent as one message: the chat channels fold what does not fit into `+N more` lines. */
export function asOneMessage(digest: Digest): Digest[] {
  return [digest];
}

/**
 * Part `number` of `of` of a digest: the same title, headline and runs, with only `items` (a slice of the digest's,
 * in its order) and the entries they make.
 */
export function digestPart(digest: Digest, items: DigestItem[], number: number, of: number): Digest {
  return { ...digest, items, entries: inhibit(items).sort(compareEntries), hasNewProblems: items.some((i) => i.event === 'new' || i.event === 'changed'), part: { number, of } };
}
