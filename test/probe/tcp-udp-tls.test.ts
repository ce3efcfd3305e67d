import { probeTcp, probeTls, probeUdp, runProbe, DEFAULT_UDP_PAYLOAD } from '../../lib/probe';
import { always, hang, closedTcpPort, closedUdpPort, resetAtOnce, startBlackhole, startServer, startTlsServer, startUdpServer, trackEndpoints } from './helpers/servers';

const IP = '127.0.0.42';
const track = trackEndpoints();

describe('probeTcp', () => {
  it('ok when the handshake completes, with the connect time', async () => {
    const server = await track(startServer(IP, always(200)));
    const result = await probeTcp({ kind: 'tcp', ip: IP, port: server.port, timeoutMs: 1000 });
    expect(result.outcome).toBe('ok');
    expect(result.timings.connectMs).toEqual(expect.any(Number));
  });
  it('refused when nothing listens', async () => {
    expect((await probeTcp({ kind: 'tcp', ip: IP, port: await closedTcpPort(IP), timeoutMs: 1000 })).outcome).toBe('refused');
  });
  it('connect_timeout when the handshake never completes', async () => {
    const blackhole = await track(startBlackhole(IP, 30));
    expect((await probeTcp({ kind: 'tcp', ip: IP, port: blackhole.port, timeoutMs: 300 })).outcome).toBe('connect_timeout');
  });
  it('a backend that resets at once still completed the handshake: ok, as for SLB', async () => {
    const server = await track(startServer(IP, resetAtOnce));
    expect((await probeTcp({ kind: 'tcp', ip: IP, port: server.port, timeoutMs: 1000 })).outcome).toBe('ok');
  });
});

describe('probeUdp', () => {
  it('sends the configured request and checks the reply against expect', async () => {
    const server = await track(startUdpServer(IP, (d) => (d.toString() === 'ping' ? 'pong-1' : 'nope')));
    const result = await probeUdp({ kind: 'udp', ip: IP, port: server.port, timeoutMs: 1000, payload: 'ping', expect: 'pong' });
    expect(result).toMatchObject({ outcome: 'ok', detail: 'replied "pong-1"' });
    expect(server.received.map(String)).toEqual(['ping']);
  });
  it('udp_unexpected_reply when the reply lacks the expected string', async () => {
    const server = await track(startUdpServer(IP, () => 'nope'));
    const result = await probeUdp({ kind: 'udp', ip: IP, port: server.port, timeoutMs: 1000, payload: 'ping', expect: 'pong' });
    expect(result.outcome).toBe('udp_unexpected_reply');
    expect(result.detail).toBe('replied "nope", expected "pong"');
  });
  it('silence is ok without expect (as SLB judges) and udp_no_reply with expect', async () => {
    const server = await track(startUdpServer(IP, () => null));
    const silentOk = await probeUdp({ kind: 'udp', ip: IP, port: server.port, timeoutMs: 200, payload: null, expect: null });
    const noReply = await probeUdp({ kind: 'udp', ip: IP, port: server.port, timeoutMs: 200, payload: 'ping', expect: 'pong' });
    expect([silentOk.outcome, noReply.outcome]).toEqual(['ok', 'udp_no_reply']);
    expect(server.received[0]?.toString()).toBe(DEFAULT_UDP_PAYLOAD);
  });
  it('udp_port_unreachable on ICMP port unreachable', async () => {
    const result = await probeUdp({ kind: 'udp', ip: IP, port: await closedUdpPort(IP), timeoutMs: 1000, payload: null, expect: null });
    expect(result.outcome).toBe('udp_port_unreachable');
  });
});

