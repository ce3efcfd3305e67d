// The FC fan-out executor with a scripted FC client: grouping by VPC, batching, bounded concurrency, retries,
// PROBE_FAILED / NO_PROBER_FOR_VPC evidence, and the deadline.
import { FcInvocationError, type FcClient, type InvokeOptions } from '../../lib/cloud/fc';
import { fcFanoutExecutor, INVOCATION_OVERHEAD_MS, PROBE_INSTANCE_CONCURRENCY } from '../../lib/fanout/fc-executor';
import { MAX_PROBE_BATCH, type ProbeBatchRequest } from '../../lib/fanout/protocol';
import type { ProbeJob } from '../../lib/model';
import { job, manualClock, okEvidence } from './jobs';

interface Call {
  service: string;
  functionName: string;
  request: ProbeBatchRequest;
  options: InvokeOptions | undefined;
}

type Behaviour = (call: Call, index: number) => Promise<string> | string;

function scriptedFc(behaviour: Behaviour = (call) => JSON.stringify({ evidence: call.request.jobs.map(okEvidence) })) {
  const calls: Call[] = [];
  let inFlight = 0;
  let peak = 0;
  const fc: Pick<FcClient, 'invokeSync'> = {
    async invokeSync(service, functionName, payload, options) {
      const call = { service, functionName, request: JSON.parse(payload) as ProbeBatchRequest, options };
      calls.push(call);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return { requestId: `r${calls.length}`, body: await behaviour(call, calls.length - 1) };
      } finally {
        inFlight--;
      }
    },
  };
  return { fc, calls, peak: () => peak };
}

const VPC_MAP = { 'vpc-a': { service: 'probe-a', function: 'probe' }, 'vpc-b': { service: 'probe-b', function: 'probe' } };
const jobsIn = (vpcId: string | null, count: number, prefix = vpcId ?? 'classic'): ProbeJob[] => Array.from({ length: count }, (_, i) => job({ id: `${prefix}-${i}`, vpcId }));
const serverError = (): FcInvocationError => new FcInvocationError('FC failed (InternalServerError)', 'server', true, { fcCode: 'InternalServerError', status: 500, requestId: null });

test('groups jobs by VPC, sends batches to that VPC\'s function, round-robin, within the concurrency', async () => {
  const { fc, calls, peak } = scriptedFc();
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 2, concurrency: 2 });
  const jobs = [...jobsIn('vpc-a', 5), ...jobsIn('vpc-b', 3)];
  const evidence = await executor(jobs, { deadlineAt: null });

  expect(evidence.map((e) => e.jobId).sort()).toEqual(jobs.map((j) => j.id).sort());
  expect(calls.map((c) => c.service)).toEqual(['probe-a', 'probe-b', 'probe-a', 'probe-b', 'probe-a']);
  for (const call of calls) {
    expect(call.request.jobs.length).toBeLessThanOrEqual(2);
    expect(call.request.jobs.every((j) => VPC_MAP[j.vpcId as 'vpc-a' | 'vpc-b'].service === call.service)).toBe(true);
    expect(call.request.budgetMs).toBeNull();
  }
  expect(peak()).toBeLessThanOrEqual(2);
  expect(executor.stats).toMatchObject({ invocations: 5, batches: 5, failedBatches: 0, noProber: 0, leftOut: 0 });
});

test('a VPC with no probe function, and a backend outside any VPC, come back as NO_PROBER_FOR_VPC without an invocation', async () => {
  const { fc, calls } = scriptedFc();
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP });
  const evidence = await executor([...jobsIn('vpc-z', 2), ...jobsIn(null, 1)], { deadlineAt: null });
  expect(calls).toHaveLength(0);
  expect(evidence).toHaveLength(3);
  expect(evidence.every((e) => e.error?.code === 'NO_PROBER_FOR_VPC')).toBe(true);
  expect(evidence[0]?.error?.message).toContain('SLB_DOCTOR_PROBE_FUNCTIONS');
  expect(executor.stats.noProber).toBe(3);
});

test('a transient failure is retried; the batch then succeeds', async () => {
  const { fc, calls } = scriptedFc((call, index) => {
    if (index === 0) throw serverError();
    return JSON.stringify({ evidence: call.request.jobs.map(okEvidence) });
  });
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 3, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
  const evidence = await executor(jobsIn('vpc-a', 3), { deadlineAt: null });
  expect(evidence.every((e) => e.error === null)).toBe(true);
  expect(calls).toHaveLength(2);
  expect(calls[0]?.options?.retry).toEqual({ maxAttempts: 1 });
  expect(executor.stats).toMatchObject({ invocations: 2, retries: 1, failedBatches: 0 });
});

