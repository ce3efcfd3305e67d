// Fans probe jobs out to the probe function attached to each backend's VPC: jobs grouped by VPC, sent in batches
// (synchronous InvokeFunction) with bounded concurrency. A batch that keeps failing comes back as PROBE_FAILED
// evidence; a VPC with no probe function as NO_PROBER_FOR_VPC; a batch that cannot finish before the deadline is
// not sent, and its jobs are left out so the run reports them as not covered.
// No barriers: an invocation returns when its slowest job is done, so a job SLB reports unhealthy (which may hang
// for 3× its timeout) travels alone by default, and its evidence comes back the moment it is done. Many invocations
// share one probe instance (FC's instance concurrency, template.yml), so this costs few instances. Sweep jobs
// (healthy backends, --all) answer fast and go in larger batches, grouped by backend so that two batches never probe
// one backend at once; no two invocations in flight ever carry the same backend.
import { FcInvocationError, type FcClient } from '../cloud/fc';
import { errorEvidence } from '../probe/evidence';
import type { DataPlaneEvidence, ProbeExecutor, ProbeJob, ProbeSession, ProbeSessionOptions } from '../model';
import { systemClock, type Clock } from '../util/clock';
import { KeyedMutex } from '../util/concurrency';
import { UserFacingError, errorMessage } from '../util/errors';
import { isWholeNumberIn } from '../util/numbers';
import { withRetry, type RetryPolicy } from '../util/retry';
import { estimateJobMs as defaultEstimateJobMs, longestFirst } from './budget';
import { EVIDENCE_ERROR, MAX_PROBE_BATCH, parseProbeBatchResponse, type ProbeBatchRequest } from './protocol';
import type { ProbeFunctionRef, VpcProbeMap } from './vpc-map';
import { openWorkPool } from './work-pool';

// One job per invocation: an invocation returns when its slowest backend is done, and one backend that hangs until its
// timeout holds the whole batch (docs/performance.md measured 16 jobs × 4 invocations at 5.7× the bound, 2 × 32 at 2.6×).
export const DEFAULT_BATCH_SIZE = 1;
/**
 * Sweep jobs per invocation: healthy backends answer in milliseconds, and a batch saves the invocation's overhead (the
 * request's JSON and checks, the reply's JSON, the runtime's IPC) and the instance's wake-ups between batches, so they
 * travel as many as the probe function takes. In the FC emulator, 6,000 sweep jobs cost the probe instance ~8 % less
 * CPU at 50 a batch than at 32, and a captured sweep replayed at its own pace 4–7 % less at 200 than at 50, with less
 * than half the wake-ups (docs/performance.md). 200 jobs are 100–140 KB each way, far inside FC's 32 MB for a sync
 * invocation.
 */
export const DEFAULT_SWEEP_BATCH_SIZE = MAX_PROBE_BATCH;
// Enough to keep every unhealthy backend of a 3,000-LB fleet's stream in flight; the probe function's instance
// concurrency (template.yml) packs them onto a handful of instances.
export const DEFAULT_FANOUT_CONCURRENCY = 256;
/**
 * Invocations one probe instance serves at once, as template.yml and s.yaml deploy the probe function
 * (InstanceConcurrency). The fan-out keeps each function within what its instances hold while another function's
 * batch can start instead, and sweep batches always: a new instance costs its start and its JIT warm-up.
 */
export const PROBE_INSTANCE_CONCURRENCY = 64;
export const MAX_FANOUT_CONCURRENCY = 1024;
/**
 * Sweep jobs of one VPC are spread over this many groups by backend; each batch draws from one group. Few groups, so
 * that a group fills its batch of 200 while the inventory still streams, instead of waiting for the run's end.
 */
