// Stage 5, settle: each target's outcome is written as soon as it is known (a digest the target accepted is recorded
// before the next one is sent, so an interruption cannot make it repeat; so is every part of one the target
// accepted before a later part failed), and claims this run did not use are released so the next run delivers at once.
import { settlePending, type SendOutcome } from '../pending';
import type { NotifyState, PendingDigest } from '../vocabulary';

export interface Settlement {
  /** What became of the notices not yet accepted; null when they go back untried (claim released, nothing may repeat). */
  outcome: SendOutcome | null;
  /** Ids of the items in the messages the target accepted. */
  delivered: ReadonlySet<string>;
}

export function settleTarget(state: NotifyState, targetKey: string, runId: string, claimed: PendingDigest, settlement: Settlement): void {
  const pending = state.pending[targetKey];
  if (!pending) return;
  // The overflow count goes with the last message: only a complete delivery has told the target about it.
  const overflow = settlement.outcome?.kind === 'delivered' ? claimed.overflow : 0;
  settlePending(pending, runId, { ids: settlement.delivered, overflow }, settlement.outcome);
  if (pending.items.length === 0 && pending.overflow === 0) delete state.pending[targetKey];
}
