// Fans probe jobs out to the probe function attached to each backend's VPC: jobs grouped by VPC, sent in batches
// (synchronous InvokeFunction) with bounded concurrency. A batch that keeps failing comes back as PROBE_FAILED
// evidence; a VPC with no probe function as NO_PROBER_FOR_VPC; a batch that cannot finish before the deadline is
// not sent, and its jobs are left out so the run reports them as not covered.
import { FcInvocationError, type FcClient } from '../cloud/fc';
import { errorEvidence } from '../probe/evidence';
import type { DataPlaneEvidence, ProbeExecutor, ProbeJob } from '../model';
import { systemClock, type Clock } from '../util/clock';
import { mapLimit } from '../util/concurrency';
import { UserFacingError, errorMessage } from '../util/errors';
import { isWholeNumberIn } from '../util/numbers';
import { withRetry, type RetryPolicy } from '../util/retry';
import { estimateJobMs as defaultEstimateJobMs, longestFirst } from './budget';
import { EVIDENCE_ERROR, MAX_PROBE_BATCH, parseProbeBatchResponse, type ProbeBatchRequest } from './protocol';
import type { ProbeFunctionRef, VpcProbeMap } from './vpc-map';

// Small batches: an invocation returns when its slowest backend is done, and one backend that hangs until its
// timeout holds the whole batch (docs/performance.md measured 16 jobs × 4 invocations at 5.7× the bound, 2 × 32 at 2.6×).
export const DEFAULT_BATCH_SIZE = 2;
export const DEFAULT_FANOUT_CONCURRENCY = 32;
/** Time an invocation needs beyond the probing itself (request, cold start, reply); a batch needs at least this much. */
export const INVOCATION_OVERHEAD_MS = 3_000;
/** FC 2.0's longest function timeout: an invocation never needs to be waited on longer. */
const MAX_FUNCTION_TIMEOUT_MS = 600_000;
// FC answers 429 while every instance is busy: waiting for one is worth more than giving the batch up (the deadline
// still bounds the wait).
const DEFAULT_RETRY: Partial<RetryPolicy> = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 5_000, maxTotalMs: 60_000 };

export interface FcFanoutOptions {
  fc: Pick<FcClient, 'invokeSync'>;
  vpcMap: VpcProbeMap;
  /** Jobs per invocation (1 … MAX_PROBE_BATCH); default 2. */
  batchSize?: number;
  /** Invocations in flight at most; default 32. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  estimateJobMs?: (job: ProbeJob) => number;
  random?: () => number;
}

export interface FanoutStats {
  /** InvokeFunction requests sent, retries included. */
  invocations: number;
  batches: number;
  failedBatches: number;
  retries: number;
  /** Jobs with no probe function for their VPC. */
  noProber: number;
  /** Jobs not sent (or not finished remotely) because the deadline came first. */
  leftOut: number;
}

export type FcFanoutExecutor = ProbeExecutor & { readonly stats: FanoutStats };

interface Batch {
  vpcId: string;
  target: ProbeFunctionRef;
  jobs: ProbeJob[];
}

class DeadlineReached extends Error {}

function checkPositiveInt(name: string, value: number, max: number): number {
  if (!isWholeNumberIn(value, 1, max)) {
    throw new UserFacingError(`fan-out ${name} must be a whole number from 1 to ${max}, got ${value}.`, 'CONFIG_INVALID');
  }
  return value;
}

/**
 * Batches of jobs with similar worst cases, the longest first, in round-robin order across VPCs among equals, so that
 * one large VPC does not use up the deadline alone and no slow backend is left for the tail of the run.
 */
function planBatches(groups: Map<string, { target: ProbeFunctionRef; jobs: ProbeJob[] }>, batchSize: number, estimate: (job: ProbeJob) => number): Batch[] {
  const perVpc = [...groups].map(([vpcId, group]) => {
    const batches: Batch[] = [];
    const jobs = longestFirst(group.jobs, estimate);
    for (let i = 0; i < jobs.length; i += batchSize) batches.push({ vpcId, target: group.target, jobs: jobs.slice(i, i + batchSize) });
    return batches;
  });
  const ordered: Batch[] = [];
  for (let round = 0; perVpc.some((batches) => round < batches.length); round++) {
    for (const batches of perVpc) {
      const batch = batches[round];
      if (batch) ordered.push(batch);
    }
  }
  return longestFirst(ordered, (batch) => Math.max(...batch.jobs.map(estimate)));
}

