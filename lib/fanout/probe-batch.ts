// The probe function's logic: validate the batch, refuse every target outside the allowed CIDRs (answered as
// TARGET_NOT_ALLOWED evidence, never probed), probe the rest within the tighter of its own deadline and the caller's
// budget, and answer with the evidence of the jobs it finished.
import { errorEvidence } from '../probe/evidence';
import type { DataPlaneEvidence, ProbeJob } from '../model';
import type { Clock } from '../util/clock';
import { estimateJobMs as defaultEstimateJobMs } from './budget';
import { targetRefusal } from './cidr';
import type { Ipv4Cidr } from '../util/ipv4';
import { EVIDENCE_ERROR, MAX_PROBE_BATCH, parseProbeBatchRequest, type ProbeBatchResponse } from './protocol';
import { runJobsWithinDeadline, type CollectEvidence } from './run-jobs';

export interface ProbeBatchOptions {
  allowedCidrs: readonly Ipv4Cidr[];
  collect: CollectEvidence;
  concurrency: number;
  /** The function's own deadline (epoch ms). */
  deadlineAt: number;
  clock: Clock;
  maxBatch?: number;
  estimateJobMs?: (job: ProbeJob) => number;
}

export interface ProbeBatchOutcome extends ProbeBatchResponse {
  refused: number;
  leftOut: number;
}

export async function runProbeBatch(raw: unknown, options: ProbeBatchOptions): Promise<ProbeBatchOutcome> {
  const received = options.clock.now();
  const request = parseProbeBatchRequest(raw, options.maxBatch ?? MAX_PROBE_BATCH);
  const deadlineAt = request.budgetMs === null ? options.deadlineAt : Math.min(options.deadlineAt, received + request.budgetMs);
  const refused: DataPlaneEvidence[] = [];
  const allowed: ProbeJob[] = [];
  for (const job of request.jobs) {
    const reason = targetRefusal(job.ip, options.allowedCidrs);
    if (reason === null) allowed.push(job);
    else refused.push(errorEvidence(job, EVIDENCE_ERROR.targetNotAllowed, `refused by the probe function: ${reason}`, options.clock));
  }
  const { evidence, leftOut } = await runJobsWithinDeadline(allowed, {
    collect: options.collect,
    concurrency: options.concurrency,
    deadlineAt,
    clock: options.clock,
    estimateJobMs: options.estimateJobMs ?? defaultEstimateJobMs,
  });
  return { evidence: [...refused, ...evidence], refused: refused.length, leftOut: leftOut.length };
}
