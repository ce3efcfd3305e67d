import type { HttpProbeRequest } from '../../lib/model';
import { probeHttp, probeTcp } from '../../lib/probe';
import { idleProbeSockets } from '../../lib/probe/connections';
import { always, closedTcpPort, hang, resetAfterRequest, startBlackhole, startServer, trackEndpoints } from './helpers/servers';

const IP = '127.0.0.49';
const track = trackEndpoints();
function http(port: number, overrides: Partial<HttpProbeRequest> = {}): HttpProbeRequest {
  return { kind: 'http', ip: IP, port, method: 'HEAD', uri: '/health', httpVersion: '1.0', host: null, acceptedCodes: ['http_2xx'], timeoutMs: 1000, ...overrides };
}
/** A closed socket goes back to the pool on its 'close', a loop turn after the probe's verdict. */
const socketClosed = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('probe sockets (lib/probe/connections.ts)', () => {
  it('serve one probe after another on one socket, each with its own outcome, whatever the one before met', async () => {
    const ok = await track(startServer(IP, always(200)));
    const notFound = await track(startServer(IP, always(404)));
    const hanging = await track(startServer(IP, hang));
    const resetting = await track(startServer(IP, resetAfterRequest));
    const blackhole = await track(startBlackhole(IP));
    const refusedPort = await closedTcpPort(IP);
    expect(idleProbeSockets()).toBe(0);
    const outcomes: string[] = [];
    const run = async (probe: Promise<{ outcome: string }>): Promise<void> => {
      outcomes.push((await probe).outcome);
      await socketClosed();
      // Every probe ran on the same socket: the first one's, back in the pool after each close.
      expect(idleProbeSockets()).toBe(1);
    };
    await run(probeHttp(http(ok.port)));
    await run(probeHttp(http(refusedPort)));
    await run(probeHttp(http(hanging.port, { timeoutMs: 200 })));
    await run(probeHttp(http(ok.port, { method: 'GET' })));
    await run(probeHttp(http(resetting.port)));
    await run(probeTcp({ kind: 'tcp', ip: IP, port: blackhole.port, timeoutMs: 200 }));
    await run(probeHttp(http(notFound.port)));
    await run(probeTcp({ kind: 'tcp', ip: IP, port: ok.port, timeoutMs: 1000 }));
    await run(probeHttp(http(ok.port)));
    expect(outcomes).toEqual(['ok', 'refused', 'response_timeout', 'ok', 'reset', 'connect_timeout', 'status_not_accepted', 'ok', 'ok']);
    expect(ok.received.slice(-1)[0]?.toString('latin1')).toBe('HEAD /health HTTP/1.0\r\n\r\n');
  });

  it('keep at most 256 closed sockets, however many probes ran at once', async () => {
    const server = await track(startServer(IP, always(200)));
    const results = await Promise.all(Array.from({ length: 300 }, () => probeTcp({ kind: 'tcp', ip: IP, port: server.port, timeoutMs: 5000 })));
    expect(results.every((result) => result.outcome === 'ok')).toBe(true);
    await socketClosed();
    expect(idleProbeSockets()).toBe(256);
  });
});
