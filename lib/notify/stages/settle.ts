// Stage 5, settle: each target's outcome is written as soon as it is known (a digest the target accepted is recorded
// before the next one is sent, so an interruption cannot make it repeat), and claims this run did not use are
// released so the next run delivers at once.
import { releaseClaim, settlePending, type SendOutcome } from '../pending';
import type { NotifyState, PendingDigest } from '../vocabulary';

export function settleTarget(state: NotifyState, targetKey: string, runId: string, claimed: PendingDigest, outcome: SendOutcome | null): void {
  const pending = state.pending[targetKey];
  if (!pending) return;
  if (outcome === null) {
    releaseClaim(pending, runId);
    return;
  }
  settlePending(pending, runId, { ids: new Set(claimed.items.map((i) => i.id)), overflow: claimed.overflow }, outcome);
  if (pending.items.length === 0 && pending.overflow === 0) delete state.pending[targetKey];
}
