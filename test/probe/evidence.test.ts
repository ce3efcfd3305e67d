import type { ProbeJob, ProbeRequest, ProbeResult } from '../../lib/model';
import { COMMON_USER_AGENT, collectEvidence, collectEvidenceForJobs, errorEvidence, evidenceBudgetMs, extendedWaitMs, ProbeScheduler, replayRequest } from '../../lib/probe';
import type { Clock } from '../../lib/util/clock';
import { backend, httpCheck, jobOf, listener, result, status } from '../diagnose/fixtures';

const instantClock: Clock = { now: () => Date.now(), sleep: async () => undefined };

/** A scheduler whose prober answers from `answer` and records every request it was given. */
function fakeScheduler(answer: (request: ProbeRequest, index: number) => ProbeResult) {
  const seen: ProbeRequest[] = [];
  const scheduler = new ProbeScheduler({ prober: async (request) => answer(request, seen.push(request) - 1) });
  return { scheduler, seen };
}

async function labels(job: ProbeJob, answer: (request: ProbeRequest, index: number) => ProbeResult): Promise<string[]> {
  const { scheduler } = fakeScheduler(answer);
  const evidence = await collectEvidence(job, scheduler, { clock: instantClock });
  expect(evidence.error).toBeNull();
  return evidence.variants.map((v) => v.label);
}

const abnormal = jobOf();
const sweep = jobOf(listener({ backends: [backend({ slbStatus: 'normal' })] }));

describe('collectEvidence: replay first', () => {
  it('replays exactly SLB check (HEAD, path, version, Host, codes, timeout)', async () => {
    const { scheduler, seen } = fakeScheduler((r) => status(r, 200, true));
    await collectEvidence(sweep, scheduler, { clock: instantClock });
    expect(seen).toEqual([
      { kind: 'http', ip: '10.0.0.1', port: 80, timeoutMs: 5000, method: 'HEAD', uri: '/test.html', httpVersion: '1.0', host: 'www.slb-test.com', acceptedCodes: ['http_2xx', 'http_3xx'] },
    ]);
  });
  it('sends SLB’s KeepAliveClient User-Agent for an HTTP check on a TCP listener', () => {
    const job = jobOf(listener({ protocol: 'tcp', healthCheck: httpCheck({ method: 'GET' }) }));
    expect(replayRequest(job)).toMatchObject({ kind: 'http', method: 'GET', userAgent: 'KeepAliveClient' });
  });
  it('a passing sweep needs nothing more', async () => {
    expect(await labels(sweep, (r) => status(r, 200, true))).toEqual([]);
  });
  it('a pass while SLB says abnormal is repeated to tell a blocked source from flapping', async () => {
    expect(await labels(abnormal, (r) => status(r, 200, true))).toEqual(['repeat-1', 'repeat-2', 'repeat-3']);
  });
  it('repeats run to the end once they disagree, so that the sequence shows the pattern (bursts, alternation), and add no variants', async () => {
    expect(await labels(abnormal, (r, i) => (i === 2 ? status(r, 503, false) : status(r, 200, true)))).toEqual(['repeat-1', 'repeat-2', 'repeat-3']);
    expect(await labels(abnormal, (r, i) => (i === 0 ? status(r, 503, false) : status(r, 200, true)))).toEqual(['repeat-1', 'repeat-2', 'repeat-3']);
  });
});

