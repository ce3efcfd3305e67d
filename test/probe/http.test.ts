import type { HttpProbeRequest } from '../../lib/model';
import { MAX_HEADER_BYTES, probeHttp } from '../../lib/probe';
import {
  always,
  closeAfterRequest,
  closedTcpPort,
  endlessHeaders,
  garbage,
  hang,
  resetAfterRequest,
  resetAtOnce,
  respond,
  sendsAtConnect,
  startBlackhole,
  startServer,
  startTlsServer,
  trickle,
  type Endpoint,
  type TestServer,
} from './helpers/servers';

const IP = '127.0.0.41';
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
  return { kind: 'http', ip: IP, port, method: 'HEAD', uri: '/test.html', httpVersion: '1.0', host: 'www.slb-test.com', acceptedCodes: ['http_2xx', 'http_3xx'], timeoutMs: 1000, ...overrides };
}

describe('probeHttp request bytes', () => {
  it('writes HEAD over HTTP/1.0 with Host exactly like the guide nc command', async () => {
    const server = await serve(IP, always(200));
    const result = await probeHttp(request(server.port));
    expect(server.received[0]?.toString('latin1')).toBe('HEAD /test.html HTTP/1.0\r\nHost: www.slb-test.com\r\n\r\n');
    expect(result.requestLine).toBe('HEAD /test.html HTTP/1.0');
  });
  it('omits Host when null, adds User-Agent, and adds Connection: close only for 1.1', async () => {
    const server = await serve(IP, always(200));
    await probeHttp(request(server.port, { host: null }));
    await probeHttp(request(server.port, { method: 'GET', httpVersion: '1.1', host: IP, userAgent: 'KeepAliveClient' }));
    expect(server.received.map((b) => b.toString('latin1'))).toEqual([
      'HEAD /test.html HTTP/1.0\r\n\r\n',
      `GET /test.html HTTP/1.1\r\nHost: ${IP}\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\n\r\n`,
    ]);
  });
  it('refuses to send a request whose values would inject headers', async () => {
    const server = await serve(IP, always(200));
    const injected = await probeHttp(request(server.port, { host: 'a\r\nX-Evil: 1' }));
    const badPath = await probeHttp(request(server.port, { uri: '/a b' }));
    expect([injected.outcome, badPath.outcome]).toEqual(['error', 'error']);
    expect(injected.detail).toMatch(/control characters/);
    expect(server.connections).toBe(0);
  });
});

describe('probeHttp outcomes', () => {
  it('ok for an accepted code, with status line and every phase timed', async () => {
    const server = await serve(IP, always(204));
    const result = await probeHttp(request(server.port));
    expect(result).toMatchObject({ outcome: 'ok', statusCode: 204, statusLine: 'HTTP/1.1 204 Status' });
    expect(result.timings.connectMs).toEqual(expect.any(Number));
    expect(result.timings.firstByteMs).toEqual(expect.any(Number));
    expect(result.timings.headersMs).toEqual(expect.any(Number));
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.connectMs ?? 0);
  });
  it('status_not_accepted for a code outside the accepted classes, with Location', async () => {
    const server = await serve(IP, always(302, { Location: 'https://www.slb-test.com/' }));
    const result = await probeHttp(request(server.port, { acceptedCodes: ['http_2xx'] }));
    expect(result).toMatchObject({ outcome: 'status_not_accepted', statusCode: 302, location: 'https://www.slb-test.com/' });
    expect(result.detail).toContain('302 is not in http_2xx');
  });
  it('refused when nothing listens', async () => {
    const result = await probeHttp(request(await closedTcpPort(IP)));
    expect(result.outcome).toBe('refused');
    expect(result.detail).toContain('ECONNREFUSED');
  });
  it('connect_timeout when the handshake never completes', async () => {
    const blackhole = await startBlackhole(IP, 30);
    open.push(blackhole);
    const result = await probeHttp(request(blackhole.port, { timeoutMs: 400 }));
    expect(result.outcome).toBe('connect_timeout');
    expect(result.timings.connectMs).toBeNull();
  });
  it('reset for an instant RST and for an RST after the request', async () => {
    const atOnce = await serve(IP, resetAtOnce);
    const afterRequest = await serve(IP, resetAfterRequest);
    expect((await probeHttp(request(atOnce.port))).outcome).toBe('reset');
    expect((await probeHttp(request(afterRequest.port))).outcome).toBe('reset');
  });
  it('closed_no_response when the backend closes without a byte', async () => {
    const server = await serve(IP, closeAfterRequest);
    expect((await probeHttp(request(server.port))).outcome).toBe('closed_no_response');
  });
  it('response_timeout when connected but nothing arrives', async () => {
    const server = await serve(IP, hang);
    const result = await probeHttp(request(server.port, { timeoutMs: 300 }));
    expect(result.outcome).toBe('response_timeout');
    expect(result.timings.connectMs).toEqual(expect.any(Number));
    expect(result.timings.firstByteMs).toBeNull();
  });
  it('malformed_response with a printable snippet for non-HTTP bytes', async () => {
    const server = await serve(IP, garbage);
    const result = await probeHttp(request(server.port));
    expect(result.outcome).toBe('malformed_response');
    expect(result.detail).toContain('\\x00\\x01SSH-2.0-nope\\r\\n');
  });
  it('malformed_response for a broken status line', async () => {
    const server = await serve(IP, { onRequest: (socket) => socket.end('HTTP/1.1 OK\r\n\r\n') });
    expect((await probeHttp(request(server.port))).detail).toMatch(/status line/);
  });
  it('tls_on_plain_port when the reply is a TLS record', async () => {
    const alert = await serve(IP, sendsAtConnect(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])));
    const result = await probeHttp(request(alert.port));
    expect(result.outcome).toBe('tls_on_plain_port');
    expect(result.detail).toContain('TLS alert');
  });
  it('a real TLS-only server closes on plain HTTP: closed_no_response (the TLS variant tells the rest)', async () => {
    const server = await startTlsServer(IP);
    open.push(server);
    expect((await probeHttp(request(server.port))).outcome).toBe('closed_no_response');
  });
});

