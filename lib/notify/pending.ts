// The per-target outbox kept in the state: a digest is queued in the same write that marks its findings as told,
// claimed by the run that sends it, and removed only once delivered. Nothing is lost when a target is down.
import { SEVERITY_ORDER } from '../model';
import type { DigestItem, PendingDigest, RunContext } from '../state/types';

/** A target down for days must not grow the state without bound: beyond this the least important notices go. */
export const MAX_PENDING_ITEMS = 2000;

const EVENT_RANK: Record<DigestItem['event'], number> = { new: 3, changed: 3, repeat: 1, resolved: 0 };

/** Most important first: open problems by severity (new before repeats), resolved notices last. */
export function compareItems(a: DigestItem, b: DigestItem): number {
  const resolvedA = a.event === 'resolved' ? 1 : 0;
  const resolvedB = b.event === 'resolved' ? 1 : 0;
  return (
    resolvedA - resolvedB ||
    SEVERITY_ORDER[b.summary.severity] - SEVERITY_ORDER[a.summary.severity] ||
    EVENT_RANK[b.event] - EVENT_RANK[a.event] ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

export function mergePending(existing: PendingDigest | undefined, items: DigestItem[], context: RunContext, now: number): PendingDigest {
  const pending: PendingDigest = existing ?? { items: [], overflow: 0, queuedAt: now, attempts: 0, lastError: null, claim: null, contexts: {} };
  pending.contexts[context.regionId] = context;
  for (const incoming of items) {
    const index = pending.items.findIndex((queued) => queued.fingerprint === incoming.fingerprint);
    if (index < 0) {
      pending.items.push(incoming);
      continue;
    }
    const queued = pending.items[index]!;
    // Nobody has seen the queued "new" yet: a later repeat only refreshes it. Anything else supersedes it.
    if ((queued.event === 'new' || queued.event === 'changed') && incoming.event === 'repeat') {
      pending.items[index] = { ...queued, summary: incoming.summary };
    } else {
      pending.items[index] = incoming;
    }
  }
  if (pending.items.length > MAX_PENDING_ITEMS) {
    pending.items.sort(compareItems);
    pending.overflow += pending.items.length - MAX_PENDING_ITEMS;
    pending.items.length = MAX_PENDING_ITEMS;
  }
  return pending;
}

/** Takes the digest for this run unless another run holds a live claim on it. */
export function claimPending(pending: PendingDigest, runId: string, now: number, leaseMs: number): boolean {
  if (pending.claim && pending.claim.runId !== runId && pending.claim.until > now) return false;
  pending.claim = { runId, until: now + leaseMs };
  return true;
}

/** After a send: a delivery removes exactly the items that were sent (others may have been queued meanwhile). */
export function settlePending(
  pending: PendingDigest,
  runId: string,
  sent: { ids: ReadonlySet<string>; overflow: number },
  outcome: { delivered: boolean; error: string | null },
): void {
  if (pending.claim?.runId === runId) pending.claim = null;
  if (outcome.delivered) {
    pending.items = pending.items.filter((item) => !sent.ids.has(item.id));
    pending.overflow = Math.max(0, pending.overflow - sent.overflow);
    pending.attempts = 0;
    pending.lastError = null;
  } else {
    pending.attempts += 1;
    pending.lastError = outcome.error;
  }
}
