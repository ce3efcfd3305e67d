import * as tls from 'node:tls';
import { BackendConfigError, startBackends, type RunningBackends } from '../../../lib/sandbox/backends';
import type { BehaviourName, BehaviourOptions, Scenario, ScenarioEndpoint } from '../../../lib/sandbox/scenario/types';
import { escapeRegExp, randomTestNet } from '../../support/nets';
import { httpRequest, statusOf, tcpExchange, udpExchange, type TcpExchange } from './raw-client';

// Each behaviour on its own loopback address in this run's /24 (drawn per run: see test/support/nets.ts), all on one port.
const NET = randomTestNet();
const PORT = 18041;
const ENDPOINTS: { name: string; behaviour: BehaviourName; options?: BehaviourOptions; protocol?: 'udp' }[] = [
  { name: 'healthy', behaviour: 'healthy' },
  { name: 'not-found', behaviour: 'not-found' },
  { name: 'refused', behaviour: 'refused' },
  { name: 'blackhole', behaviour: 'blackhole' },
  { name: 'reset', behaviour: 'reset' },
  { name: 'close-silently', behaviour: 'close-silently' },
  { name: 'hang', behaviour: 'hang' },
  { name: 'slow', behaviour: 'slow', options: { delayMs: 1500 } },
  { name: 'head-refused', behaviour: 'head-refused' },
  { name: 'head-hangs', behaviour: 'head-hangs' },
  { name: 'default-server', behaviour: 'default-server', options: { domain: 'shop.example.com' } },
  { name: 'needs-host', behaviour: 'needs-host' },
  { name: 'redirect', behaviour: 'redirect', options: { location: 'https://shop.example.com/' } },
  { name: 'status', behaviour: 'status', options: { status: 503 } },
  { name: 'tls-only', behaviour: 'tls-only' },
  { name: 'trickle', behaviour: 'trickle', options: { delayMs: 50 } },
  { name: 'endless-headers', behaviour: 'endless-headers' },
  { name: 'garbage', behaviour: 'garbage' },
  { name: 'flapping', behaviour: 'flapping', options: { pattern: 'ok,fail,hang' } },
  { name: 'slb-source-blocked', behaviour: 'slb-source-blocked' },
  { name: 'udp-echo', behaviour: 'udp-echo', options: { reply: 'pong' }, protocol: 'udp' },
  { name: 'udp-echo-plain', behaviour: 'udp-echo', protocol: 'udp' },
  { name: 'udp-silent', behaviour: 'udp-silent', protocol: 'udp' },
  { name: 'udp-closed', behaviour: 'udp-closed', protocol: 'udp' },
];
const ipOf = (name: string): string => `${NET}.${ENDPOINTS.findIndex((endpoint) => endpoint.name === name) + 10}`;

function scenarioWith(endpoints: ScenarioEndpoint[]): Scenario {
  return { regionId: 'cn-sandbox', accountId: '1', vpcs: [], instances: [], securityGroups: [], endpoints, loadBalancers: [] };
}

const get = (name: string, path = '/', headers: Record<string, string> = {}, timeoutMs = 3000): Promise<TcpExchange> =>
  tcpExchange(ipOf(name), PORT, httpRequest('GET', path, headers), { timeoutMs });
const head = (name: string, path = '/', timeoutMs = 3000): Promise<TcpExchange> =>
  tcpExchange(ipOf(name), PORT, httpRequest('HEAD', path), { timeoutMs });

let backends: RunningBackends;

beforeAll(async () => {
  backends = await startBackends(
    scenarioWith([
      ...ENDPOINTS.map((endpoint) => ({
        ip: ipOf(endpoint.name),
        port: PORT,
        behaviour: endpoint.behaviour,
        ...(endpoint.options ? { options: endpoint.options } : {}),
        ...(endpoint.protocol ? { protocol: endpoint.protocol } : {}),
      })),
      { ip: `${NET}.250`, port: PORT, external: true },
    ]),
  );
});

afterAll(async () => {
  await backends?.stop();
});

