// The FC emulator against the real @alicloud/fc2 client: signature verification (bad secret, STS token, stale Date),
// sync/async invocations, timer events, HTTP triggers, timeout kill and throttling. Handlers are small fixture files.
import FCClient = require('@alicloud/fc2');
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFcEmulator, type FcEmulator } from '../../../lib/sandbox/fc';
import { FunctionHost } from '../../../lib/sandbox/fc/function-host';

const ACCOUNT = '1234567890123456';
const REGION = 'cn-hangzhou';
const OPERATOR = { accessKeyId: 'LTAItestoperator', accessKeySecret: 'operator-secret' };

const FIXTURES: Record<string, string> = {
  echo: `exports.handler = async (event, context) => ({
    event: event.toString('utf8'), isBuffer: Buffer.isBuffer(event), context,
    env: { GREETING: process.env.GREETING, FC_FUNCTION_NAME: process.env.FC_FUNCTION_NAME, leaked: process.env.JEST_WORKER_ID ?? null },
  });`,
  hang: `exports.handler = () => new Promise(() => {});`,
  fail: `exports.handler = async () => { throw new TypeError('boom'); };`,
  slow: `exports.handler = async () => { await new Promise((r) => setTimeout(r, 400)); return 'done'; };`,
  shared: `let running = 0; let peak = 0;
    exports.handler = async (event) => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 300)); running--; return { peak, pid: process.pid, event: event.toString('utf8') }; };`,
  // JSON text back for a UTF-8 event; for any other bytes, those bytes and one more that is not UTF-8 either.
  bytes: `exports.handler = async (event) => event[0] === 0x7b ? { hex: event.toString('hex'), text: JSON.parse(event.toString('utf8')).text } : Buffer.concat([event, Buffer.from([0xc3])]);`,
  web: `exports.handler = (req, resp) => {
    resp.setStatusCode(201);
    resp.setHeader('x-echo', String(req.queries.q));
    resp.send(JSON.stringify({ body: req.body.toString('utf8'), path: req.path, method: req.method, headers: req.headers, clientIP: req.clientIP }));
  };`,
};

let dir: string;
let fc: FcEmulator;

function client(keys: { accessKeyId: string; accessKeySecret: string; securityToken?: string }, extra: { headers?: Record<string, string> } = {}): FCClient {
  return new FCClient(ACCOUNT, {
    accessKeyID: keys.accessKeyId,
    accessKeySecret: keys.accessKeySecret,
    ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
    region: REGION,
    endpoint: fc.endpoint,
    timeout: 20_000,
    ...extra,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fc-emulator-'));
  for (const [name, source] of Object.entries(FIXTURES)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'index.js'), source);
  }
  const fn = (name: string, extra: object = {}) => ({ service: 'svc', name, codeDir: join(dir, name), timeoutSeconds: 10, memoryMB: 128, ...extra });
  fc = await startFcEmulator({
    accountId: ACCOUNT,
    region: REGION,
    accessKeys: [OPERATOR],
    functions: [
      fn('echo', { env: { GREETING: 'hello' } }),
      fn('hang', { timeoutSeconds: 1 }),
      fn('fail'),
      fn('slow', { maxInstances: 1, maxWaiting: 0 }),
      fn('shared', { maxInstances: 2, instanceConcurrency: 3 }),
      fn('web', { httpTrigger: { authType: 'anonymous', methods: ['POST'] } }),
    ],
  });
});

afterAll(async () => {
  await fc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the instance runtime', () => {
  test('event bytes reach the handler exactly and the result comes back exactly, UTF-8 or not', async () => {
    const host = new FunctionHost(
      { service: 'svc', name: 'bytes', codeDir: join(dir, 'bytes'), timeoutSeconds: 10, memoryMB: 128 },
      { accountId: ACCOUNT, region: REGION, credentials: OPERATOR, onLog: () => undefined, onAsyncDone: () => undefined },
    );
    try {
      const text = Buffer.from(JSON.stringify({ text: 'héllo ✓ \u{1F600}' }), 'utf8');
      const textReply = await host.invokeEvent(text, 'r-text');
      expect(textReply).toMatchObject({ kind: 'result', ok: true });
      const answered = textReply !== 'throttled' && textReply.kind === 'result' && textReply.ok ? textReply.body : Buffer.alloc(0);
      expect(JSON.parse(answered.toString('utf8'))).toEqual({ hex: text.toString('hex'), text: 'héllo ✓ \u{1F600}' });
      const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
      const binaryReply = await host.invokeEvent(binary, 'r-binary');
      expect(binaryReply).toMatchObject({ kind: 'result', ok: true, body: Buffer.concat([binary, Buffer.from([0xc3])]) });
    } finally {
      await host.stop();
    }
  });
});

