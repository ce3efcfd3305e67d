// Real sockets end to end: a faulty backend on loopback → collectEvidence → diagnose → the expected code.
import { diagnose, jobsFromInventory } from '../../lib/diagnose';
import { collectEvidence } from '../../lib/probe';
import type { Finding, HealthCheckSpec, ListenerProtocol, SlbHealthStatus } from '../../lib/model';
import { ProbeScheduler } from '../../lib/probe';
import {
  always,
  closeAfterRequest,
  closedTcpPort,
  closedUdpPort,
  garbage,
  hang,
  resetAfterRequest,
  respond,
  startBlackhole,
  startServer,
  startTlsServer,
  startUdpServer,
  trickle,
  trackEndpoints,
} from '../probe/helpers/servers';
import { backend, httpCheck, inventoryOf, listener } from './fixtures';

const IP = '127.0.0.46';
const track = trackEndpoints();

interface Setup {
  port: number;
  check?: Partial<HealthCheckSpec>;
  protocol?: ListenerProtocol;
  slbStatus?: SlbHealthStatus;
  /** The Host SLB sends (default: the check domain). */
  host?: string | null;
  recheck?: Map<string, SlbHealthStatus>;
}

/** One listener with the backend under test and a healthy peer (so the finding is an error, not critical). */
async function diagnoseBackend(setup: Setup): Promise<Finding> {
  const check = httpCheck({ timeoutSeconds: 0.3, configuredTimeoutSeconds: 0.3, ...setup.check });
  const host = setup.host === undefined ? check.domain : setup.host;
  const l = listener({
    protocol: setup.protocol ?? 'http',
    port: setup.port,
    healthCheck: check,
    backends: [
      backend({ ip: IP, port: setup.port, checkPort: setup.port, checkHost: check.type === 'http' ? host : null, slbStatus: setup.slbStatus ?? 'abnormal' }),
      backend({ serverId: 'i-peer', ip: '127.0.0.99', slbStatus: 'normal' }),
    ],
  });
  const inventory = inventoryOf([l]);
  const scheduler = new ProbeScheduler();
  const jobs = jobsFromInventory(inventory, { all: setup.slbStatus === 'normal' }).filter((j) => j.ip === IP);
  const evidence = await Promise.all(jobs.map((job) => collectEvidence(job, scheduler, { repeatIntervalMs: 0, maxExtendedWaitMs: 1000 })));
  const findings = await diagnose({ inventory, jobs, evidence, recheck: setup.recheck ? async () => setup.recheck as Map<string, SlbHealthStatus> : undefined });
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

describe('end to end on real sockets', () => {
  it('PORT_CLOSED', async () => {
    const finding = await diagnoseBackend({ port: await closedTcpPort(IP) });
    expect(finding.code).toBe('PORT_CLOSED');
    expect(finding.evidence.map((p) => p.label)).toEqual(['replay', 'repeat-1', 'repeat-2', 'repeat-3']);
  });
  it('CONNECT_TIMEOUT', async () => {
    const blackhole = await track(startBlackhole(IP, 30));
    expect((await diagnoseBackend({ port: blackhole.port })).code).toBe('CONNECT_TIMEOUT');
  });
  it('CONNECTION_RESET', async () => {
    const server = await track(startServer(IP, resetAfterRequest));
    expect((await diagnoseBackend({ port: server.port })).code).toBe('CONNECTION_RESET');
  });
  it('RESPONSE_TIMEOUT for a hang and for a trickle of header bytes', async () => {
    const hanging = await track(startServer(IP, hang));
    const trickling = await track(startServer(IP, trickle(50)));
    expect((await diagnoseBackend({ port: hanging.port })).code).toBe('RESPONSE_TIMEOUT');
    const finding = await diagnoseBackend({ port: trickling.port });
    expect(finding.code).toBe('RESPONSE_TIMEOUT');
    expect(finding.cause).toMatch(/never finished the headers/);
  });
  it('SLOW_RESPONSE: a 200 after the timeout but within the extended wait', async () => {
    const server = await track(startServer(IP, respond(() => ({ status: 200, delayMs: 500 }))));
    const finding = await diagnoseBackend({ port: server.port, check: { method: 'GET' } });
    expect(finding.code).toBe('SLOW_RESPONSE');
    expect(finding.cause).toMatch(/^The backend answers 200 after .*, beyond SLB's 300 ms timeout\.$/);
  });
  it('PATH_NOT_FOUND with / working', async () => {
    const server = await track(startServer(IP, respond((r) => ({ status: r.uri === '/' ? 200 : 404 }))));
    const finding = await diagnoseBackend({ port: server.port });
    expect(finding.code).toBe('PATH_NOT_FOUND');
    expect(finding.cause).toContain('/ answers 200');
  });
  it('REDIRECT_NOT_ACCEPTED', async () => {
    const server = await track(startServer(IP, always(301, { Location: 'https://www.slb-test.com/test.html' })));
    const finding = await diagnoseBackend({ port: server.port, check: { acceptedCodes: ['http_2xx'] } });
    expect(finding.code).toBe('REDIRECT_NOT_ACCEPTED');
    expect(finding.cause).toContain('to https://www.slb-test.com/test.html');
  });
  it('STATUS_MISMATCH', async () => {
    const server = await track(startServer(IP, always(503)));
    const finding = await diagnoseBackend({ port: server.port });
    expect([finding.code, finding.cause]).toEqual(['STATUS_MISMATCH', '/test.html answers 503, which is not in the accepted codes (http_2xx,http_3xx).']);
  });
  it('HEAD_NOT_SUPPORTED for a 405 and for a HEAD that hangs', async () => {
    const refusing = await track(startServer(IP, respond((r) => ({ status: r.method === 'HEAD' ? 405 : 200 }))));
    const hangingHead = await track(startServer(IP, { onRequest: (socket, r) => r.method === 'GET' && socket.end('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok') }));
    expect((await diagnoseBackend({ port: refusing.port })).code).toBe('HEAD_NOT_SUPPORTED');
    expect((await diagnoseBackend({ port: hangingHead.port })).code).toBe('HEAD_NOT_SUPPORTED');
  });
  it('HOST_REJECTED: 400 without a Host header', async () => {
    const server = await track(startServer(IP, respond((r) => ({ status: r.headers.has('host') ? 200 : 400 }))));
    const finding = await diagnoseBackend({ port: server.port, check: { domain: null }, host: null });
    expect(finding.code).toBe('HOST_REJECTED');
    expect(finding.cause).toBe(`The answer depends on the Host header: no Host fails, Host ${IP} answers 200.`);
  });
  it('TLS_ON_PLAIN_PORT behind an HTTPS listener', async () => {
    const server = await track(startTlsServer(IP));
    const finding = await diagnoseBackend({ port: server.port, protocol: 'https' });
    expect(finding.code).toBe('TLS_ON_PLAIN_PORT');
    expect(finding.cause).toContain('certificate CN=slb-doctor-test');
  });
  it('PROTOCOL_ERROR', async () => {
    const server = await track(startServer(IP, garbage));
    expect((await diagnoseBackend({ port: server.port })).code).toBe('PROTOCOL_ERROR');
  });
  it('CONNECTION_RESET also for a close without a reply', async () => {
    const server = await track(startServer(IP, closeAfterRequest));
    expect((await diagnoseBackend({ port: server.port })).code).toBe('CONNECTION_RESET');
  });
  it('UDP_PORT_UNREACHABLE and UDP_NO_REPLY', async () => {
    const silent = await track(startUdpServer(IP, () => null));
    const udp = { protocol: 'udp' as const, check: { type: 'udp' as const, domain: null, udpRequest: 'ping', udpExpect: 'pong' } };
    expect((await diagnoseBackend({ ...udp, port: await closedUdpPort(IP) })).code).toBe('UDP_PORT_UNREACHABLE');
    expect((await diagnoseBackend({ ...udp, port: silent.port })).code).toBe('UDP_NO_REPLY');
  });
  it('SLB_SOURCE_BLOCKED when SLB says abnormal and every check passes; RECOVERED when the re-check agrees', async () => {
    const server = await track(startServer(IP, always(200)));
    const blocked = await diagnoseBackend({ port: server.port });
    expect(blocked.code).toBe('SLB_SOURCE_BLOCKED');
    expect(blocked.evidence).toHaveLength(4);
    const recovered = await diagnoseBackend({ port: server.port, recheck: new Map([[`http:${server.port}/${IP}:${server.port}`, 'normal']]) });
    expect(recovered.code).toBe('RECOVERED');
  });
  it('FLAPPING when identical checks disagree', async () => {
    let calls = 0;
    const server = await track(startServer(IP, respond(() => ({ status: calls++ % 2 === 0 ? 503 : 200 }))));
    expect((await diagnoseBackend({ port: server.port })).code).toBe('FLAPPING');
  });
  it('TIMEOUT_RISK for a healthy backend close to the timeout (sweep)', async () => {
    const server = await track(startServer(IP, respond(() => ({ status: 200, delayMs: 2500 }))));
    const finding = await diagnoseBackend({ port: server.port, slbStatus: 'normal', check: { timeoutSeconds: 3, configuredTimeoutSeconds: 3 } });
    expect([finding.code, finding.severity]).toEqual(['TIMEOUT_RISK', 'warning']);
  });
});