describe('collectEvidence: only the variants that can change the verdict', () => {
  it('a 403 to a check without a User-Agent tries the replay with a common User-Agent last', async () => {
    const { scheduler, seen } = fakeScheduler((r) => status(r, 403, false));
    const evidence = await collectEvidence(abnormal, scheduler, { clock: instantClock });
    expect(evidence.variants.map((v) => v.label).slice(-1)).toEqual(['user-agent']);
    const last = seen[seen.length - 1];
    expect(last?.kind === 'http' ? [last.method, last.uri, last.host, last.userAgent] : null).toEqual(['HEAD', '/test.html', 'www.slb-test.com', COMMON_USER_AGENT]);
  });

  it('refused: repeats only, no HTTP variants', async () => {
    expect(await labels(abnormal, (r) => result(r, 'refused'))).toEqual(['repeat-1', 'repeat-2', 'repeat-3']);
  });
  it('connect timeout: nothing more (each try would cost a whole timeout)', async () => {
    expect(await labels(abnormal, (r) => result(r, 'connect_timeout'))).toEqual([]);
  });
  it('a status failure tries GET, then every Host, then the root path', async () => {
    const { scheduler, seen } = fakeScheduler((r) => status(r, 404, false));
    const evidence = await collectEvidence(abnormal, scheduler, { clock: instantClock });
    expect(evidence.variants.map((v) => v.label)).toEqual(['repeat-1', 'repeat-2', 'repeat-3', 'get', 'http11-domain-host', 'http11-ip-host', 'no-host', 'root-path']);
    const http = seen.slice(4).map((r) => (r.kind === 'http' ? [r.method, r.httpVersion, r.host, r.uri] : null));
    expect(http).toEqual([
      ['GET', '1.0', 'www.slb-test.com', '/test.html'],
      ['HEAD', '1.1', 'www.slb-test.com', '/test.html'],
      ['HEAD', '1.1', '10.0.0.1', '/test.html'],
      ['HEAD', '1.0', null, '/test.html'],
      ['HEAD', '1.0', 'www.slb-test.com', '/'],
    ]);
  });
  it('stops at the first variant that passes', async () => {
    expect(await labels(abnormal, (r) => (r.kind === 'http' && r.method === 'GET' ? status(r, 200, true) : status(r, 405, false)))).toEqual(['repeat-1', 'repeat-2', 'repeat-3', 'get']);
  });
  it('a timeout tries GET, then waits 3× the timeout once; no repeats', async () => {
    const { scheduler, seen } = fakeScheduler((r) => result(r, 'response_timeout'));
    const evidence = await collectEvidence(abnormal, scheduler, { clock: instantClock });
    expect(evidence.variants.map((v) => v.label)).toEqual(['get', 'extended-wait']);
    expect(seen[2]?.timeoutMs).toBe(15000);
  });
  it('a closed or reset connection tries TLS first and stops when the port speaks TLS', async () => {
    const answer = (r: ProbeRequest): ProbeResult => (r.kind === 'tls' ? result(r, 'ok') : result(r, 'closed_no_response'));
    expect(await labels(abnormal, answer)).toEqual(['repeat-1', 'repeat-2', 'repeat-3', 'tls-handshake']);
  });
  it('a TLS record on the plain port is confirmed by one handshake', async () => {
    expect(await labels(abnormal, (r) => result(r, r.kind === 'tls' ? 'ok' : 'tls_on_plain_port'))).toEqual(['tls-handshake']);
  });
  it('a steady 400 tries a TLS handshake first (a TLS port answering plain HTTP) and stops when it works', async () => {
    expect(await labels(abnormal, (r) => (r.kind === 'tls' ? result(r, 'ok') : r.kind === 'http' ? status(r, 400, false) : result(r, 'error')))).toEqual(['repeat-1', 'repeat-2', 'repeat-3', 'tls-handshake']);
  });
  it('a probe error gets a bare TCP connect', async () => {
    expect(await labels(abnormal, (r) => result(r, 'error'))).toEqual(['tcp-connect']);
  });
  it('TCP and UDP checks only repeat fast failures', async () => {
    const tcpJob = jobOf(listener({ protocol: 'tcp', healthCheck: httpCheck({ type: 'tcp' }), backends: [backend({ checkHost: null })] }));
    const udpJob = jobOf(listener({ protocol: 'udp', healthCheck: httpCheck({ type: 'udp' }), backends: [backend({ checkHost: null })] }));
    expect(await labels(tcpJob, (r) => result(r, 'refused'))).toEqual(['repeat-1', 'repeat-2', 'repeat-3']);
    expect(await labels(udpJob, (r) => result(r, 'udp_port_unreachable'))).toEqual(['repeat-1', 'repeat-2', 'repeat-3']);
    expect(await labels(udpJob, (r) => result(r, 'udp_no_reply'))).toEqual([]);
  });
  it('the extended wait is 3× the timeout, capped, and skipped when the cap adds nothing', () => {
    expect([extendedWaitMs(2000), extendedWaitMs(20_000), extendedWaitMs(30_000), extendedWaitMs(5000, 8000)]).toEqual([6000, 30_000, 0, 8000]);
  });
});

describe('collectEvidence stays within its probing budget', () => {
  it('skips the variants that no longer fit in 2× the timeout plus the extended wait', async () => {
    // The replay and its repeats reset at once; every variant hangs for its whole timeout.
    const answer = (r: ProbeRequest): ProbeResult =>
      r.kind === 'http' && r.method === 'HEAD' && r.httpVersion === '1.0' && r.host === 'www.slb-test.com'
        ? result(r, 'reset')
        : result(r, 'response_timeout', { timings: { connectMs: 0.3, firstByteMs: null, totalMs: r.timeoutMs } });
    const { scheduler } = fakeScheduler(answer);
    const evidence = await collectEvidence(abnormal, scheduler, { clock: instantClock, maxExtendedWaitMs: 5000 });
    expect(evidenceBudgetMs(abnormal.timeoutMs, 5000)).toBe(10_000);
    expect(evidence.variants.map((v) => v.label)).toEqual(['repeat-1', 'repeat-2', 'repeat-3', 'tls-handshake', 'get']);
  });
});

describe('collectEvidence failures and fleets', () => {
  it('a prober that throws becomes PROBE_FAILED evidence, never a rejection', async () => {
    const scheduler = new ProbeScheduler({ prober: async () => Promise.reject(new Error('socket table full')) });
    const evidence = await collectEvidence(abnormal, scheduler, { clock: instantClock });
    expect(evidence.error).toEqual({ code: 'PROBE_FAILED', message: 'socket table full' });
    expect(evidence.jobId).toBe(abnormal.id);
  });
  it('errorEvidence carries the executor code for diagnose', () => {
    const evidence = errorEvidence(abnormal, 'NO_PROBER_FOR_VPC', 'no probe function for vpc-1', instantClock);
    expect(evidence).toMatchObject({ jobId: abnormal.id, error: { code: 'NO_PROBER_FOR_VPC' }, variants: [], replay: { outcome: 'error' } });
  });
  it('collects a fleet in order and leaves out jobs that cannot start before the deadline', async () => {
    const jobs = [abnormal, jobOf(listener({ backends: [backend({ ip: '10.0.0.2' })] }))];
    const { scheduler } = fakeScheduler((r) => result(r, 'connect_timeout'));
    expect((await collectEvidenceForJobs(jobs, scheduler, { clock: instantClock })).map((e) => e.jobId)).toEqual(jobs.map((j) => j.id));
    expect(await collectEvidenceForJobs(jobs, scheduler, { clock: instantClock, deadlineAt: Date.now() - 1 })).toEqual([]);
  });
});
