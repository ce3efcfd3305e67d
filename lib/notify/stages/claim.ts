// Stage 2, claim: in the same write as the plan, this run takes each target's digest unless another live run is
// sending it. The claim names its owner (pid, host) and lives only as long as the owner's heartbeat renews it, so a
// run that died is taken over at once on its own host and within one lease anywhere else.
import { claimPending, renewClaim, type ClaimOwner } from '../pending';
import type { NotifyTarget } from '../types';
import type { NotifyState, PendingDigest } from '../vocabulary';

export interface Claimed {
  /** A copy of the digest this run claimed to send; null when there is nothing or another run holds it. */
  digest: PendingDigest | null;
  heldBy: string | null;
}

/**
 * The digest as claimed, unaffected by later writes to the state: its own queue, contexts and claim. The queued items
 * themselves are shared, as nothing changes an item once it is queued (a newer notice replaces it): a deep copy of a
 * 10,000-load-balancer queue cost some 20 MB for nothing.
 */
function claimedCopy(pending: PendingDigest): PendingDigest {
  return { ...pending, items: [...pending.items], contexts: { ...pending.contexts }, claim: pending.claim ? { ...pending.claim } : null };
}

export function claimTargets(state: NotifyState, targets: NotifyTarget[], context: { runId: string; now: number; leaseMs: number; owner: ClaimOwner }): Record<string, Claimed> {
  const claims: Record<string, Claimed> = {};
  for (const target of targets) {
    const pending = state.pending[target.key];
    if (!pending) {
      claims[target.key] = { digest: null, heldBy: null };
      continue;
    }
    const taken = claimPending(pending, context.runId, context.now, context.leaseMs, context.owner);
    claims[target.key] = { digest: taken ? claimedCopy(pending) : null, heldBy: taken ? null : (pending.claim?.runId ?? null) };
  }
  return claims;
}

export function renewClaims(state: NotifyState, targetKeys: Iterable<string>, runId: string, now: number, leaseMs: number): void {
  for (const key of targetKeys) {
    const pending = state.pending[key];
    if (pending) renewClaim(pending, runId, now, leaseMs);
  }
}

/**
 * Renews this run's claims every `intervalMs` until stopped; `keys` shrinks as targets settle. Writes go through the
 * run's write queue so a heartbeat never overtakes a settlement.
 */
export function startHeartbeat(options: {
  keys: Set<string>;
  intervalMs: number;
  renew: (keys: ReadonlySet<string>) => Promise<void>;
  onError: (err: unknown) => void;
}): () => void {
  if (options.keys.size === 0) return () => undefined;
  const timer = setInterval(() => {
    if (options.keys.size > 0) options.renew(options.keys).catch(options.onError);
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
