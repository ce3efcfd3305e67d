// Fitting a digest into a channel's limit, never failing for size. Candidates from most to least detailed: drop
// the lowest severities first, then fold identical causes into one line with a count (per load balancer, then
// fleet-wide), and finally keep the most important prefix and say `+N more`.
import { SEVERITY_ORDER, type Severity } from '../../model';
import { compareAddresses, compareEntries, EVENT_LABEL, type Digest, type DigestEntry } from './model';
import { clip } from '../../util/text';

export type Detail = 'full' | 'compact' | 'brief';

export interface ViewListener {
  listener: string | null;
  entries: DigestEntry[];
}

export interface ViewGroup {
  /** null for entries folded across load balancers. */
  loadBalancerId: string | null;
  loadBalancerName: string;
  listeners: ViewListener[];
}

export interface DigestView {
  title: string;
  headline: string[];
  /** Open problems, grouped load balancer → listener, most important group first. */
  groups: ViewGroup[];
  resolved: DigestEntry[];
  /** Findings left out of this rendering (`+N more`). */
  more: number;
  detail: Detail;
  digest: Digest;
}

export interface ChannelRenderer<P> {
  render(view: DigestView): P;
  fits(payload: P): boolean;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

// One line, at most N characters (untrusted text from backends can be long or multi-line).
export { clip };

export interface EntryText {
  label: string;
  code: string;
  where: string;
  evidence: string | null;
  remedy: string | null;
  reproduce: string | null;
}

function listOf(values: string[], max: number): string {
  return values.length <= max ? values.join(', ') : `${values.slice(0, max).join(', ')}, +${values.length - max}`;
}

/** The words of one entry, before a channel adds its markup. */
export function entryText(entry: DigestEntry, detail: Detail): EntryText {
  const label = entry.event === 'changed' && entry.previousCode ? `${EVENT_LABEL.changed} from ${entry.previousCode}` : EVENT_LABEL[entry.event];
  let where: string;
  if (entry.scope === 'listener') {
    const all = entry.listenerBackends !== null && entry.count >= entry.listenerBackends ? `all ${entry.count}` : `${entry.count}`;
    where = `${all} backends of ${entry.listener ?? 'the listener'}` + (detail === 'brief' ? '' : ` (${listOf(entry.backends, 3)})`);
  } else if (entry.scope === 'collapsed') {
    const lbs = entry.loadBalancerIds.length > 1 ? ` on ${entry.loadBalancerIds.length} load balancers (${listOf(entry.loadBalancerIds, 3)})` : '';
    const backends = entry.backends.length > 0 ? ` — ${listOf(entry.backends, 3)}` : '';
    where = `× ${entry.count}${lbs}${backends}`;
  } else {
    where = entry.backends[0] ?? (entry.listener ? `listener ${entry.listener}` : 'load balancer');
  }
  return {
    label,
    code: entry.code,
    where,
    evidence: detail === 'brief' || !(entry.evidenceLine || entry.cause) ? null : clip(entry.evidenceLine || entry.cause, 240),
    remedy: clip(entry.remedy, detail === 'brief' ? 160 : 300) || null,
    reproduce: detail === 'full' && entry.reproduce ? clip(entry.reproduce, 240) : null,
  };
}

function merge(group: DigestEntry[], acrossLoadBalancers: boolean): DigestEntry {
  const first = group[0]!;
  if (group.length === 1) return first;
  const listeners = [...new Set(group.map((e) => e.listener))];
  const same = (pick: (e: DigestEntry) => string | null): boolean => group.every((e) => pick(e) === pick(first));
  return {
    ...first,
    scope: 'collapsed',
    loadBalancerId: acrossLoadBalancers ? null : first.loadBalancerId,
    loadBalancerName: acrossLoadBalancers ? 'Across load balancers' : first.loadBalancerName,
    listener: listeners.length === 1 ? (listeners[0] ?? null) : null,
    backends: [...new Set(group.flatMap((e) => e.backends))].sort(compareAddresses),
    count: group.reduce((sum, e) => sum + e.count, 0),
    loadBalancerIds: [...new Set(group.flatMap((e) => e.loadBalancerIds))].sort(),
    // One line stands for many: show a detail only when it is true of all of them.
    evidenceLine: same((e) => e.evidenceLine) ? first.evidenceLine : '',
    cause: same((e) => e.cause) ? first.cause : '',
    remedy: same((e) => e.remedy) ? first.remedy : '',
    reproduce: same((e) => e.reproduce) ? first.reproduce : null,
  };
}

/**
 * Folds entries with the same event, code and severity into one with a count: per load balancer when their remedy
 * is the same too, or fleet-wide.
 */
export function collapseIdentical(entries: DigestEntry[], acrossLoadBalancers: boolean): DigestEntry[] {
  const groups = new Map<string, DigestEntry[]>();
  for (const entry of entries) {
    const scope = acrossLoadBalancers ? [] : [`${entry.regionId}/${entry.loadBalancerId}`, entry.remedy];
    const key = [entry.event, entry.previousCode, entry.code, entry.severity, ...scope].join('|');
    const group = groups.get(key) ?? [];
    group.push(entry);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => merge(group, acrossLoadBalancers)).sort(compareEntries);
}

function countOf(entries: DigestEntry[]): number {
  return entries.reduce((sum, e) => sum + e.count, 0);
}

export function buildView(digest: Digest, entries: DigestEntry[], detail: Detail, more: number): DigestView {
  const groups: ViewGroup[] = [];
  const byLoadBalancer = new Map<string, ViewGroup>();
  const resolved: DigestEntry[] = [];
  for (const entry of entries) {
    if (entry.event === 'resolved') {
      resolved.push(entry);
      continue;
    }
    const key = `${entry.regionId}/${entry.loadBalancerId ?? '*'}`;
    let group = byLoadBalancer.get(key);
    if (!group) {
      group = { loadBalancerId: entry.loadBalancerId, loadBalancerName: entry.loadBalancerName, listeners: [] };
      byLoadBalancer.set(key, group);
      groups.push(group);
    }
    let listener = group.listeners.find((l) => l.listener === entry.listener);
    if (!listener) {
      listener = { listener: entry.listener, entries: [] };
      group.listeners.push(listener);
    }
    listener.entries.push(entry);
  }
  return { title: digest.title, headline: digest.headline, groups, resolved, more: more + digest.overflow, detail, digest };
}

/** Severity floors to try: everything, then without info, then without info and warnings (never below error). */
function severityTiers(entries: DigestEntry[]): DigestEntry[][] {
  const tiers: DigestEntry[][] = [entries];
  for (const floor of ['warning', 'error'] as Severity[]) {
    const kept = entries.filter((e) => SEVERITY_ORDER[e.severity] >= SEVERITY_ORDER[floor]);
    if (kept.length > 0 && kept.length < tiers[tiers.length - 1]!.length) tiers.push(kept);
  }
  return tiers;
}

export function fitDigest<P>(digest: Digest, renderer: ChannelRenderer<P>): { payload: P; view: DigestView } {
  const total = countOf(digest.entries);
  const attempt = (entries: DigestEntry[], detail: Detail): { payload: P; view: DigestView } | null => {
    const view = buildView(digest, entries, detail, total - countOf(entries));
    const payload = renderer.render(view);
    return renderer.fits(payload) ? { payload, view } : null;
  };
  const perLoadBalancer = collapseIdentical(digest.entries, false);
  const fleetWide = collapseIdentical(digest.entries, true);
  const shapes: { entries: DigestEntry[]; details: Detail[] }[] = [
    { entries: digest.entries, details: ['full', 'compact'] },
    { entries: perLoadBalancer, details: ['compact', 'brief'] },
    { entries: fleetWide, details: ['brief'] },
  ];
  for (const shape of shapes) {
    for (const tier of severityTiers(shape.entries)) {
      for (const detail of shape.details) {
        const fitted = attempt(tier, detail);
        if (fitted) return fitted;
      }
    }
  }
  // Largest prefix (most important first) that fits.
  let low = 0;
  let high = fleetWide.length;
  let best = attempt([], 'brief');
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    const fitted = attempt(fleetWide.slice(0, middle), 'brief');
    if (fitted) {
      best = fitted;
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  if (best) return best;
  // Only a headline longer than the whole limit gets here: shed it line by line, then shorten the title.
  const bare = buildView(digest, [], 'brief', total);
  for (let lines = bare.headline.length - 1; lines >= 0; lines--) {
    const view = { ...bare, headline: bare.headline.slice(0, lines) };
    const payload = renderer.render(view);
    if (renderer.fits(payload)) return { payload, view };
  }
  const view = { ...bare, headline: [], title: clip(bare.title, 60) };
  return { payload: renderer.render(view), view };
}
