// The per-target outbox kept in the state: a digest is queued in the same write that marks its findings as told,
// claimed by the run that sends it, and removed only once delivered. Nothing is lost when a target is down.
import { SEVERITY_ORDER } from '../model';
import { knownDead, processAlive, thisProcessIdentity } from '../util/liveness';
import type { DigestClaim, DigestItem, PendingDigest, RunContext } from './vocabulary';

/**
 * A target down for days must not grow the state without bound: beyond this many notices the least important ones
 * carried over from earlier runs go. A run's own notices are never dropped (a program behind a webhook expects
 * every finding of the run; the webhook sends them in parts), so the queue holds at most this or one run's notices.
 */
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
  const pending: PendingDigest = existing ?? { items: [], overflow: 0, queuedAt: now, attempts: 0, lastError: null, claim: null, possibleRepeat: null, contexts: {} };
  pending.contexts[context.regionId] = context;
  // Where each fingerprint sits in the queue: one run's thousands of notices cost one pass, not one scan each.
  const position = new Map(pending.items.map((queued, index) => [queued.fingerprint, index]));
  for (const incoming of items) {
    const index = position.get(incoming.fingerprint);
    if (index === undefined) {
      position.set(incoming.fingerprint, pending.items.push(incoming) - 1);
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
  const limit = Math.max(MAX_PENDING_ITEMS, items.length);
  if (pending.items.length > limit) {
    const fresh = new Set(items.map((item) => item.fingerprint));
    const carried = pending.items.filter((item) => !fresh.has(item.fingerprint)).sort(compareItems);
    const kept = carried.slice(0, limit - (pending.items.length - carried.length));
    pending.overflow += carried.length - kept.length;
    pending.items = [...pending.items.filter((item) => fresh.has(item.fingerprint)), ...kept].sort(compareItems);
  }
  return pending;
}

export interface ClaimOwner {
  pid: number;
  host: string;
  /** Whether a process of this host is still running (injectable for tests). */
  alive: (pid: number) => boolean;
}

export function thisProcess(): ClaimOwner {
  return { ...thisProcessIdentity(), alive: processAlive };
}

/** A claim whose owner is known to be gone (same host, process ended) or whose heartbeat stopped. */
export function claimIsDead(claim: DigestClaim, now: number, owner: ClaimOwner): boolean {
  if (claim.until <= now) return true;
  return knownDead(claim, owner, owner.alive);
}

/**
 * Takes the digest for this run unless another live run holds it. Taking over another run's claim means that run
 * stopped mid-delivery: what it sent may have arrived, so the next send says it may repeat.
 */
export function claimPending(pending: PendingDigest, runId: string, now: number, leaseMs: number, owner: ClaimOwner = thisProcess()): boolean {
  const held = pending.claim;
  if (held && held.runId !== runId) {
    if (!claimIsDead(held, now, owner)) return false;
    pending.possibleRepeat ??= `an earlier run (${held.runId}) stopped while delivering this digest; it may have arrived`;
  }
  pending.claim = { runId, until: now + leaseMs, pid: owner.pid, host: owner.host };
  return true;
}

/** The owner's heartbeat: keeps its claim alive for another lease. */
export function renewClaim(pending: PendingDigest, runId: string, now: number, leaseMs: number): void {
  if (pending.claim?.runId === runId) pending.claim.until = now + leaseMs;
}

/** Gives the digest back untried (interrupted, no time left): nothing was sent, so nothing may repeat. */
export function releaseClaim(pending: PendingDigest, runId: string): void {
  if (pending.claim?.runId === runId) pending.claim = null;
}

export type SendOutcome =
  | { kind: 'delivered' }
  | { kind: 'failed'; error: string }
  /** The request was cut off (interrupted) after it may have reached the target. */
  | { kind: 'unknown'; error: string };

/**
 * After a send: the items of every message the target accepted are removed (others may have been queued meanwhile),
 * whatever happened to the rest; `outcome` is what became of the rest, or null when it goes back untried.
 */
export function settlePending(pending: PendingDigest, runId: string, sent: { ids: ReadonlySet<string>; overflow: number }, outcome: SendOutcome | null): void {
  releaseClaim(pending, runId);
  pending.items = pending.items.filter((item) => !sent.ids.has(item.id));
  pending.overflow = Math.max(0, pending.overflow - sent.overflow);
  if (outcome === null) return;
  if (outcome.kind === 'delivered') {
    pending.attempts = 0;
    pending.lastError = null;
    pending.possibleRepeat = null;
    return;
  }
  pending.attempts += 1;
  pending.lastError = outcome.error;
  if (outcome.kind === 'unknown') pending.possibleRepeat = `the previous delivery was interrupted mid-request (${outcome.error}); it may have arrived`;
}