describe('probeHttp against hostile backends stays bounded', () => {
  it('a trickle of one header byte at a time ends at the deadline as response_timeout', async () => {
    const server = await serve(IP, trickle(50));
    const result = await probeHttp(request(server.port, { timeoutMs: 400 }));
    expect(result.outcome).toBe('response_timeout');
    expect(result.detail).toMatch(/headers never ended/);
  });
  it('endless headers stop at the 16 KB cap as malformed_response', async () => {
    const server = await serve(IP, endlessHeaders);
    const result = await probeHttp(request(server.port, { timeoutMs: 5000 }));
    expect(result.outcome).toBe('malformed_response');
    expect(result.detail).toContain('16 KB');
    // The cap holds: we stop reading right after it (one socket read may overshoot by its own size).
    expect(result.bytesRead).toBeLessThan(MAX_HEADER_BYTES + 128 * 1024);
  });
  it('a GET body is read to at most 8 KB and then the probe stops', async () => {
    const server = await serve(IP, {
      onRequest(socket) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
        socket.write('b'.repeat(64 * 1024)); // and then never finishes the body
      },
    });
    const result = await probeHttp(request(server.port, { method: 'GET', timeoutMs: 5000 }));
    expect(result.outcome).toBe('ok');
    expect(result.detail).toBeNull();
  });
  it('a slow GET body after the headers keeps the verdict of the status', async () => {
    const server = await serve(IP, { onRequest: (socket) => socket.write('HTTP/1.1 503 Busy\r\nContent-Length: 10\r\n\r\nab') });
    const result = await probeHttp(request(server.port, { method: 'GET', timeoutMs: 300 }));
    expect(result.outcome).toBe('status_not_accepted');
    expect(result.detail).toMatch(/body unfinished/);
  });
  it('a chunked GET body ends at the last chunk', async () => {
    const server = await serve(IP, { onRequest: (socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n') });
    const result = await probeHttp(request(server.port, { method: 'GET', timeoutMs: 5000 }));
    expect(result).toMatchObject({ outcome: 'ok', detail: null });
  });
  it('probes reading at once keep their own bytes: a head that arrives in pieces is not overwritten by another probe', async () => {
    // Every probe reads into one shared buffer (onread); each must copy what it keeps before the next read lands.
    const inPieces = (status: number, location: string): Parameters<typeof serve>[1] => ({
      onRequest(socket, _request, track) {
        socket.write(`HTTP/1.1 ${status} Moved\r\nLocation: ${location}`);
        track(setTimeout(() => socket.end('\r\nContent-Length: 0\r\n\r\n'), 60));
      },
    });
    const servers = await Promise.all([serve(IP, inPieces(301, '/first')), serve(IP, inPieces(302, '/second')), serve(IP, inPieces(307, '/third'))]);
    const results = await Promise.all(servers.map((server) => probeHttp(request(server.port))));
    expect(results.map((r) => [r.outcome, r.statusLine, r.location])).toEqual([
      ['ok', 'HTTP/1.1 301 Moved', '/first'],
      ['ok', 'HTTP/1.1 302 Moved', '/second'],
      ['ok', 'HTTP/1.1 307 Moved', '/third'],
    ]);
  });
  it('answers by Host, method and path as the server decides', async () => {
    const server = await serve(IP, respond((r) => ({ status: r.method === 'HEAD' ? 405 : r.headers.get('host') === 'good' ? 200 : 404 })));
    expect((await probeHttp(request(server.port))).statusCode).toBe(405);
    expect((await probeHttp(request(server.port, { method: 'GET', host: 'good' }))).statusCode).toBe(200);
    expect((await probeHttp(request(server.port, { method: 'GET', host: null }))).statusCode).toBe(404);
  });
});