const SWEEP_GROUPS_PER_VPC = 4;
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
  /** Jobs per invocation (1 … MAX_PROBE_BATCH); default 1. */
  batchSize?: number;
  /** Sweep jobs per invocation (1 … MAX_PROBE_BATCH); default MAX_PROBE_BATCH. */
  sweepBatchSize?: number;
  /** Invocations in flight at most; default 256. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  estimateJobMs?: (job: ProbeJob) => number;
  random?: () => number;
  /**
   * When a run opens, send every mapped probe function an empty batch, so that its first instance starts while the
   * inventory is still being read instead of when the first job is ready (one invocation per function and run).
   */
  warmUp?: boolean;
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
  /** Empty batches sent to start probe instances early (warmUp). */
  warmUps: number;
}

export type FcFanoutExecutor = ProbeExecutor & { readonly stats: FanoutStats; open: NonNullable<ProbeExecutor['open']> };

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

interface JobGroup {
  vpcId: string;
  target: ProbeFunctionRef;
  jobs: ProbeJob[];
}

/**
 * Batches of jobs with similar worst cases, the longest first, in round-robin order across VPCs among equals, so that
 * one large VPC does not use up the deadline alone and no slow backend is left for the tail of the run.
 */
function planBatches(groups: readonly JobGroup[], batchSize: number, estimate: (job: ProbeJob) => number): Batch[] {
  const perVpc = groups.map((group) => {
    const batches: Batch[] = [];
    const jobs = longestFirst(group.jobs, estimate);
    for (let i = 0; i < jobs.length; i += batchSize) batches.push({ vpcId: group.vpcId, target: group.target, jobs: jobs.slice(i, i + batchSize) });
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
  const sweepBatchSize = checkPositiveInt('sweep batch size', options.sweepBatchSize ?? DEFAULT_SWEEP_BATCH_SIZE, MAX_PROBE_BATCH);
  const concurrency = checkPositiveInt('concurrency', options.concurrency ?? DEFAULT_FANOUT_CONCURRENCY, MAX_FANOUT_CONCURRENCY);
  const clock = options.clock ?? systemClock;
  const estimateJobMs = options.estimateJobMs ?? defaultEstimateJobMs;
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const stats: FanoutStats = { invocations: 0, batches: 0, failedBatches: 0, retries: 0, noProber: 0, leftOut: 0, warmUps: 0 };

  const warmUp = (): void => {
    const functions = new Map(Object.values(options.vpcMap).map((ref) => [`${ref.service}/${ref.function}`, ref]));
    for (const ref of functions.values()) {
      stats.warmUps++;
      const request: ProbeBatchRequest = { jobs: [], budgetMs: 0 };
      // Only a head start: a failure here shows again, and is reported, when the first real batch is sent.
      options.fc.invokeSync(ref.service, ref.function, JSON.stringify(request), { timeoutMs: INVOCATION_OVERHEAD_MS * 10, retry: { maxAttempts: 1 } }).catch(() => undefined);
    }
  };

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

  // No two invocations in flight carry the same backend (ip:check port): with the probe scheduler's own limit, a
  // backend never sees more than MAX_CONNECTIONS_PER_BACKEND connections from the whole fan-out.
  const backendLocks = new KeyedMutex();
  const withBackendsLocked = <T>(batch: Batch, work: () => Promise<T>): Promise<T> => {
    // Always taken in the same (sorted) order, so that two batches can never wait for each other.
    const keys = [...new Set(batch.jobs.map((job) => `${job.ip}:${job.checkPort}`))].sort();
    return keys.reduceRight<() => Promise<T>>((inner, key) => () => backendLocks.run(key, inner), work)();
  };

  const open = ({ deadlineAt, onEvidence }: ProbeSessionOptions): ProbeSession => {
    if (options.warmUp) warmUp();
    const evidence: DataPlaneEvidence[] = [];
    const done = (results: readonly DataPlaneEvidence[]): void => {
      if (onEvidence) for (const result of results) onEvidence(result);
      else evidence.push(...results);
    };
    const pool = openWorkPool<Batch>({
      concurrency,
      cost: (batch) => Math.max(...batch.jobs.map(estimateJobMs)),
      lane: (batch) => `${batch.target.service}/${batch.target.function}`,
      laneCapacity: PROBE_INSTANCE_CONCURRENCY,
      // A sweep batch (its jobs are all sweep jobs: they wait in groups of their own) keeps its instance's probes busy
      // for its whole length: another instance would add its start and JIT warm-up for work the running ones take in
      // a few seconds (docs/performance.md, session 28).
      waitsForRoom: (batch) => batch.jobs[0]?.sweep === true,
      run: async (batch) => {
        done(await withBackendsLocked(batch, () => runBatch(batch, deadlineAt)));
      },
    });
    // Jobs waiting for their batch to fill: per VPC, and for sweep jobs per VPC and backend group.
    const waiting = new Map<string, JobGroup>();
    const sweepKeys = new Set<string>();
    const wait = (key: string, vpcId: string, target: ProbeFunctionRef, job: ProbeJob): void => {
      const group = waiting.get(key) ?? { vpcId, target, jobs: [] };
      group.jobs.push(job);
      waiting.set(key, group);
    };
    /** Sends the full batches (or, at the end, every batch) of the waiting jobs. */
    const send = (everything: boolean): void => {
      const planned: Batch[] = [];
      for (const sweep of [false, true]) {
        const size = sweep ? sweepBatchSize : batchSize;
        const ready: JobGroup[] = [];
        for (const [key, group] of waiting) {
          if (sweepKeys.has(key) !== sweep) continue;
          const count = everything ? group.jobs.length : group.jobs.length - (group.jobs.length % size);
          if (count === 0) continue;
          ready.push({ ...group, jobs: group.jobs.splice(0, count) });
          if (group.jobs.length === 0) waiting.delete(key);
        }
        planned.push(...planBatches(ready, size, estimateJobMs));
      }
      if (planned.length > 0) pool.add(longestFirst(planned, (batch) => Math.max(...batch.jobs.map(estimateJobMs))));
    };
    let sendScheduled = false;
    let finished = false;
    return {
      submit(jobs) {
        if (finished) throw new Error('probe session already finished: submit every job before finish()');
        for (const job of jobs) {
          const target = job.vpcId === null ? undefined : options.vpcMap[job.vpcId];
          if (job.vpcId === null || target === undefined) {
            stats.noProber++;
            const message =
              job.vpcId === null
                ? `backend ${job.ip} is not in a VPC, so no probe function can reach it`
                : `no probe function is configured for ${job.vpcId}; deploy one attached to that VPC and add it to SLB_DOCTOR_PROBE_FUNCTIONS`;
            done([errorEvidence(job, EVIDENCE_ERROR.noProber, message, clock)]);
          } else if (job.sweep) {
            const key = `${job.vpcId}#${sweepGroupOf(job)}`;
            sweepKeys.add(key);
            wait(key, job.vpcId, target, job);
          } else {
            wait(job.vpcId, job.vpcId, target, job);
          }
        }
        // Batches are cut once the jobs of this turn are all in, so that one submission is planned as a whole.
        if (!sendScheduled) {
          sendScheduled = true;
          setImmediate(() => {
            sendScheduled = false;
            if (!finished) send(false);
          });
        }
      },
      async finish() {
        finished = true;
        send(true);
        await pool.close();
        return evidence;
      },
    };
  };

  const execute = async (jobs: ProbeJob[], executeOptions: { deadlineAt: number | null }): Promise<DataPlaneEvidence[]> => {
    const session = open(executeOptions);
    session.submit(jobs);
    return session.finish();
  };

  return Object.assign(execute, { stats, open });
}

/** A stable group for a sweep job's backend, so that every sweep job of one backend lands in the same batches. */
function sweepGroupOf(job: ProbeJob): number {
  let hash = 0;
  for (const char of `${job.ip}:${job.checkPort}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % SWEEP_GROUPS_PER_VPC;
}
