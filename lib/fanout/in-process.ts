// The default executor: probe from this process (the CLI, or the audit function when no probe functions are
// configured), with one scheduler bounding the probes in flight. Jobs may be submitted while others run (the
// streaming audit); each starts as soon as a slot is free, so no job waits for another one to finish.
import { collectEvidence, errorEvidence } from '../probe/evidence';
import type { DataPlaneEvidence, ProbeExecutor, ProbeJob, ProbeSession, ProbeSessionOptions } from '../model';
import { DEFAULT_PROBE_CONCURRENCY, ProbeScheduler } from '../probe/scheduler';
import { systemClock, type Clock } from '../util/clock';
import { errorMessage } from '../util/errors';
import { estimateJobMs as defaultEstimateJobMs } from './budget';
import { EVIDENCE_ERROR } from './protocol';
import type { CollectEvidence } from './run-jobs';
import { openWorkPool } from './work-pool';

export interface InProcessOptions {
  /** Probes in flight at most (also the jobs collected at once); default 64. */
  concurrency?: number;
  /** Collects one job's evidence; default: lib/probe collectEvidence with this executor's scheduler. */
  collect?: CollectEvidence;
  clock?: Clock;
  estimateJobMs?: (job: ProbeJob) => number;
}

export function inProcessExecutor(options: InProcessOptions = {}): ProbeExecutor & { open: NonNullable<ProbeExecutor['open']> } {
  const concurrency = options.concurrency ?? DEFAULT_PROBE_CONCURRENCY;
  const scheduler = new ProbeScheduler({ concurrency });
  const clock = options.clock ?? systemClock;
  const estimate = options.estimateJobMs ?? defaultEstimateJobMs;
  const collect = options.collect ?? ((job: ProbeJob) => collectEvidence(job, scheduler, options.clock ? { clock: options.clock } : {}));

  const open = ({ deadlineAt, onEvidence }: ProbeSessionOptions): ProbeSession => {
    // Evidence in the order the jobs were submitted, whatever order they finish in (unless onEvidence takes it).
    const results: Array<DataPlaneEvidence | null> = [];
    const done = (index: number, evidence: DataPlaneEvidence): void => {
      if (onEvidence) onEvidence(evidence);
      else results[index] = evidence;
    };
    const pool = openWorkPool<{ job: ProbeJob; index: number }>({
      concurrency,
      cost: ({ job }) => estimate(job),
      run: async ({ job, index }) => {
        // A job that could not finish before the deadline is not started: the run reports it as not covered.
        if (deadlineAt !== null && clock.now() + estimate(job) > deadlineAt) return;
        let evidence: DataPlaneEvidence;
        try {
          evidence = await collect(job);
        } catch (err) {
          evidence = errorEvidence(job, EVIDENCE_ERROR.probeFailed, `probing crashed: ${errorMessage(err)}`, clock);
        }
        done(index, evidence);
      },
    });
    let submitted = 0;
    return {
      submit: (jobs) => {
        pool.add(jobs.map((job) => ({ job, index: submitted++ })));
      },
      finish: async () => {
        await pool.close();
        return results.filter((e): e is DataPlaneEvidence => e !== null && e !== undefined);
      },
    };
  };
  const execute = async (jobs: ProbeJob[], executeOptions: { deadlineAt: number | null }): Promise<DataPlaneEvidence[]> => {
    const session = open(executeOptions);
    session.submit(jobs);
    return session.finish();
  };
  return Object.assign(execute, { open });
}
