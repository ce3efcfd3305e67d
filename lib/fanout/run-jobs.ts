// Runs probe jobs with bounded concurrency inside a deadline: used in this process and inside the probe function.
// A job that cannot finish before the deadline is not started (left out, so the run reports it as not covered);
// a job whose collection throws comes back as PROBE_FAILED evidence instead of being lost.
import type { DataPlaneEvidence, ProbeJob } from '../model';
import type { Clock } from '../util/clock';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import { errorEvidence } from '../probe/evidence';
import { longestFirst } from './budget';
import { EVIDENCE_ERROR } from './protocol';

export type CollectEvidence = (job: ProbeJob) => Promise<DataPlaneEvidence>;

export interface RunJobsOptions {
  collect: CollectEvidence;
  concurrency: number;
  /** Epoch ms by which every started job must be done; null = no deadline. */
  deadlineAt: number | null;
  clock: Clock;
  /** The longest one job's collection can take. */
  estimateJobMs: (job: ProbeJob) => number;
}

export interface RunJobsResult {
  evidence: DataPlaneEvidence[];
  /** Jobs not started because they could not have finished before the deadline. */
  leftOut: ProbeJob[];
}

export async function runJobsWithinDeadline(jobs: readonly ProbeJob[], options: RunJobsOptions): Promise<RunJobsResult> {
  const { clock, deadlineAt } = options;
  const leftOut: ProbeJob[] = [];
  const outcomes = await mapLimit(longestFirst(jobs, options.estimateJobMs), options.concurrency, async (job): Promise<DataPlaneEvidence | null> => {
    if (deadlineAt !== null && clock.now() + options.estimateJobMs(job) > deadlineAt) {
      leftOut.push(job);
      return null;
    }
    try {
      return await options.collect(job);
    } catch (err) {
      return errorEvidence(job, EVIDENCE_ERROR.probeFailed, `probing crashed: ${errorMessage(err)}`, clock);
    }
  });
  return { evidence: outcomes.filter((e): e is DataPlaneEvidence => e !== null), leftOut };
}
