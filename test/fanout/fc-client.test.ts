// lib/cloud/fc.ts: invocations through the real @alicloud/fc2 client, against the FC emulator (signatures, function
// errors) and a scripted loopback server (retries of 5xx/throttling, no retry of auth).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFcClient, FcInvocationError, toFcError } from '../../lib/cloud/fc';
import { startFcEmulator, type FcEmulator } from '../../lib/sandbox/fc';
import { UserFacingError } from '../../lib/util/errors';

const ACCOUNT = '1234567890123456';
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 5_000 };

let dir: string;
let fc: FcEmulator;
let scripted: Server;
let scriptedReplies: Array<{ status: number; body: string; headers?: Record<string, string> }>;
let scriptedRequests = 0;

async function caught(promise: Promise<unknown>): Promise<FcInvocationError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FcInvocationError) return err;
    throw err;
  }
  throw new Error('expected an FcInvocationError');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fc-client-'));
  for (const [name, source] of Object.entries({
    echo: 'exports.handler = async (event) => ({ got: event.toString("utf8") });',
    fail: 'exports.handler = async () => { throw new Error("probe crashed"); };',
  })) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'index.js'), source);
  }
  fc = await startFcEmulator({
    accountId: ACCOUNT,
    region: 'cn-hangzhou',
    functions: ['echo', 'fail'].map((name) => ({ service: 'svc', name, codeDir: join(dir, name), timeoutSeconds: 10, memoryMB: 128 })),
  });
  scripted = createServer((req, res) => {
    scriptedRequests++;
    req.resume();
    const reply = scriptedReplies.shift() ?? { status: 200, body: '"ok"' };
    res.writeHead(reply.status, { 'content-type': 'application/json', 'x-fc-request-id': `req-${scriptedRequests}`, ...reply.headers });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await fc?.stop();
  scripted?.closeAllConnections();
  await new Promise<void>((resolve) => (scripted ? scripted.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  scriptedReplies = [];
  scriptedRequests = 0;
});

function emulatorClient(secret?: string) {
  const credentials = secret ? { ...fc.credentials, accessKeySecret: secret } : fc.credentials;
  return createFcClient({ accountId: ACCOUNT, region: 'cn-hangzhou', credentials, endpoint: fc.endpoint, retry: FAST_RETRY });
}

function scriptedClient() {
  const port = (scripted.address() as AddressInfo).port;
  return createFcClient({ accountId: ACCOUNT, region: 'cn-hangzhou', credentials: { accessKeyId: 'LTAIx', accessKeySecret: 's' }, endpoint: `http://127.0.0.1:${port}`, retry: FAST_RETRY });
}

test('invokeSync returns the function result; invokeAsync returns the request id', async () => {
  const client = emulatorClient();
  const reply = await client.invokeSync('svc', 'echo', '{"jobs":[]}');
  expect(JSON.parse(reply.body)).toEqual({ got: '{"jobs":[]}' });
  expect(reply.requestId).toEqual(expect.any(String));
  const queued = await client.invokeAsync('svc', 'echo', '{}');
  expect((await fc.waitForAsync(queued.requestId ?? '', 30_000)).status).toBe('succeeded');
  expect(client.stats).toMatchObject({ invocations: 2, retries: 0, failures: 0 });
});

test('a function error is a non-retryable FcInvocationError carrying its message', async () => {
  const client = emulatorClient();
  const err = await caught(client.invokeSync('svc', 'fail', '{}'));
  expect(err).toMatchObject({ kind: 'function', retryable: false, code: 'FC_FUNCTION' });
  expect(err.message).toContain('probe crashed');
  expect(err.message).toContain('UnhandledInvocationError');
});

test('a wrong secret fails once, without retries, naming the fix', async () => {
  const client = emulatorClient('wrong-secret');
  const err = await caught(client.invokeSync('svc', 'echo', '{}'));
  expect(err).toMatchObject({ kind: 'auth', retryable: false, details: { fcCode: 'SignatureNotMatch', status: 403 } });
  expect(err.message).toMatch(/access key/);
  expect(client.stats).toMatchObject({ requests: 1, retries: 0, failures: 1 });
});

test('a missing function is reported as not-found', async () => {
  const err = await caught(emulatorClient().invokeSync('svc', 'missing', '{}'));
  expect(err).toMatchObject({ kind: 'not-found', details: { fcCode: 'FunctionNotFound', status: 404 } });
});

test('5xx and throttling are retried until the call succeeds', async () => {
  scriptedReplies = [
    { status: 503, body: '{"ErrorCode":"ResourceThrottled","ErrorMessage":"busy"}' },
    { status: 429, body: '{"ErrorCode":"ResourceExhausted","ErrorMessage":"too many"}' },
    { status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
  ];
  const client = scriptedClient();
  const reply = await client.invokeSync('svc', 'echo', '{}');
  expect(reply.body).toBe('ok');
  expect(scriptedRequests).toBe(4);
  expect(client.stats).toMatchObject({ requests: 4, retries: 3, throttled: 2, invocations: 1 });
});

test('retries stop at maxAttempts and the last error is reported', async () => {
  scriptedReplies = Array.from({ length: 5 }, () => ({ status: 500, body: '{"ErrorCode":"InternalServerError","ErrorMessage":"oops"}' }));
  const client = scriptedClient();
  const err = await caught(client.invokeSync('svc', 'echo', '{}', { retry: { maxAttempts: 2 } }));
  expect(err).toMatchObject({ kind: 'server', retryable: true });
  expect(scriptedRequests).toBe(2);
});

test('an unreachable endpoint is a retryable network error', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const client = createFcClient({ accountId: ACCOUNT, region: 'cn-hangzhou', credentials: { accessKeyId: 'LTAIx', accessKeySecret: 's' }, endpoint: `http://127.0.0.1:${port}`, retry: { ...FAST_RETRY, maxAttempts: 2 } });
  const err = await caught(client.invokeSync('svc', 'echo', '{}'));
  expect(err).toMatchObject({ kind: 'network', retryable: true });
  expect(client.stats.requests).toBe(2);
});

test('toFcError classifies what the SDK throws', () => {
  const sdkError = (name: string, code: string | undefined, status: number): Error => Object.assign(new Error(`POST /services/a failed with ${status}. requestid: r1, message: m.`), { name, code });
  expect(toFcError(sdkError('FCAccessDeniedError', 'AccessDenied', 403), 'a/b')).toMatchObject({ kind: 'access-denied', retryable: false, details: { requestId: 'r1' } });
  expect(toFcError(sdkError('FCundefinedError', undefined, 504), 'a/b')).toMatchObject({ kind: 'server', retryable: true });
  expect(toFcError(sdkError('FCInvalidArgumentError', 'InvalidArgument', 400), 'a/b')).toMatchObject({ kind: 'bad-request', retryable: false });
  expect(toFcError(Object.assign(new Error('ReadTimeout'), { name: 'RequestTimeoutError' }), 'a/b')).toMatchObject({ kind: 'network', retryable: true });
  expect(toFcError(new TypeError('weird'), 'a/b')).toMatchObject({ kind: 'unexpected', retryable: false });
});

test('bad client settings are one clear line each', () => {
  const base = { accountId: ACCOUNT, region: 'cn-hangzhou', credentials: { accessKeyId: 'LTAIx', accessKeySecret: 's' } };
  expect(() => createFcClient({ ...base, credentials: { accessKeyId: 'STS.abc', accessKeySecret: 's' } })).toThrow(/STS key but no security token/);
  expect(() => createFcClient({ ...base, accountId: 'acme' })).toThrow(UserFacingError);
  expect(() => createFcClient({ ...base, endpoint: 'ftp://127.0.0.1:1' })).toThrow(/http:\/\/ or https:\/\//);
});
