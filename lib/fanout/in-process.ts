// The default executor: probe from this process (the CLI, or the audit function when no probe functions are
// configured), with one scheduler bounding the probes in flight.
import { collectEvidence } from '../probe/evidence';
import type { ProbeExecutor, ProbeJob } from '../model';
import { DEFAULT_PROBE_CONCURRENCY, ProbeScheduler } from '../probe/scheduler';
import { systemClock, type Clock } from '../util/clock';
import { estimateJobMs as defaultEstimateJobMs } from './budget';
import { runJobsWithinDeadline, type CollectEvidence } from './run-jobs';

export interface InProcessOptions {
  /** Probes in flight at most (also the jobs collected at once); default 64. */
  concurrency?: number;
  /** Collects one job's evidence; default: lib/probe collectEvidence with this executor's scheduler. */
  collect?: CollectEvidence;
  clock?: Clock;
  estimateJobMs?: (job: ProbeJob) => number;
}

export function inProcessExecutor(options: InProcessOptions = {}): ProbeExecutor {
  const concurrency = options.concurrency ?? DEFAULT_PROBE_CONCURRENCY;
  const scheduler = new ProbeScheduler({ concurrency });
  const collect = options.collect ?? ((job: ProbeJob) => collectEvidence(job, scheduler, options.clock ? { clock: options.clock } : {}));
  return async (jobs, { deadlineAt }) =>
    (
      await runJobsWithinDeadline(jobs, {
        collect,
        concurrency,
        deadlineAt,
        clock: options.clock ?? systemClock,
        estimateJobMs: options.estimateJobMs ?? defaultEstimateJobMs,
      })
    ).evidence;
}