test('a batch that keeps failing is reported as PROBE_FAILED for each of its jobs', async () => {
  const { fc, calls } = scriptedFc(() => {
    throw serverError();
  });
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 2, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
  const evidence = await executor(jobsIn('vpc-a', 2), { deadlineAt: null });
  expect(calls).toHaveLength(3);
  expect(evidence.map((e) => e.error?.code)).toEqual(['PROBE_FAILED', 'PROBE_FAILED']);
  expect(evidence[0]?.error?.message).toMatch(/probe function probe-a\/probe for vpc-a failed: FC failed/);
  expect(executor.stats).toMatchObject({ failedBatches: 1, retries: 2 });
});

test('auth failures and malformed replies are not retried', async () => {
  const auth = scriptedFc(() => {
    throw new FcInvocationError('rejected', 'auth', false, { fcCode: 'SignatureNotMatch', status: 403, requestId: null });
  });
  const authEvidence = await fcFanoutExecutor({ fc: auth.fc, vpcMap: VPC_MAP })(jobsIn('vpc-a', 1), { deadlineAt: null });
  expect(auth.calls).toHaveLength(1);
  expect(authEvidence[0]?.error?.code).toBe('PROBE_FAILED');

  const garbled = scriptedFc(() => '{"nope":1}');
  const garbledEvidence = await fcFanoutExecutor({ fc: garbled.fc, vpcMap: VPC_MAP })(jobsIn('vpc-a', 1), { deadlineAt: null });
  expect(garbled.calls).toHaveLength(1);
  expect(garbledEvidence[0]?.error?.message).toContain('without an "evidence" list');
});

test('no batch starts that cannot finish before the deadline; those jobs are left out', async () => {
  const clock = manualClock();
  const { fc, calls } = scriptedFc((call) => {
    clock.advance(5_000); // each invocation takes 5 s
    return JSON.stringify({ evidence: call.request.jobs.map(okEvidence) });
  });
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 1, concurrency: 1, clock, estimateJobMs: () => 1_000 });
  const deadlineAt = clock.now() + 12_000;
  const evidence = await executor(jobsIn('vpc-a', 4), { deadlineAt });
  // Needs 1 s + overhead per batch: batches start at +0 s and +5 s; at +10 s only 2 s remain.
  expect(calls).toHaveLength(2);
  expect(calls[0]?.request.budgetMs).toBe(12_000 - INVOCATION_OVERHEAD_MS);
  expect(calls[0]?.options?.timeoutMs).toBe(12_000);
  expect(calls[1]?.request.budgetMs).toBe(7_000 - INVOCATION_OVERHEAD_MS);
  expect(evidence).toHaveLength(2);
  expect(executor.stats.leftOut).toBe(2);
});

test('jobs the probe function could not finish are left out, not reported as failures', async () => {
  const { fc } = scriptedFc((call) => JSON.stringify({ evidence: call.request.jobs.slice(0, 1).map(okEvidence) }));
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 3 });
  const evidence = await executor(jobsIn('vpc-a', 3), { deadlineAt: null });
  expect(evidence).toHaveLength(1);
  expect(executor.stats).toMatchObject({ leftOut: 2, failedBatches: 0 });
});

test('bad settings are refused', () => {
  const { fc } = scriptedFc();
  expect(() => fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 0 })).toThrow(`batch size must be a whole number from 1 to ${MAX_PROBE_BATCH}`);
  expect(() => fcFanoutExecutor({ fc, vpcMap: VPC_MAP, concurrency: 1.5 })).toThrow(/concurrency/);
});

test('the jobs that may take longest go out first, in batches of similar jobs', async () => {
  const { fc, calls } = scriptedFc();
  const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, batchSize: 2, concurrency: 1 });
  const jobs = [
    job({ id: 'a-fast-1', timeoutMs: 1_000 }),
    job({ id: 'b-slow-1', vpcId: 'vpc-b', timeoutMs: 5_000 }),
    job({ id: 'a-slow-1', timeoutMs: 5_000 }),
    job({ id: 'a-fast-2', timeoutMs: 1_000 }),
    job({ id: 'a-slow-2', timeoutMs: 5_000 }),
  ];
  await executor(jobs, { deadlineAt: null });
  expect(calls.map((c) => c.request.jobs.map((j) => j.id))).toEqual([['a-slow-1', 'a-slow-2'], ['b-slow-1'], ['a-fast-1', 'a-fast-2']]);
});

