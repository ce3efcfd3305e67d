// The sandbox cloud runs the fault zoo on a thread of its own (lib/sandbox/backends/thread.ts): its backends must
// answer while the caller's thread is busy, and the thread must report, fail and stop like startBackends() itself.
import { spawn } from 'node:child_process';
import { BackendConfigError } from '../../../lib/sandbox/backends';
import { startBackendsOnThread, type BackendsOnThread } from '../../../lib/sandbox/backends/thread';
import type { Scenario, ScenarioEndpoint } from '../../../lib/sandbox/scenario/types';
import { escapeRegExp, randomTestNet } from '../../support/nets';
import { httpRequest, statusOf, tcpExchange } from './raw-client';

const NET = randomTestNet();
const PORT = 18043;
const HEALTHY = `${NET}.10`;
const HANG = `${NET}.11`;
const RESET = `${NET}.12`;

function scenarioWith(endpoints: ScenarioEndpoint[]): Scenario {
  return { regionId: 'cn-sandbox', accountId: '1', vpcs: [], instances: [], securityGroups: [], endpoints, loadBalancers: [] };
}

let backends: BackendsOnThread;

beforeAll(async () => {
  backends = await startBackendsOnThread(
    scenarioWith([
      { ip: HEALTHY, port: PORT, behaviour: 'healthy' },
      { ip: HANG, port: PORT, behaviour: 'hang' },
      { ip: RESET, port: PORT, behaviour: 'reset' },
      { ip: `${NET}.13`, port: PORT, behaviour: 'refused' },
    ]),
  );
});

afterAll(async () => {
  await backends?.stop();
});

/** Blocks this thread (no event loop turns at all) for `ms`. */
function blockThisThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// A client in a process of its own: says "ready", waits 200 ms, sends HEAD and prints when the answer came (ms since
// the epoch) and its first line. Bounded: one request, 5 s at most.
const CLIENT = `
const net = require('node:net');
const [ip, port] = process.argv.slice(1);
console.log('ready');
setTimeout(() => {
  const socket = net.connect({ host: ip, port: Number(port) });
  socket.setTimeout(5000, () => { console.log('timeout'); process.exit(1); });
  socket.on('error', (error) => { console.log(error.code); process.exit(1); });
  socket.on('connect', () => socket.write('HEAD / HTTP/1.0\\r\\n\\r\\n'));
  socket.once('data', (chunk) => { console.log(Date.now() + ' ' + chunk.toString().split('\\r\\n')[0]); process.exit(0); });
}, 200);
`;

describe('the fault zoo on its own thread', () => {
  it('answers while the thread that started it is blocked', async () => {
    const client = spawn(process.execPath, ['-e', CLIENT, HEALTHY, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    client.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve) => client.stdout.once('data', () => resolve()));
    // The client sends 200 ms from now; this thread turns again only after 1.5 s.
    blockThisThread(1_500);
    const unblockedAt = Date.now();
    await new Promise<void>((resolve) => client.once('exit', () => resolve()));
    const answer = output.split('\n').find((line) => /^\d+ /.test(line));
    expect(answer).toMatch(/^\d+ HTTP\/1\.[01] 200/);
    expect(Number(answer?.split(' ')[0])).toBeLessThan(unblockedAt);
  });

  it('serves every behaviour as startBackends does, and lists the endpoints that listen', async () => {
    expect([...backends.addresses].sort()).toEqual([`tcp://${HEALTHY}:${PORT}`, `tcp://${HANG}:${PORT}`, `tcp://${RESET}:${PORT}`].sort());
    expect(statusOf(await tcpExchange(HEALTHY, PORT, httpRequest('HEAD', '/'), { timeoutMs: 3000 }))).toBe(200);
    expect((await tcpExchange(RESET, PORT, httpRequest('GET', '/'), { timeoutMs: 3000 })).errorCode).toBe('ECONNRESET');
    expect((await tcpExchange(`${NET}.13`, PORT, null, { timeoutMs: 3000 })).errorCode).toBe('ECONNREFUSED');
  });

  it('reports the most connections one client held to one endpoint, per client', async () => {
    const held = [1, 2, 3].map(() => tcpExchange(HANG, PORT, httpRequest('GET', '/'), { timeoutMs: 400 }));
    await Promise.all(held);
    const peaks = await backends.peakConnectionsByClient();
    expect(peaks.get('127.0.0.1') ?? peaks.get('::ffff:127.0.0.1')).toBeGreaterThanOrEqual(3);
  });

  it('fails to start with the same errors, a taken address still marked as taken', async () => {
    const taken = startBackendsOnThread(scenarioWith([{ ip: HEALTHY, port: PORT, behaviour: 'healthy' }]));
    await expect(taken).rejects.toThrow(BackendConfigError);
    await expect(taken).rejects.toMatchObject({ addressInUse: true, taken: `tcp ${HEALTHY}:${PORT} is in use` });
    const bad = startBackendsOnThread(scenarioWith([{ ip: `${NET}.20`, port: PORT, behaviour: 'status' }]));
    await expect(bad).rejects.toThrow(new RegExp(`${escapeRegExp(`${NET}.20:${PORT}`)} \\(status\\): options\\.status`));
    await expect(bad).rejects.toMatchObject({ addressInUse: false });
  });

  it('frees every address on stop, and stops once', async () => {
    const running = await startBackendsOnThread(scenarioWith([{ ip: `${NET}.30`, port: PORT, behaviour: 'hang' }]));
    const held = tcpExchange(`${NET}.30`, PORT, httpRequest('GET', '/'), { timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all([running.stop(), running.stop()]);
    expect((await held).ending).not.toBe('timeout');
    expect((await tcpExchange(`${NET}.30`, PORT, null, { timeoutMs: 2000 })).errorCode).toBe('ECONNREFUSED');
    expect(await running.peakConnectionsByClient()).toEqual(new Map());
  });
});