export function fcFanoutExecutor(options: FcFanoutOptions): FcFanoutExecutor {
  const batchSize = checkPositiveInt('batch size', options.batchSize ?? DEFAULT_BATCH_SIZE, MAX_PROBE_BATCH);
  const concurrency = checkPositiveInt('concurrency', options.concurrency ?? DEFAULT_FANOUT_CONCURRENCY, 256);
  const clock = options.clock ?? systemClock;
  const estimateJobMs = options.estimateJobMs ?? defaultEstimateJobMs;
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const stats: FanoutStats = { invocations: 0, batches: 0, failedBatches: 0, retries: 0, noProber: 0, leftOut: 0 };

  async function runBatch(batch: Batch, deadlineAt: number | null): Promise<DataPlaneEvidence[]> {
    const { service, function: functionName } = batch.target;
    const sentIds = new Set(batch.jobs.map((job) => job.id));
    const quickest = Math.min(...batch.jobs.map(estimateJobMs));
    let lastFailure: unknown = null;
    try {
      const evidence = await withRetry(
        async () => {
          // Recomputed per attempt: a retry gets only the time that is really left.
          const remaining = deadlineAt === null ? null : deadlineAt - clock.now();
          if (remaining !== null && remaining < quickest + INVOCATION_OVERHEAD_MS) throw new DeadlineReached();
          const budgetMs = remaining === null ? null : remaining - INVOCATION_OVERHEAD_MS;
          const request: ProbeBatchRequest = { jobs: batch.jobs, budgetMs };
          stats.invocations++;
          const reply = await options.fc.invokeSync(service, functionName, JSON.stringify(request), {
            timeoutMs: remaining === null ? MAX_FUNCTION_TIMEOUT_MS : Math.min(remaining, MAX_FUNCTION_TIMEOUT_MS),
            retry: { maxAttempts: 1 },
          });
          return parseProbeBatchResponse(reply.body, sentIds);
        },
        {
          policy,
          clock,
          ...(options.random ? { random: options.random } : {}),
          classify: (err) => ({ retry: err instanceof FcInvocationError && err.retryable }),
          onRetry: (err) => {
            lastFailure = err;
            stats.retries++;
          },
        },
      );
      stats.batches++;
      stats.leftOut += batch.jobs.length - evidence.length;
      return evidence;
    } catch (err) {
      // Out of time before the first attempt: not examined. Out of time after failures: report the failure.
      if (err instanceof DeadlineReached && lastFailure === null) {
        stats.leftOut += batch.jobs.length;
        return [];
      }
      stats.batches++;
      stats.failedBatches++;
      const cause = err instanceof DeadlineReached ? lastFailure : err;
      const message = `probe function ${service}/${functionName} for ${batch.vpcId} failed: ${errorMessage(cause)}`;
      return batch.jobs.map((job) => errorEvidence(job, EVIDENCE_ERROR.probeFailed, message, clock));
    }
  }

  const execute: ProbeExecutor = async (jobs, { deadlineAt }) => {
    const groups = new Map<string, { target: ProbeFunctionRef; jobs: ProbeJob[] }>();
    const unserved: DataPlaneEvidence[] = [];
    for (const job of jobs) {
      const target = job.vpcId === null ? undefined : options.vpcMap[job.vpcId];
      if (job.vpcId === null || target === undefined) {
        stats.noProber++;
        const message =
          job.vpcId === null
            ? `backend ${job.ip} is not in a VPC, so no probe function can reach it`
            : `no probe function is configured for ${job.vpcId}; deploy one attached to that VPC and add it to SLB_DOCTOR_PROBE_FUNCTIONS`;
        unserved.push(errorEvidence(job, EVIDENCE_ERROR.noProber, message, clock));
        continue;
      }
      const group = groups.get(job.vpcId) ?? { target, jobs: [] };
      group.jobs.push(job);
      groups.set(job.vpcId, group);
    }
    const results = await mapLimit(planBatches(groups, batchSize, estimateJobMs), concurrency, (batch) => runBatch(batch, deadlineAt));
    return [...unserved, ...results.flat()];
  };

  return Object.assign(execute, { stats });
}
