// The senders' POST over Node's http client: what a chat service answers is read as fetch would give it, a kept-alive
// socket carries a digest's parts, an endless or stalled reply cannot hold the run, and an idle socket never keeps a
// finished process alive.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { createNotifier } from '../../lib/notify/channels';
import { MAX_REDIRECTS, MAX_REPLY_BYTES, postOverNodeHttp } from '../../lib/notify/post';
import { parseTargets } from '../../lib/notify/targets';
import { closedTcpPort } from '../probe/helpers/servers';

const IP = '127.0.0.1';
const ROOT = resolve(__dirname, '..', '..');

interface TestServer {
  url: string;
  connections: number;
  bodies: string[];
  headers: IncomingMessage['headers'][];
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => {
    server.closeAllConnections();
    server.close(done);
  })));
});

async function serve(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<TestServer> {
  const server = createServer();
  // Longer than any test: only the client may close an idle kept-alive connection.
  server.keepAliveTimeout = 120_000;
  const state: TestServer = { url: '', connections: 0, bodies: [], headers: [], server };
  server.on('connection', () => state.connections++);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.bodies.push(Buffer.concat(chunks).toString('utf8'));
      state.headers.push(request.headers);
      answer(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, IP, listening));
  state.url = `http://${IP}:${(server.address() as AddressInfo).port}/robot/send?access_token=t0ken`;
  return state;
}

const post = (url: string, body: string, signal: AbortSignal = AbortSignal.timeout(5_000)) =>
  postOverNodeHttp(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body, signal });

