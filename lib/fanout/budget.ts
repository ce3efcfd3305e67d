// How long one job's evidence collection can take at worst, so that no job is started that cannot finish before
// the deadline (a function killed at its timeout would lose the whole run, notifications included).
import { worstCaseEvidenceMs } from '../diagnose/evidence';
import type { ProbeJob } from '../model';

export function estimateJobMs(job: ProbeJob): number {
  return worstCaseEvidenceMs(job.timeoutMs);
}
