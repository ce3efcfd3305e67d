// How much of a time budget to hold back for what must still happen after the work (returning the function's result,
// diagnosing and notifying): one formula, each caller choosing its share.

/** `share` of the budget, at least 2 s and at most 30 s, and never more than half the budget (whole ms). */
export function reserveMs(budgetMs: number, share: number): number {
  return Math.floor(Math.min(30_000, Math.max(2_000, budgetMs * share), budgetMs / 2));
}
