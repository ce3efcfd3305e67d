// The probe function's batch logic (CIDR refusal, deadline, crash containment) and the in-process executor,
// once with scripted collection and once probing a real loopback server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCidrList } from '../../lib/fanout/cidr';
import { inProcessExecutor } from '../../lib/fanout/in-process';
import { runProbeBatch } from '../../lib/fanout/probe-batch';
import type { DataPlaneEvidence, ProbeJob } from '../../lib/model';
import { job, manualClock, okEvidence } from './jobs';

const ALLOWED = parseCidrList('127.0.0.0/25', 'SLB_DOCTOR_PROBE_ALLOWED_CIDRS');

describe('runProbeBatch', () => {
  test('refuses targets outside the allowed CIDRs without probing them', async () => {
    const probed: string[] = [];
    const collect = async (j: ProbeJob): Promise<DataPlaneEvidence> => {
      probed.push(j.ip);
      return okEvidence(j);
    };
    const jobs = [job({ id: 'in', ip: '127.0.0.11' }), job({ id: 'out', ip: '127.0.0.200' }), job({ id: 'metadata', ip: '100.100.100.200' })];
    const outcome = await runProbeBatch({ jobs }, { allowedCidrs: ALLOWED, collect, concurrency: 4, deadlineAt: Date.now() + 60_000, clock: { now: Date.now, sleep: async () => undefined } });
    expect(probed).toEqual(['127.0.0.11']);
    expect(outcome.refused).toBe(2);
    const byId = new Map(outcome.evidence.map((e) => [e.jobId, e]));
    expect(byId.get('in')?.error).toBeNull();
    expect(byId.get('out')?.error).toEqual({ code: 'TARGET_NOT_ALLOWED', message: expect.stringContaining('127.0.0.200 is outside the allowed CIDRs (127.0.0.0/25)') });
    expect(byId.get('metadata')?.error?.code).toBe('TARGET_NOT_ALLOWED');
  });

  test('the caller\'s budget, when tighter than the function\'s own deadline, leaves jobs out', async () => {
    const clock = manualClock();
    const collect = async (j: ProbeJob): Promise<DataPlaneEvidence> => {
      clock.advance(3_000);
      return okEvidence(j);
    };
    const jobs = [1, 2, 3].map((n) => job({ id: `j${n}` }));
    const outcome = await runProbeBatch({ jobs, budgetMs: 7_000 }, { allowedCidrs: ALLOWED, collect, concurrency: 1, deadlineAt: clock.now() + 100_000, clock, estimateJobMs: () => 3_000 });
    expect(outcome.evidence.map((e) => e.jobId)).toEqual(['j1', 'j2']);
    expect(outcome.leftOut).toBe(1);
  });

  test('a crash while probing one job becomes PROBE_FAILED evidence for that job only', async () => {
    const collect = async (j: ProbeJob): Promise<DataPlaneEvidence> => {
      if (j.id === 'bad') throw new Error('socket exploded');
      return okEvidence(j);
    };
    const outcome = await runProbeBatch({ jobs: [job({ id: 'good' }), job({ id: 'bad' })] }, { allowedCidrs: ALLOWED, collect, concurrency: 2, deadlineAt: Date.now() + 60_000, clock: { now: Date.now, sleep: async () => undefined } });
    expect(outcome.evidence.find((e) => e.jobId === 'bad')?.error).toEqual({ code: 'PROBE_FAILED', message: 'probing crashed: socket exploded' });
    expect(outcome.evidence.find((e) => e.jobId === 'good')?.error).toBeNull();
  });

  test('a malformed batch is refused as a whole', async () => {
    await expect(runProbeBatch({ jobs: 'all of them' }, { allowedCidrs: ALLOWED, collect: async (j) => okEvidence(j), concurrency: 1, deadlineAt: Date.now() + 1000, clock: { now: Date.now, sleep: async () => undefined } })).rejects.toThrow(/probe request must be a JSON object/);
  });
});

describe('inProcessExecutor', () => {
  test('runs jobs with bounded concurrency and leaves out those that cannot finish in time', async () => {
    const clock = manualClock();
    let inFlight = 0;
    let peak = 0;
    const collect = async (j: ProbeJob): Promise<DataPlaneEvidence> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      clock.advance(1_000);
      return okEvidence(j);
    };
    const executor = inProcessExecutor({ concurrency: 2, collect, clock, estimateJobMs: () => 2_500 });
    const jobs = Array.from({ length: 6 }, (_, i) => job({ id: `j${i}` }));
    const evidence = await executor(jobs, { deadlineAt: clock.now() + 4_000 });
    expect(peak).toBe(2);
    // Each job may take 2.5 s: j0 and j1 start at +0 s, j2 at +1 s (done by 3.5 s); j3 at +2 s could end at 4.5 s.
    expect(evidence.map((e) => e.jobId)).toEqual(['j0', 'j1', 'j2']);
  });

  describe('probing a real loopback backend', () => {
    let server: Server;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    test('collects the replay and the variants that isolate the cause', async () => {
      const port = (server.address() as AddressInfo).port;
      const target = job({ id: 'lb-a/http:80/127.0.0.1:' + port, ip: '127.0.0.1', checkPort: port, host: '127.0.0.1', timeoutMs: 1_000 });
      const [evidence] = await inProcessExecutor({ concurrency: 4 })([target], { deadlineAt: null });
      expect(evidence?.error).toBeNull();
      expect(evidence?.replay).toMatchObject({ outcome: 'status_not_accepted', statusCode: 404 });
      expect(evidence?.variants.map((v) => v.label)).toContain('get');
    });
  });
});
