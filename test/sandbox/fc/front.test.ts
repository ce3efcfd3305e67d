// The FC emulator's HTTP front on its own thread: a burst of new connections reaches the emulator's thread within a
// few turns of its event loop however busy that loop is (Node accepts one connection per listening socket per turn,
// so on the emulator's own loop the burst took one turn per connection), requests and replies cross whole, and a
// port in use fails with its errno code.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { startHttpFront, type FrontRequest, type HttpFront } from '../../../lib/sandbox/fc/front';

const BURST = 60;
const BUSY_TURN_MS = 20;
/** Bounds the busy loop however the burst goes. */
const MAX_BUSY_MS = 15_000;

/** A client in a process of its own (its loop stays free): BURST requests, each on a new connection, all at once. */
function burstClient(port: number): Promise<number[]> {
  const script = `
    const http = require('node:http');
    const statuses = [];
    for (let i = 0; i < ${BURST}; i++) {
      const req = http.request({ host: '127.0.0.1', port: ${port}, method: 'POST', path: '/burst/' + i, agent: false, timeout: 20000 }, (res) => {
        res.resume();
        res.on('end', () => { statuses.push(res.statusCode); if (statuses.length === ${BURST}) console.log(JSON.stringify(statuses)); });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', (err) => { console.error(err.message); process.exit(1); });
      req.end('x');
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`burst client exited with ${code}`))));
  });
}

let front: HttpFront | undefined;

afterEach(async () => {
  await front?.stop();
  front = undefined;
});

test('a burst of new connections reaches a busy emulator thread within a few turns of its loop', async () => {
  let turn = 0;
  const arrivalTurns: number[] = [];
  front = await startHttpFront({ host: '127.0.0.1', port: 0, bodyLimit: 1024 }, async () => {
    arrivalTurns.push(turn);
    return { status: 204, headers: {}, body: '' };
  });
  const started = Date.now();
  let busy = true;
  const busyLoop = (): void => {
    turn++;
    const until = Date.now() + BUSY_TURN_MS;
    while (Date.now() < until);
    if (busy && arrivalTurns.length < BURST && Date.now() - started < MAX_BUSY_MS) setImmediate(busyLoop);
  };
  const statuses = burstClient(front.port);
  setImmediate(busyLoop);
  const answered = await statuses;
  busy = false;
  expect(answered).toEqual(new Array<number>(BURST).fill(204));
  const first = Math.min(...arrivalTurns);
  const last = Math.max(...arrivalTurns);
  // On the emulator's own loop this spread was one turn per connection (BURST); a few turns leave room for a slow
  // worker start on a loaded machine.
  expect(last - first).toBeLessThan(BURST / 4);
});

test('the request arrives whole and the reply goes back whole; a body over the limit arrives as null', async () => {
  const seen: FrontRequest[] = [];
  front = await startHttpFront({ host: '127.0.0.1', port: 0, bodyLimit: 8 }, async (request) => {
    seen.push(request);
    return { status: 201, headers: { 'x-reply': 'yes', 'set-cookie': ['a=1', 'b=2'] }, body: Buffer.from([0xc3, 0x28]) };
  });
  const small = await fetch(`http://127.0.0.1:${front.port}/path?q=1`, { method: 'PUT', headers: { 'x-asked': 'v' }, body: 'abc' });
  expect(small.status).toBe(201);
  expect(small.headers.get('x-reply')).toBe('yes');
  expect(small.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  expect(Buffer.from(await small.arrayBuffer())).toEqual(Buffer.from([0xc3, 0x28]));
  const large = await fetch(`http://127.0.0.1:${front.port}/`, { method: 'POST', body: 'more than eight bytes' });
  expect(large.status).toBe(201);
  expect(seen.map((r) => ({ method: r.method, url: r.url, asked: r.headers['x-asked'], body: r.body?.toString() ?? null }))).toEqual([
    { method: 'PUT', url: '/path?q=1', asked: 'v', body: 'abc' },
    { method: 'POST', url: '/', asked: undefined, body: null },
  ]);
  expect(seen[0]?.remoteAddress).toBe('127.0.0.1');
});

test('a port in use fails with EADDRINUSE, which the sandbox reads to relocate', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  const address = taken.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    await expect(startHttpFront({ host: '127.0.0.1', port, bodyLimit: 8 }, async () => ({ status: 200, headers: {}, body: '' }))).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});