describe('signature verification', () => {
  test('a correctly signed STS request runs the function with FC context and a clean environment', async () => {
    const reply = await client(fc.credentials).invokeFunction('svc', 'echo', '{"a":1}');
    const data = JSON.parse(String(reply.data)) as { event: string; isBuffer: boolean; context: Record<string, unknown>; env: Record<string, unknown> };
    expect(data.event).toBe('{"a":1}');
    expect(data.isBuffer).toBe(true);
    expect(data.context).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      function: { name: 'echo', handler: 'index.handler', memory: 128, timeout: 10 },
      service: { name: 'svc' },
      credentials: { accessKeyId: expect.stringMatching(/^STS\./), accessKeySecret: expect.any(String), securityToken: expect.any(String) },
    });
    expect(data.context.requestId).toBe(reply.headers['x-fc-request-id']);
    expect(data.env).toEqual({ GREETING: 'hello', FC_FUNCTION_NAME: 'echo', leaked: null });
  });

  test('a wrong secret is rejected with SignatureNotMatch and runs nothing', async () => {
    const before = fc.stats()['svc/echo']?.invocations;
    const err = await rejection(client({ ...OPERATOR, accessKeySecret: 'not-the-secret' }).invokeFunction('svc', 'echo', '{}'));
    expect(err.name).toBe('FCSignatureNotMatchError');
    expect(err.message).toContain('failed with 403');
    expect(fc.stats()['svc/echo']?.invocations).toBe(before);
  });

  test('an unknown key and a wrong STS token are rejected', async () => {
    expect((await rejection(client({ accessKeyId: 'LTAIunknown', accessKeySecret: 'x' }).invokeFunction('svc', 'echo', '{}'))).code).toBe('InvalidAccessKeyID');
    const wrongToken = { ...fc.credentials, securityToken: 'CAISforged' };
    expect((await rejection(client(wrongToken).invokeFunction('svc', 'echo', '{}'))).code).toBe('InvalidSecurityToken');
  });

  test('a stale Date is rejected even when the signature over it is right', async () => {
    const stale = new Date(Date.now() - 20 * 60 * 1000).toUTCString();
    const err = await rejection(client(OPERATOR, { headers: { date: stale } }).invokeFunction('svc', 'echo', '{}'));
    expect(err.code).toBe('RequestTimeTooSkewed');
  });

  test('unknown service and function answer 404 codes', async () => {
    expect((await rejection(client(OPERATOR).invokeFunction('nope', 'echo', '{}'))).code).toBe('ServiceNotFound');
    expect((await rejection(client(OPERATOR).invokeFunction('svc', 'nope', '{}'))).code).toBe('FunctionNotFound');
  });
});

describe('invocations', () => {
  test('an exception comes back as UnhandledInvocationError with the message', async () => {
    const reply = await client(OPERATOR).invokeFunction('svc', 'fail', '{}');
    expect(reply.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(reply.data).toMatchObject({ errorMessage: 'boom', errorType: 'TypeError' });
  });

  test('an invocation past the timeout is killed, and the next one gets a fresh instance', async () => {
    const reply = await client(OPERATOR).invokeFunction('svc', 'hang', '{}');
    expect(reply.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(reply.data).toMatchObject({ errorMessage: 'Function timed out after 1 seconds' });
    const again = await client(OPERATOR).invokeFunction('svc', 'hang', '{}');
    expect(again.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(fc.stats()['svc/hang']).toMatchObject({ timeouts: 2, coldStarts: 2 });
  });

  test('InstanceConcurrency: one instance runs several invocations at once, and a second starts only when it is full', async () => {
    const caller = client(OPERATOR);
    const replies = await Promise.all(['1', '2', '3', '4'].map((n) => caller.invokeFunction('svc', 'shared', n)));
    const data = replies.map((r) => JSON.parse(String(r.data)) as { peak: number; pid: number; event: string });
    expect(data.map((d) => d.event)).toEqual(['1', '2', '3', '4']);
    expect(new Set(data.map((d) => d.pid)).size).toBe(2);
    expect(Math.max(...data.map((d) => d.peak))).toBe(3);
    expect(fc.stats()['svc/shared']).toMatchObject({ invocations: 4, coldStarts: 2, throttled: 0 });
  });

  test('a caller beyond the instances and the wait queue is throttled with 429', async () => {
    const slow = client(OPERATOR);
    const results = await Promise.allSettled([slow.invokeFunction('svc', 'slow', '1'), slow.invokeFunction('svc', 'slow', '2')]);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code));
    expect(codes.sort()).toEqual(['ResourceExhausted', 'ok']);
  });

  test('an async invocation answers 202 at once and its result can be awaited', async () => {
    const reply = await client(OPERATOR).invokeFunction('svc', 'echo', '"queued"', { 'X-Fc-Invocation-Type': 'Async' });
    const requestId = String(reply.headers['x-fc-request-id']);
    const record = await fc.waitForAsync(requestId, 30_000);
    expect(record.status).toBe('succeeded');
    expect(JSON.parse(record.result ?? '{}')).toMatchObject({ event: '"queued"' });
  });

  test('an async payload over 128 KB is refused', async () => {
    const err = await rejection(client(OPERATOR).invokeFunction('svc', 'echo', 'x'.repeat(129 * 1024), { 'x-fc-invocation-type': 'Async' }));
    expect(err.code).toBe('EntityTooLarge');
  });

  test('fireTimer delivers a timer event', async () => {
    const record = await fc.waitForAsync(fc.fireTimer('echo', { payload: '{"all":true}', triggerName: 'every-5-minutes' }), 30_000);
    const event = JSON.parse((JSON.parse(record.result ?? '{}') as { event: string }).event) as Record<string, string>;
    expect(record.source).toBe('timer');
    expect(event).toEqual({ triggerTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), triggerName: 'every-5-minutes', payload: '{"all":true}' });
  });
});

describe('HTTP trigger', () => {
  test('passes body, path, queries and headers (without x-fc-*) and returns the response', async () => {
    const response = await fetch(`${fc.httpTriggerUrl('web')}hook/a?q=7`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-fc-forged': '1' },
      body: 'hello',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('7');
    const seen = (await response.json()) as { body: string; path: string; method: string; headers: Record<string, string>; clientIP: string };
    expect(seen).toMatchObject({ body: 'hello', path: '/hook/a', method: 'POST', clientIP: '127.0.0.1' });
    expect(seen.headers['content-type']).toBe('text/plain');
    expect(seen.headers['x-fc-forged']).toBeUndefined();
  });

  test('a method the trigger does not allow is refused', async () => {
    const response = await fetch(fc.httpTriggerUrl('web'), { method: 'GET' });
    expect(response.status).toBe(405);
  });
});