describe('probeTls', () => {
  it('reports protocol, cipher and certificate on a TLS port', async () => {
    const server = await track(startTlsServer(IP));
    const result = await probeTls({ kind: 'tls', ip: IP, port: server.port, timeoutMs: 2000, serverName: 'www.slb-test.com' });
    expect(result.outcome).toBe('ok');
    expect(result.detail).toMatch(/^TLSv1\.[23], \S+, certificate CN=slb-doctor-test, expires 2126-/);
  });
  it('sends SNI for a host name, never for an IPv4 or IPv6 literal', async () => {
    const server = await track(startTlsServer(IP));
    for (const serverName of ['www.slb-test.com', '127.0.0.42', '::1', '2001:db8::1', null]) {
      expect((await probeTls({ kind: 'tls', ip: IP, port: server.port, timeoutMs: 2000, serverName })).outcome).toBe('ok');
    }
    expect(server.serverNames).toEqual(['www.slb-test.com']);
  });
  it('builds its one TLS context without Node\'s root store: a probe that does not verify has no use for it', async () => {
    const server = await track(startTlsServer(IP));
    // A fresh copy of the prober, so that its one context is built while this test watches.
    const tls = require('node:tls') as typeof import('node:tls');
    const created = jest.spyOn(tls, 'createSecureContext');
    try {
      let isolated: typeof probeTls = probeTls;
      jest.isolateModules(() => {
        isolated = (require('../../lib/probe/tls') as typeof import('../../lib/probe/tls')).probeTls;
      });
      for (let i = 0; i < 2; i += 1) expect((await isolated({ kind: 'tls', ip: IP, port: server.port, timeoutMs: 2000, serverName: null })).outcome).toBe('ok');
      expect(created.mock.calls).toEqual([[{ ca: [] }]]);
    } finally {
      created.mockRestore();
    }
  });
  it('tls_handshake_failed on a plain HTTP port, response_timeout on a silent one, refused on a closed one', async () => {
    const plain = await track(startServer(IP, { onConnect: (socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')) }));
    const silent = await track(startServer(IP, hang));
    const onPlain = await probeTls({ kind: 'tls', ip: IP, port: plain.port, timeoutMs: 2000, serverName: IP });
    expect(onPlain.outcome).toBe('tls_handshake_failed');
    expect((await probeTls({ kind: 'tls', ip: IP, port: silent.port, timeoutMs: 200, serverName: null })).outcome).toBe('response_timeout');
    expect((await probeTls({ kind: 'tls', ip: IP, port: await closedTcpPort(IP), timeoutMs: 1000, serverName: null })).outcome).toBe('refused');
  });
});

describe('invalid targets', () => {
  it('never resolves a name nor throws on a bad port: an error outcome, no socket', async () => {
    const results = await Promise.all([
      runProbe({ kind: 'tcp', ip: 'example.invalid', port: 80, timeoutMs: 1000 }),
      runProbe({ kind: 'http', ip: IP, port: 70000, method: 'HEAD', uri: '/', httpVersion: '1.0', host: null, acceptedCodes: ['http_2xx'], timeoutMs: 1000 }),
      runProbe({ kind: 'udp', ip: IP, port: 0, timeoutMs: 1000, payload: null, expect: null }),
      runProbe({ kind: 'tls', ip: '10.0.0.300', port: 443, timeoutMs: 1000, serverName: null }),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['error', 'error', 'error', 'error']);
    expect(results[0]?.detail).toMatch(/not an IP address/);
    expect(results[1]?.detail).toMatch(/port 70000/);
  });
});

describe('runProbe', () => {
  it('dispatches by kind', async () => {
    const server = await track(startServer(IP, always(200)));
    const results = await Promise.all([
      runProbe({ kind: 'tcp', ip: IP, port: server.port, timeoutMs: 1000 }),
      runProbe({ kind: 'http', ip: IP, port: server.port, method: 'GET', uri: '/', httpVersion: '1.1', host: null, acceptedCodes: ['http_2xx'], timeoutMs: 1000 }),
    ]);
    expect(results.map((r) => [r.request.kind, r.outcome])).toEqual([['tcp', 'ok'], ['http', 'ok']]);
  });
});
