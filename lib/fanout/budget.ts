// How long one job's evidence collection can take at worst, so that no job is started that cannot finish before
// the deadline (a function killed at its timeout would lose the whole run, notifications included).
import { worstCaseEvidenceMs } from '../probe/evidence';
import type { ProbeJob } from '../model';

export function estimateJobMs(job: ProbeJob): number {
  return worstCaseEvidenceMs(job.timeoutMs);
}

/**
 * Longest worst case first (LPT scheduling): a backend that may hang for 5× a long timeout starts at once instead of
 * at the tail of the run, where it alone would decide the wall time. Stable, so equal items keep their order.
 */
export function longestFirst<T>(items: readonly T[], cost: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, cost: cost(item) }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index)
    .map((entry) => entry.item);
}
