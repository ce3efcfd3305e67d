// One connection serves as SLB's check and as the extended wait: the replay's verdict comes at the check's timeout,
// the same request then waits on, and the GET variant runs meanwhile on a second connection (never more than two).
import type { HttpProbeRequest } from '../../lib/model';
import { collectEvidence, MAX_CONNECTIONS_PER_BACKEND, probeHttpExtendable, ProbeScheduler } from '../../lib/probe';
import { jobOf, listener, backend, httpCheck } from '../diagnose/fixtures';
import { hang, respond, startServer, type Endpoint, type TestServer } from './helpers/servers';

const IP = '127.0.0.46';
const open: Endpoint[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  open.push(server);
  return server;
}
function request(port: number, overrides: Partial<HttpProbeRequest> = {}): HttpProbeRequest {
  return { kind: 'http', ip: IP, port, method: 'HEAD', uri: '/health', httpVersion: '1.0', host: IP, acceptedCodes: ['http_2xx', 'http_3xx'], timeoutMs: 200, ...overrides };
}

describe('probeHttpExtendable', () => {
  it('a hang: the check times out as SLB sees it, then the same connection waits on to the extended timeout', async () => {
    const server = await serve(IP, hang);
    const probe = probeHttpExtendable(request(server.port), 600);
    const check = await probe.check;
    expect(check).toMatchObject({ outcome: 'response_timeout', request: { timeoutMs: 200 }, detail: 'connected, but no reply within 200 ms' });
    const extended = await probe.extended;
    expect(extended).toMatchObject({ outcome: 'response_timeout', request: { timeoutMs: 600 }, detail: 'connected, but no reply within 600 ms' });
    expect(extended?.timings.totalMs).toBeGreaterThanOrEqual(600);
    expect(server.connections).toBe(1);
  });
  it('a slow answer after the check timeout is what the extended wait reports', async () => {
    const server = await serve(IP, respond(() => ({ status: 200, delayMs: 350 })));
    const probe = probeHttpExtendable(request(server.port), 600);
    expect((await probe.check).outcome).toBe('response_timeout');
    const extended = await probe.extended;
    expect(extended).toMatchObject({ outcome: 'ok', statusCode: 200, request: { timeoutMs: 600 } });
    expect(extended?.timings.headersMs).toBeGreaterThanOrEqual(350);
    expect(server.connections).toBe(1);
  });
  it('an answer within the check timeout is final: no extended wait', async () => {
    const server = await serve(IP, respond(() => ({ status: 404 })));
    const probe = probeHttpExtendable(request(server.port), 600);
    expect(await probe.check).toMatchObject({ outcome: 'status_not_accepted', statusCode: 404, request: { timeoutMs: 200 } });
    expect(await probe.extended).toBeNull();
  });
  it('cancel() closes the held connection and the extended wait ends empty', async () => {
    const server = await serve(IP, hang);
    const probe = probeHttpExtendable(request(server.port), 5_000);
    expect((await probe.check).outcome).toBe('response_timeout');
    probe.cancel();
    expect(await probe.extended).toBeNull();
  });
});

describe('collectEvidence with a long-waiting replay', () => {
  it('a HEAD hang: GET runs during the extended wait, two connections at most, same labels as a sequential chain', async () => {
    const server = await serve(IP, hang);
    const job = jobOf(
      listener({ healthCheck: httpCheck({ uri: '/health', timeoutSeconds: 1, domain: null }), backends: [backend({ ip: IP, port: server.port, checkPort: server.port, checkHost: IP })] }),
    );
    const scheduler = new ProbeScheduler();
    const evidence = await collectEvidence(job, scheduler);
    expect(evidence.replay).toMatchObject({ outcome: 'response_timeout', request: { timeoutMs: 1000 } });
    expect(evidence.variants.map((v) => [v.label, v.result.outcome, v.result.request.timeoutMs])).toEqual([
      ['get', 'response_timeout', 1000],
      ['extended-wait', 'response_timeout', 3000],
    ]);
    // The replay's connection and the GET's: the extended wait opened none of its own.
    expect(server.connections).toBe(2);
    expect(scheduler.peakConnectionsToOneBackend()).toBe(MAX_CONNECTIONS_PER_BACKEND);
  });
  it('a HEAD-only hang: GET answers, the held replay is closed and no extended wait is reported', async () => {
    const server = await serve(IP, respond((r) => (r.method === 'HEAD' ? { status: 200, delayMs: 60_000 } : { status: 200 })));
    const job = jobOf(
      listener({ healthCheck: httpCheck({ uri: '/health', timeoutSeconds: 1, domain: null }), backends: [backend({ ip: IP, port: server.port, checkPort: server.port, checkHost: IP })] }),
    );
    const evidence = await collectEvidence(job, new ProbeScheduler());
    expect(evidence.replay.outcome).toBe('response_timeout');
    expect(evidence.variants.map((v) => [v.label, v.result.outcome])).toEqual([['get', 'ok']]);
  });
});