describe('a streaming run (open → submit … → finish)', () => {
  test('jobs go out as they are submitted, each unhealthy job alone; a hanging one holds no other', async () => {
    let releaseHang: () => void = () => undefined;
    const hang = new Promise<void>((resolve) => (releaseHang = resolve));
    const completed: string[] = [];
    const { fc, calls } = scriptedFc(async (call) => {
      if (call.request.jobs.some((j) => j.id === 'hangs')) await hang;
      completed.push(...call.request.jobs.map((j) => j.id));
      return JSON.stringify({ evidence: call.request.jobs.map(okEvidence) });
    });
    const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP });
    const session = executor.open({ deadlineAt: null });
    session.submit([job({ id: 'hangs', ip: '127.0.0.21' }), job({ id: 'first', ip: '127.0.0.22' })]);
    // A later load balancer's job, submitted while the first ones run.
    await new Promise((resolve) => setTimeout(resolve, 20));
    session.submit([job({ id: 'later', ip: '127.0.0.23' })]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(completed.sort()).toEqual(['first', 'later']);
    expect(calls.map((c) => c.request.jobs.map((j) => j.id))).toEqual([['hangs'], ['first'], ['later']]);
    releaseHang();
    const evidence = await session.finish();
    expect(evidence.map((e) => e.jobId).sort()).toEqual(['first', 'hangs', 'later']);
  });

  test('sweep jobs travel in batches grouped by backend; no two invocations in flight carry one backend', async () => {
    let inFlightBackends: string[] = [];
    let overlap = false;
    const { fc, calls } = scriptedFc(async (call) => {
      const mine = call.request.jobs.map((j) => `${j.ip}:${j.checkPort}`);
      if (mine.some((b) => inFlightBackends.includes(b))) overlap = true;
      inFlightBackends.push(...mine);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlightBackends = inFlightBackends.filter((b) => !mine.includes(b));
      return JSON.stringify({ evidence: call.request.jobs.map(okEvidence) });
    });
    const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, sweepBatchSize: 4 });
    // 3 backends, each behind 4 load balancers (a shared healthy service), plus one unhealthy job on one of them.
    const sweep = Array.from({ length: 12 }, (_, i) => job({ id: `sweep-${i}`, ip: `127.0.0.${30 + (i % 3)}`, sweep: true, slbStatus: 'normal' }));
    const evidence = await executor([...sweep, job({ id: 'unhealthy', ip: '127.0.0.30' })], { deadlineAt: null });
    expect(evidence).toHaveLength(13);
    expect(overlap).toBe(false);
    const sweepBatches = calls.filter((c) => c.request.jobs.every((j) => j.sweep));
    expect(sweepBatches.every((c) => c.request.jobs.length <= 4)).toBe(true);
    // Every sweep job of one backend sits in its group's batches: here each backend's 4 jobs make one batch.
    expect(sweepBatches.map((c) => new Set(c.request.jobs.map((j) => j.ip)).size)).toEqual([1, 1, 1]);
  });

  test('sweep batches stay within what one probe instance holds (64); unhealthy jobs do not wait for room', async () => {
    const slow = (): Behaviour => async (call) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return JSON.stringify({ evidence: call.request.jobs.map(okEvidence) });
    };
    const onBackends = (count: number, sweep: boolean): ProbeJob[] =>
      Array.from({ length: count }, (_, i) => job({ id: `${sweep ? 'sweep' : 'unhealthy'}-${i}`, ip: `127.0.1.${i + 1}`, sweep, slbStatus: sweep ? 'normal' : 'abnormal' }));
    const sweeping = scriptedFc(slow());
    const sweepEvidence = await fcFanoutExecutor({ fc: sweeping.fc, vpcMap: VPC_MAP, sweepBatchSize: 1 })(onBackends(100, true), { deadlineAt: null });
    expect(sweepEvidence).toHaveLength(100);
    expect(sweeping.peak()).toBe(PROBE_INSTANCE_CONCURRENCY);
    const diagnosing = scriptedFc(slow());
    const evidence = await fcFanoutExecutor({ fc: diagnosing.fc, vpcMap: VPC_MAP })(onBackends(100, false), { deadlineAt: null });
    expect(evidence).toHaveLength(100);
    expect(diagnosing.peak()).toBe(100);
  });

  test('by default sweep jobs fill batches of MAX_PROBE_BATCH, the most the probe function takes', async () => {
    const { fc, calls } = scriptedFc();
    // One backend behind many load balancers: its sweep jobs share one group, so only the batch size splits them.
    const sweep = Array.from({ length: MAX_PROBE_BATCH * 2 + 1 }, (_, i) => job({ id: `sweep-${i}`, ip: '127.0.0.30', sweep: true, slbStatus: 'normal' }));
    expect(await fcFanoutExecutor({ fc, vpcMap: VPC_MAP })(sweep, { deadlineAt: null })).toHaveLength(sweep.length);
    expect(calls.map((c) => c.request.jobs.length)).toEqual([MAX_PROBE_BATCH, MAX_PROBE_BATCH, 1]);
  });

  test('a VPC\'s sweep jobs on many backends go out in few full batches, not one partial batch per backend group', async () => {
    const { fc, calls } = scriptedFc();
    // 1,000 healthy backends of one VPC, one sweep job each, all known at once (as a large fleet's stream hands them over).
    const sweep = Array.from({ length: 1_000 }, (_, i) => job({ id: `sweep-${i}`, ip: `127.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, sweep: true, slbStatus: 'normal' }));
    expect(await fcFanoutExecutor({ fc, vpcMap: VPC_MAP })(sweep, { deadlineAt: null })).toHaveLength(sweep.length);
    expect(calls.filter((c) => c.request.jobs.length === MAX_PROBE_BATCH).length * MAX_PROBE_BATCH).toBeGreaterThanOrEqual(600);
    expect(calls.length).toBeLessThanOrEqual(10);
  });

  test('with onEvidence, each job\'s evidence goes there as soon as its invocation is back, and finish() keeps none', async () => {
    let releaseHang = (): void => undefined;
    const hang = new Promise<void>((resolve) => (releaseHang = resolve));
    const { fc, calls } = scriptedFc(async (call) => {
      if (call.request.jobs.some((j) => j.id === 'hangs')) await hang;
      return JSON.stringify({ evidence: call.request.jobs.map(okEvidence) });
    });
    const handed: string[] = [];
    const session = fcFanoutExecutor({ fc, vpcMap: VPC_MAP }).open({ deadlineAt: null, onEvidence: (e) => handed.push(e.jobId) });
    session.submit([job({ id: 'hangs', ip: '127.0.0.21' }), job({ id: 'first', ip: '127.0.0.22' }), job({ id: 'no-prober', vpcId: 'vpc-none' })]);
    // Bounded wait for the second invocation's reply (the hanging one holds its own only).
    for (let turn = 0; turn < 100 && handed.length < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.map((c) => c.request.jobs.map((j) => j.id))).toEqual([['hangs'], ['first']]);
    expect(handed).toEqual(['no-prober', 'first']);
    releaseHang();
    expect(await session.finish()).toEqual([]);
    expect(handed).toEqual(['no-prober', 'first', 'hangs']);
  });

  test('a finished session refuses more jobs with a clear error, and sends nothing late', async () => {
    const { fc, calls } = scriptedFc();
    const session = fcFanoutExecutor({ fc, vpcMap: VPC_MAP }).open({ deadlineAt: null });
    session.submit([job({ id: 'only' })]);
    expect((await session.finish()).map((e) => e.jobId)).toEqual(['only']);
    expect(() => session.submit([job({ id: 'late' })])).toThrow(/probe session already finished/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.request.jobs.map((j) => j.id))).toEqual([['only']]);
  });

  test('warmUp sends every probe function one empty batch when the run opens', async () => {
    const { fc, calls } = scriptedFc();
    const executor = fcFanoutExecutor({ fc, vpcMap: VPC_MAP, warmUp: true });
    const session = executor.open({ deadlineAt: null });
    expect(await session.finish()).toEqual([]);
    expect(calls.map((c) => [c.service, c.request.jobs.length]).sort()).toEqual([['probe-a', 0], ['probe-b', 0]]);
    expect(executor.stats).toMatchObject({ warmUps: 2, invocations: 0 });
  });
});