describe('postOverNodeHttp', () => {
  it('sends the body and headers, and gives the status, headers (any case, repeats joined) and body', async () => {
    const target = await serve((_request, response) => {
      response.setHeader('Retry-After', '7');
      response.setHeader('X-Seen', ['a', 'b']);
      response.writeHead(429, { 'content-type': 'application/json' });
      response.end('{"errcode":130101,"errmsg":"send too fast"}');
    });
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { title: 'SLB', text: 'ü'.repeat(3) } });
    const reply = await post(target.url, body);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('7');
    expect(reply.headers.get('Retry-After')).toBe('7');
    expect(reply.headers.get('x-seen')).toBe('a, b');
    expect(reply.headers.get('x-absent')).toBeNull();
    expect(await reply.text()).toBe('{"errcode":130101,"errmsg":"send too fast"}');
    expect(target.bodies).toEqual([body]);
    expect(target.headers[0]).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  });

  it("sends a digest's parts over one kept-alive connection", async () => {
    const target = await serve((_request, response) => response.end('{"errcode":0,"errmsg":"ok"}'));
    for (let part = 1; part <= 3; part++) expect(await (await post(target.url, `{"part":${part}}`)).text()).toBe('{"errcode":0,"errmsg":"ok"}');
    expect(target.bodies).toHaveLength(3);
    expect(target.connections).toBe(1);
  });

  it('reads at most MAX_REPLY_BYTES of an endless reply and returns without waiting for its end', async () => {
    const target = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      // Twice the limit, then the reply never ends.
      response.write(Buffer.alloc(2 * MAX_REPLY_BYTES, 'x'));
    });
    const reply = await post(target.url, '{}', AbortSignal.timeout(60_000));
    const text = await reply.text();
    expect(text).toHaveLength(MAX_REPLY_BYTES);
    expect(text).toMatch(/^x+$/);
  });

  it('follows a 307 or 308 with the same POST and body, up to MAX_REDIRECTS, and returns any other redirect as it is', async () => {
    const moved = await serve((_request, response) => response.end('{"ok":true}'));
    const permanent = await serve((_request, response) => response.writeHead(308, { location: moved.url }).end());
    const temporary = await serve((_request, response) => response.writeHead(307, { location: '/elsewhere' }).end());
    const reply = await post(permanent.url, '{"part":1}');
    expect([reply.status, await reply.text()]).toEqual([200, '{"ok":true}']);
    expect(moved.bodies).toEqual(['{"part":1}']);
    // Relative to the URL that answered; then around in a loop until the hops run out.
    const looped = await post(temporary.url, '{"part":2}');
    expect(looped.status).toBe(307);
    expect(temporary.bodies).toEqual(Array.from({ length: MAX_REDIRECTS + 1 }, () => '{"part":2}'));

    const seeOther = await serve((_request, response) => response.writeHead(302, { location: moved.url }).end());
    const notFollowed = await post(seeOther.url, '{"part":3}');
    expect([notFollowed.status, notFollowed.headers.get('location')]).toEqual([302, moved.url]);
    expect(moved.bodies).toHaveLength(1);
  });

  it("gives a redirect that was not followed a reason that names where the URL moved (a sender's view)", async () => {
    const moved = await serve((_request, response) => response.end('{"ok":true}'));
    const oldUrl = await serve((_request, response) => response.writeHead(301, { location: moved.url.replace('127.0.0.1', 'localhost') }).end());
    const parsed = parseTargets(JSON.stringify([{ name: 'hook', kind: 'webhook', url: oldUrl.url }]), 'test');
    const [target] = parsed.targets;
    if (!target) throw new Error(parsed.errors.join('; '));
    const notifier = createNotifier(target, { http: postOverNodeHttp, timeoutMs: 5_000, wallClock: () => Date.now() });
    const result = await notifier.send({ url: oldUrl.url, headers: {}, body: '{}' });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok ? '' : result.reason).toMatch(/^127\.0\.0\.1:\d+: HTTP 301, the webhook URL redirects, to localhost:\d+ \(a POST follows only 307 and 308, 3 at most\): set the URL it moved to$/);
    expect(moved.bodies).toHaveLength(0);
  });

  it("rejects with the signal's reason when no reply comes in time, or when the body stalls", async () => {
    const silent = await serve(() => undefined);
    await expect(post(silent.url, '{}', AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });

    const stalling = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"errcode":');
    });
    const controller = new AbortController();
    const reply = await post(stalling.url, '{}', controller.signal);
    expect(reply.status).toBe(200);
    const text = reply.text();
    controller.abort(new Error('the run was interrupted'));
    await expect(text).rejects.toThrow('the run was interrupted');
  });

  it("rejects in fetch's shape on a refused connection and an unusable URL, and at once on an aborted signal", async () => {
    const refused = await post(`http://${IP}:${await closedTcpPort(IP)}/hook`, '{}').catch((err: unknown) => err);
    expect(refused).toMatchObject({ message: 'request failed', cause: { code: 'ECONNREFUSED' } });
    await expect(post('ftp://127.0.0.1/hook', '{}')).rejects.toMatchObject({ cause: { message: 'unsupported protocol ftp:' } });
    await expect(post('not a url', '{}')).rejects.toMatchObject({ message: 'request failed' });
    const target = await serve((_request, response) => response.end('ok'));
    const aborted = AbortSignal.abort(new Error('interrupted before sending'));
    await expect(post(target.url, '{}', aborted)).rejects.toThrow('interrupted before sending');
    expect(target.bodies).toHaveLength(0);
  });

  it('lets a process exit once it is done, though its kept-alive socket stays open on the server', async () => {
    const target = await serve((_request, response) => response.end('{"errcode":0}'));
    const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-post-'));
    try {
      const entry = join(dir, 'send.js');
      buildSync({
        absWorkingDir: ROOT,
        stdin: {
          contents: `import { postOverNodeHttp } from './lib/notify/post';
            postOverNodeHttp(process.argv[2], { method: 'POST', headers: {}, body: '{"part":1}', signal: AbortSignal.timeout(5000) })
              .then(async (reply) => console.log(reply.status, await reply.text()));`,
          resolveDir: ROOT,
          loader: 'ts',
        },
        outfile: entry,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        logLevel: 'error',
      });
      const child = spawn(process.execPath, [entry, target.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      // The server would hold the connection for 120 s; the child must end on its own long before the test's timeout.
      const code = await new Promise<number | null>((exited) => child.once('exit', exited));
      expect({ code, out: out.trim() }).toEqual({ code: 0, out: '200 {"errcode":0}' });
      expect(target.connections).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