describe('the fault zoo, seen through raw sockets', () => {
  it('lists every listening endpoint, not the refused, closed or external ones', () => {
    const addresses = backends.addresses();
    expect(addresses).toContain(`tcp://${ipOf('healthy')}:${PORT}`);
    expect(addresses).toContain(`udp://${ipOf('udp-echo')}:${PORT}`);
    expect(addresses).toContain(`tcp://${ipOf('blackhole')}:${PORT}`);
    expect(addresses.some((address) => address.includes(ipOf('refused')) || address.includes(ipOf('udp-closed')))).toBe(false);
    expect(addresses.some((address) => address.includes(`${NET}.250`))).toBe(false);
    expect(addresses).toHaveLength(ENDPOINTS.length - 2);
  });

  it('healthy: 200 to GET and HEAD on any path; HEAD has no body', async () => {
    const answer = await get('healthy', '/anything?x=1');
    expect(statusOf(answer)).toBe(200);
    expect(answer.data.toString()).toMatch(/\r\n\r\nok\n$/);
    const headAnswer = await head('healthy');
    expect(statusOf(headAnswer)).toBe(200);
    expect(headAnswer.data.toString()).toMatch(/Content-Length: 3\r\n[\s\S]*\r\n\r\n$/);
  });

  it('not-found: 200 on "/", 404 elsewhere', async () => {
    expect(statusOf(await get('not-found', '/'))).toBe(200);
    expect(statusOf(await get('not-found', '/health'))).toBe(404);
  });

  it('refused: the connection is refused', async () => {
    const answer = await get('refused');
    expect(answer).toMatchObject({ connected: false, ending: 'error', errorCode: 'ECONNREFUSED' });
  });

  it('blackhole: the TCP handshake never completes, so connect times out', async () => {
    const answer = await tcpExchange(ipOf('blackhole'), PORT, null, { timeoutMs: 1500 });
    expect(answer).toMatchObject({ connected: false, ending: 'timeout' });
  });

  it('reset: connects, then the connection is reset', async () => {
    const answer = await get('reset');
    expect(answer.ending).toBe('reset');
    expect(answer.data.length).toBe(0);
  });

  it('close-silently: connects, reads, closes with no bytes', async () => {
    const answer = await get('close-silently');
    expect(answer).toMatchObject({ connected: true, ending: 'end' });
    expect(answer.data.length).toBe(0);
  });

  it('hang: connects and never answers', async () => {
    const answer = await get('hang', '/', {}, 800);
    expect(answer).toMatchObject({ connected: true, ending: 'timeout' });
    expect(answer.data.length).toBe(0);
  });

  it('slow: nothing within a short wait, then a valid 200', async () => {
    const early = await get('slow', '/', {}, 100);
    expect(early).toMatchObject({ connected: true, ending: 'timeout' });
    expect(early.data.length).toBe(0);
    expect(statusOf(await get('slow', '/', {}, 5000))).toBe(200);
  });

  it('head-refused: 405 to HEAD, 200 to GET', async () => {
    const refusedHead = await head('head-refused');
    expect(statusOf(refusedHead)).toBe(405);
    expect(refusedHead.data.toString()).toContain('Allow: GET');
    expect(statusOf(await get('head-refused'))).toBe(200);
  });

  it('head-hangs: HEAD gets nothing, GET gets 200', async () => {
    const hungHead = await head('head-hangs', '/', 600);
    expect(hungHead).toMatchObject({ connected: true, ending: 'timeout' });
    expect(hungHead.data.length).toBe(0);
    expect(statusOf(await get('head-hangs'))).toBe(200);
  });

  it('default-server: 404 unless Host is the configured domain (case and port ignored)', async () => {
    expect(statusOf(await get('default-server', '/', { Host: ipOf('default-server') }))).toBe(404);
    expect(statusOf(await get('default-server', '/'))).toBe(404);
    expect(statusOf(await get('default-server', '/', { Host: 'shop.example.com' }))).toBe(200);
    expect(statusOf(await get('default-server', '/', { Host: 'SHOP.example.com:80' }))).toBe(200);
  });

  it('needs-host: 400 without Host, 200 with it', async () => {
    expect(statusOf(await get('needs-host'))).toBe(400);
    expect(statusOf(await get('needs-host', '/', { Host: ipOf('needs-host') }))).toBe(200);
  });

  it('redirect: 302 with the configured Location', async () => {
    const answer = await get('redirect');
    expect(statusOf(answer)).toBe(302);
    expect(answer.data.toString()).toContain('Location: https://shop.example.com/\r\n');
  });

  it('status: always the configured status', async () => {
    expect(statusOf(await get('status', '/health'))).toBe(503);
  });

  it('tls-only: plain HTTP gets nginx-style 400, TLS gets 200 with a self-signed certificate for the IP', async () => {
    const plain = await get('tls-only');
    expect(statusOf(plain)).toBe(400);
    expect(plain.data.toString()).toContain('plain HTTP request was sent to HTTPS port');
    const overTls = await new Promise<{ text: string; subject: string }>((resolve, reject) => {
      const socket = tls.connect({ host: ipOf('tls-only'), port: PORT, rejectUnauthorized: false, timeout: 3000 });
      let text = '';
      socket.on('secureConnect', () => socket.write(httpRequest('GET', '/')));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve({ text, subject: socket.getPeerX509Certificate()?.subject ?? '' }));
      socket.on('timeout', () => reject(new Error('TLS exchange timed out')));
      socket.on('error', reject);
    });
    expect(overTls.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(overTls.subject).toBe(`CN=${ipOf('tls-only')}`);
  });

  it('trickle: a status line, then bytes that never finish the head', async () => {
    const answer = await get('trickle', '/', {}, 700);
    const text = answer.data.toString('latin1');
    expect(answer.ending).toBe('timeout');
    expect(text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(text.length).toBeGreaterThan('HTTP/1.1 200 OK\r\n'.length);
    expect(text).not.toContain('\r\n\r\n');
  });

  it('endless-headers: header lines beyond 16 KB and no end of head', async () => {
    const answer = await tcpExchange(ipOf('endless-headers'), PORT, httpRequest('GET', '/'), { timeoutMs: 3000, maxBytes: 64 * 1024 });
    expect(answer.ending).toBe('enough');
    expect(answer.data.length).toBeGreaterThan(16 * 1024);
    expect(answer.data.toString('latin1')).not.toContain('\r\n\r\n');
  });

  it('garbage: answers bytes that are not HTTP', async () => {
    const answer = await get('garbage');
    expect(answer.data.length).toBeGreaterThan(0);
    expect(answer.data.subarray(0, 5).toString('latin1')).not.toBe('HTTP/');
  });

  it('flapping: follows its pattern request by request', async () => {
    expect(statusOf(await get('flapping'))).toBe(200);
    expect(statusOf(await get('flapping'))).toBe(503);
    const hung = await get('flapping', '/', {}, 500);
    expect(hung).toMatchObject({ connected: true, ending: 'timeout' });
    expect(statusOf(await get('flapping'))).toBe(200);
    // SLB's checker walks the pattern on its own: its first request gets the first step, and ours go on where they were.
    const fromSlb = await tcpExchange(ipOf('flapping'), PORT, httpRequest('GET', '/'), { timeoutMs: 1500, localAddress: '127.100.64.3' });
    expect(statusOf(fromSlb)).toBe(200);
    expect(statusOf(await get('flapping'))).toBe(503);
  });

  it('slb-source-blocked: answers 127.0.0.1, while a connect from 127.100.64.2 times out', async () => {
    const ip = ipOf('slb-source-blocked');
    const fromVpc = await tcpExchange(ip, PORT, httpRequest('HEAD', '/'), { timeoutMs: 3000, localAddress: '127.0.0.1' });
    expect(statusOf(fromVpc)).toBe(200);
    const fromSlb = await tcpExchange(ip, PORT, httpRequest('HEAD', '/'), { timeoutMs: 1500, localAddress: '127.100.64.2' });
    expect(fromSlb).toMatchObject({ connected: false, ending: 'timeout' });
    const fromNeighbour = await tcpExchange(ip, PORT, httpRequest('HEAD', '/'), { timeoutMs: 3000, localAddress: '127.100.65.2' });
    expect(statusOf(fromNeighbour)).toBe(200);
  });

  it('udp-echo: replies options.reply, or echoes the datagram', async () => {
    expect(await udpExchange(ipOf('udp-echo'), PORT, 'ping', 2000)).toEqual({ reply: 'pong' });
    expect(await udpExchange(ipOf('udp-echo-plain'), PORT, 'hello', 2000)).toEqual({ reply: 'hello' });
  });

  it('udp-silent: neither a reply nor an ICMP error', async () => {
    expect(await udpExchange(ipOf('udp-silent'), PORT, 'ping', 500)).toEqual({});
  });

  it('udp-closed: ICMP port unreachable (ECONNREFUSED on a connected socket)', async () => {
    expect(await udpExchange(ipOf('udp-closed'), PORT, 'ping', 2000)).toEqual({ errorCode: 'ECONNREFUSED' });
  });
});

describe('robustness against hostile clients', () => {
  it('answers an oversized request head with 431 and a malformed one with 400', async () => {
    const huge = await tcpExchange(ipOf('healthy'), PORT, `GET /${'a'.repeat(20_000)}`, { timeoutMs: 3000 });
    expect(statusOf(huge)).toBe(431);
    const malformed = await tcpExchange(ipOf('healthy'), PORT, 'hello there\r\n\r\n', { timeoutMs: 3000 });
    expect(statusOf(malformed)).toBe(400);
  });

  it('keeps serving after many clients vanish mid-request', async () => {
    const abandoned = Array.from({ length: 100 }, (_, index) =>
      tcpExchange(ipOf(index % 2 ? 'hang' : 'trickle'), PORT, index % 3 ? 'GET / HT' : httpRequest('GET', '/'), { timeoutMs: 200 }),
    );
    await Promise.all(abandoned);
    expect(statusOf(await get('healthy'))).toBe(200);
    expect(statusOf(await get('hang', '/', {}, 300))).toBeUndefined();
  });
});

describe('configuration errors and stopping', () => {
  const one = (endpoint: ScenarioEndpoint): Promise<RunningBackends> => startBackends(scenarioWith([endpoint]));

  it('rejects options that cannot work, naming the endpoint and the fix', async () => {
    await expect(one({ ip: `${NET}.200`, port: PORT, behaviour: 'status' })).rejects.toThrow(new RegExp(`${escapeRegExp(`${NET}.200:${PORT}`)} \\(status\\): options\\.status`));
    await expect(one({ ip: `${NET}.200`, port: PORT, behaviour: 'default-server' })).rejects.toThrow(/options\.domain/);
    await expect(one({ ip: `${NET}.200`, port: PORT, behaviour: 'flapping', options: { pattern: 'ok,maybe' } })).rejects.toThrow(/ok\|fail\|hang/);
    await expect(one({ ip: '10.0.0.1', port: PORT, behaviour: 'healthy' })).rejects.toThrow(/loopback/);
    await expect(one({ ip: `${NET}.200`, port: PORT, protocol: 'udp', behaviour: 'healthy' })).rejects.toThrow(/behaviour is tcp/);
    await expect(one({ ip: ipOf('healthy'), port: PORT, behaviour: 'healthy' })).rejects.toThrow(BackendConfigError);
    await expect(one({ ip: ipOf('healthy'), port: PORT, behaviour: 'healthy' })).rejects.toThrow(/address is in use/);
    await expect(one({ ip: ipOf('healthy'), port: PORT, behaviour: 'blackhole' })).rejects.toThrow(/blackhole.*Address already in use/);
  });

  it('stops what it started when a later endpoint fails, and frees every address on stop', async () => {
    const taken = startBackends(
      scenarioWith([
        { ip: `${NET}.201`, port: PORT, behaviour: 'blackhole' },
        { ip: `${NET}.202`, port: PORT, behaviour: 'healthy' },
        { ip: ipOf('healthy'), port: PORT, behaviour: 'healthy' },
      ]),
    );
    await expect(taken).rejects.toThrow(/address is in use/);
    expect((await tcpExchange(`${NET}.202`, PORT, null, { timeoutMs: 2000 })).errorCode).toBe('ECONNREFUSED');
    expect((await tcpExchange(`${NET}.201`, PORT, null, { timeoutMs: 2000 })).errorCode).toBe('ECONNREFUSED');

    const running = await startBackends(
      scenarioWith([
        { ip: `${NET}.203`, port: PORT, behaviour: 'blackhole' },
        { ip: `${NET}.204`, port: PORT, behaviour: 'hang' },
      ]),
    );
    const held = tcpExchange(`${NET}.204`, PORT, httpRequest('GET', '/'), { timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await running.stop();
    expect((await held).ending).not.toBe('timeout');
    expect((await tcpExchange(`${NET}.203`, PORT, null, { timeoutMs: 2000 })).errorCode).toBe('ECONNREFUSED');
    expect((await tcpExchange(`${NET}.204`, PORT, null, { timeoutMs: 2000 })).errorCode).toBe('ECONNREFUSED');
    await running.stop();
  });
});
