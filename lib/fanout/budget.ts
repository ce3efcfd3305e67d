// How long one job's evidence collection can take at worst, so that no job is started that cannot finish before
// the deadline (a function killed at its timeout would lose the whole run, notifications included).
import { extendedWaitMs } from '../diagnose/evidence';
import type { ProbeJob } from '../model';

/** Slack per job for the pauses between repeats and for scheduling. */
const JOB_SLACK_MS = 1_000;

/**
 * The slowest path collectEvidence takes: the replay times out, a GET variant times out, then the extended wait
 * (3× the timeout, capped). Fast failures repeat and try variants, but those answer quickly by definition.
 */
export function estimateJobMs(job: ProbeJob): number {
  return 2 * job.timeoutMs + extendedWaitMs(job.timeoutMs) + JOB_SLACK_MS;
}
