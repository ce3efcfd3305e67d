// A Function Compute 2.0 emulator on loopback: InvokeFunction (sync and async) and HTTP triggers, verifying the
// request signature @alicloud/fc2 computes, running the real function bundles in child processes with FC's context,
// environment, memory and timeout. Timer triggers fire on demand; async results are kept for the demo to await.
// Connections are accepted and requests read on a thread of its own (front.ts); everything else happens here.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxService } from '../service';
import { startHttpFront, type FrontReply, type FrontRequest } from './front';
import { FunctionHost, type HttpTriggerRequest } from './function-host';
import type { InstanceReply } from './instance';
import { parseAuthorization, sdkContentMd5, sign, signaturesEqual, stringToSign, type QueryBag } from './signature';
import type { AsyncInvocationRecord, EmulatedCredentials, FcEmulatorOptions, FunctionStats } from './types';

export const API_VERSION = '2016-08-15';
/** FC 2.0 payload limits: 32 MB for sync invocations and HTTP triggers, 128 KB for async invocations. */
export const MAX_SYNC_PAYLOAD_BYTES = 32 * 1024 * 1024;
export const MAX_ASYNC_PAYLOAD_BYTES = 128 * 1024;
const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_KEPT_RECORDS = 1000;
const MAX_KEPT_LOG_LINES = 500;
// Request headers FC does not pass to an HTTP-trigger function, and response headers it does not pass back.
const HOP_HEADERS = new Set(['connection', 'keep-alive']);
const RESPONSE_HEADERS_DROPPED = new Set(['connection', 'keep-alive', 'content-length', 'date', 'server', 'upgrade', 'transfer-encoding']);

export type FunctionRef = string | { service: string; name: string };

export interface FcEmulator extends SandboxService {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  /** The service role's STS credentials the functions receive (also accepted for InvokeFunction). */
  readonly credentials: EmulatedCredentials;
  /** The URL of a function's HTTP trigger (append a path and `?token=…` as needed). */
  httpTriggerUrl(fn: FunctionRef): string;
  /** Fires the function's timer trigger once: an async invocation with {triggerTime, triggerName, payload}. */
  fireTimer(fn: FunctionRef, options?: { payload?: string; triggerName?: string }): string;
  asyncResults(): AsyncInvocationRecord[];
  /** Resolves when the async invocation has finished (succeeded or failed); rejects after timeoutMs. */
  waitForAsync(requestId: string, timeoutMs?: number): Promise<AsyncInvocationRecord>;
  /** Resolves when no async invocation is queued or running; rejects after timeoutMs. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  stats(): Record<string, FunctionStats>;
  /** The last lines the function printed (all functions when fn is omitted). */
  logs(fn?: FunctionRef): string[];
}

class FcApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function generatedRoleCredentials(): EmulatedCredentials {
  return {
    accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
    accessKeySecret: randomBytes(20).toString('base64url'),
    securityToken: `CAIS${randomBytes(48).toString('base64url')}`,
  };
}

function queriesOf(search: string): QueryBag {
  const queries: QueryBag = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const existing = queries[key];
    if (existing === undefined) queries[key] = value;
    else queries[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return queries;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startFcEmulator(options: FcEmulatorOptions): Promise<FcEmulator> {
  const credentials = options.credentials ?? generatedRoleCredentials();
  const keys = new Map<string, EmulatedCredentials>([[credentials.accessKeyId, credentials], ...(options.accessKeys ?? []).map((k): [string, EmulatedCredentials] => [k.accessKeyId, k])]);
  const maxSkew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const logLines: Array<{ fn: string; line: string }> = [];
  const records = new Map<string, AsyncInvocationRecord>();
  const recordWaiters = new Map<string, Array<(record: AsyncInvocationRecord) => void>>();
  const idleWaiters: Array<() => void> = [];
  let unfinished = 0;

  const onAsyncDone = (record: AsyncInvocationRecord): void => {
    unfinished--;
    for (const resolve of recordWaiters.get(record.requestId) ?? []) resolve(record);
    recordWaiters.delete(record.requestId);
    if (unfinished === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  };
  const onLog = (fn: string, line: string): void => {
    if (options.onLog) options.onLog(fn, line);
    logLines.push({ fn, line });
    if (logLines.length > MAX_KEPT_LOG_LINES) logLines.shift();
  };

  const hosts = new Map<string, FunctionHost>();
  const services = new Set<string>();
  for (const spec of options.functions) {
    const key = `${spec.service}/${spec.name}`;
    if (hosts.has(key)) throw new Error(`FC emulator: function ${key} is configured twice`);
    hosts.set(key, new FunctionHost(spec, { accountId: options.accountId, region: options.region, credentials, onLog, onAsyncDone }));
    services.add(spec.service);
  }

  const hostOf = (fn: FunctionRef): FunctionHost => {
    if (typeof fn !== 'string') {
      const host = hosts.get(`${fn.service}/${fn.name}`);
      if (!host) throw new Error(`FC emulator: no function ${fn.service}/${fn.name}`);
      return host;
    }
    const matches = [...hosts.values()].filter((h) => h.spec.name === fn || `${h.spec.service}/${h.spec.name}` === fn);
    if (matches.length !== 1 || !matches[0]) throw new Error(`FC emulator: '${fn}' names ${matches.length} functions; use {service, name}`);
    return matches[0];
  };

  const enqueue = (host: FunctionHost, event: Buffer, requestId: string, source: AsyncInvocationRecord['source']): AsyncInvocationRecord | null => {
    const record = host.enqueueAsync(event, requestId, source);
    if (!record) return null;
    unfinished++;
    records.set(requestId, record);
    if (records.size > MAX_KEPT_RECORDS) {
      for (const [id, old] of records) {
        if (records.size <= MAX_KEPT_RECORDS) break;
        if (old.status === 'succeeded' || old.status === 'failed') records.delete(id);
      }
    }
    return record;
  };

  function decoded(segment: string): string {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new FcApiError(400, 'InvalidArgument', `path segment '${segment}' is not valid percent-encoding`);
    }
  }

  function lookup(serviceWithQualifier: string, functionName: string): FunctionHost {
    const [service = '', qualifier] = decoded(serviceWithQualifier).split('.', 2);
    if (qualifier !== undefined && qualifier !== 'LATEST') throw new FcApiError(404, 'VersionNotFound', `version '${qualifier}' of service '${service}' does not exist`);
    if (!services.has(service)) throw new FcApiError(404, 'ServiceNotFound', `service '${service}' does not exist`);
    const host = hosts.get(`${service}/${decoded(functionName)}`);
    if (!host) throw new FcApiError(404, 'FunctionNotFound', `function '${functionName}' does not exist in service '${service}'`);
    return host;
  }

  /** Verifies the request as FC does: Date within the skew, a known key, the STS token, the body MD5 and the signature. */
  function authenticate(req: FrontRequest, path: string, body: Buffer, queries: QueryBag | null): void {
    const authorization = headerOf(req.headers, 'authorization');
    const date = headerOf(req.headers, 'date');
    if (!authorization) throw new FcApiError(400, 'MissingRequiredHeader', 'required HTTP header authorization was not specified');
    if (!date) throw new FcApiError(400, 'MissingRequiredHeader', 'required HTTP header date was not specified');
    const sentAt = Date.parse(date);
    if (Number.isNaN(sentAt)) throw new FcApiError(400, 'InvalidArgument', `date header '${date}' is not an HTTP date`);
    if (Math.abs(Date.now() - sentAt) > maxSkew) {
      throw new FcApiError(403, 'RequestTimeTooSkewed', `the difference between the request time '${date}' and the current time is too large`);
    }
    const parsed = parseAuthorization(authorization);
    if (!parsed) throw new FcApiError(403, 'SignatureNotMatch', "authorization header must be 'FC <accessKeyId>:<signature>'");
    const key = keys.get(parsed.accessKeyId);
    if (!key) throw new FcApiError(403, 'InvalidAccessKeyID', `invalid access key ID '${parsed.accessKeyId}'`);
    if (key.securityToken !== undefined || key.accessKeyId.startsWith('STS')) {
      if (headerOf(req.headers, 'x-fc-security-token') !== key.securityToken) {
        throw new FcApiError(403, 'InvalidSecurityToken', `the security token for '${parsed.accessKeyId}' is missing or wrong`);
      }
    }
    const accountHeader = headerOf(req.headers, 'x-fc-account-id');
    if (accountHeader !== undefined && accountHeader !== options.accountId) {
      throw new FcApiError(403, 'AccessDenied', `account '${accountHeader}' is not the account that owns these functions`);
    }
    const md5 = headerOf(req.headers, 'content-md5');
    if (md5 !== undefined && md5 !== sdkContentMd5(body)) throw new FcApiError(400, 'InvalidArgument', 'content-md5 does not match the body');
    const expected = sign(key.accessKeySecret, stringToSign(req.method, path, req.headers, queries));
    if (!signaturesEqual(expected, parsed.signature)) {
      throw new FcApiError(403, 'SignatureNotMatch', 'The request signature we calculated does not match the signature you provided. Check your access key and signing method');
    }
  }

  function errorReply(err: FcApiError): FrontReply {
    return { status: err.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ErrorCode: err.code, ErrorMessage: err.message }) };
  }

  function invocationErrorReply(status: number, error: { errorMessage: string; errorType: string; stackTrace?: string[] }): FrontReply {
    return {
      status,
      headers: { 'x-fc-error-type': 'UnhandledInvocationError', 'content-type': 'application/json' },
      body: JSON.stringify({ errorMessage: error.errorMessage, errorType: error.errorType, stackTrace: error.stackTrace ?? [] }),
    };
  }

  function eventReply(reply: InstanceReply): FrontReply {
    if (reply.kind === 'result' && reply.ok) return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: reply.body };
    if (reply.kind === 'result' || reply.kind === 'died' || reply.kind === 'http-error') return invocationErrorReply(200, reply.error);
    return invocationErrorReply(200, { errorMessage: 'an event function answered like an HTTP function', errorType: 'Error' });
  }

  function httpReply(reply: InstanceReply): FrontReply {
    if (reply.kind === 'http') {
      const headers = Object.fromEntries(Object.entries(reply.headers).filter(([name]) => !RESPONSE_HEADERS_DROPPED.has(name) && !name.startsWith('x-fc-')));
      return { status: reply.status, headers, body: reply.body };
    }
    if (reply.kind === 'died' || reply.kind === 'http-error' || (reply.kind === 'result' && !reply.ok)) return invocationErrorReply(502, reply.error);
    return invocationErrorReply(502, { errorMessage: 'an HTTP function returned without resp.send()', errorType: 'Error' });
  }

  async function handleInvoke(req: FrontRequest, path: string, service: string, fn: string, requestId: string): Promise<FrontReply> {
    if (req.method !== 'POST') throw new FcApiError(400, 'PathNotSupported', `'${req.method}' against '${path}' is not supported`);
    const isAsync = (headerOf(req.headers, 'x-fc-invocation-type') ?? 'Sync').toLowerCase() === 'async';
    const body = req.body;
    if (body === null) throw new FcApiError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${MAX_SYNC_PAYLOAD_BYTES} bytes)`);
    authenticate(req, path, body, null);
    const host = lookup(service, fn);
    if (isAsync) {
      if (body.length > MAX_ASYNC_PAYLOAD_BYTES) throw new FcApiError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${MAX_ASYNC_PAYLOAD_BYTES} bytes)`);
      if (!enqueue(host, body, requestId, 'async')) throw new FcApiError(429, 'ResourceExhausted', `the async queue of ${host.spec.name} is full`);
      return { status: 202, headers: {}, body: '' };
    }
    const reply = await host.invokeEvent(body, requestId);
    if (reply === 'throttled') throw new FcApiError(429, 'ResourceExhausted', `all instances of ${host.spec.name} are busy and too many requests wait`);
    return eventReply(reply);
  }

  async function handleHttpTrigger(req: FrontRequest, rawPath: string, search: string, service: string, fn: string, rest: string, requestId: string): Promise<FrontReply> {
    const host = lookup(service, fn);
    const trigger = host.spec.httpTrigger;
    if (!trigger) throw new FcApiError(404, 'TriggerNotFound', `function '${host.spec.name}' has no HTTP trigger`);
    const method = req.method;
    const methods = trigger.methods ?? ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'];
    if (!methods.includes(method)) throw new FcApiError(405, 'MethodNotAllowed', `method ${method} is not allowed by the HTTP trigger of ${host.spec.name}`);
    const body = req.body;
    if (body === null) throw new FcApiError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${MAX_SYNC_PAYLOAD_BYTES} bytes)`);
    const queries = queriesOf(search);
    if (trigger.authType === 'function') authenticate(req, rawPath, body, queries);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_HEADERS.has(name) || name.startsWith('x-fc-')) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request: HttpTriggerRequest = {
      method,
      path: rest === '' ? '/' : decoded(rest),
      url: `${rawPath}${search}`,
      queries,
      headers,
      clientIP: req.remoteAddress,
      body,
    };
    const reply = await host.invokeHttp(request, requestId);
    if (reply === 'throttled') throw new FcApiError(429, 'ResourceExhausted', `all instances of ${host.spec.name} are busy and too many requests wait`);
    return httpReply(reply);
  }

  /** Answers one request; every failure becomes FC's error reply, so it never rejects. */
  async function answer(req: FrontRequest): Promise<FrontReply> {
    const requestId = randomUUID();
    const url = req.url;
    const queryStart = url.indexOf('?');
    const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
    const search = queryStart < 0 ? '' : url.slice(queryStart);
    const invoke = new RegExp(`^/${API_VERSION}/services/([^/]+)/functions/([^/]+)/invocations$`).exec(rawPath);
    const proxy = new RegExp(`^/${API_VERSION}/proxy/([^/]+)/([^/]+)(/.*)?$`).exec(rawPath);
    let reply: FrontReply;
    try {
      if (invoke?.[1] !== undefined && invoke[2] !== undefined) reply = await handleInvoke(req, rawPath, invoke[1], invoke[2], requestId);
      else if (proxy?.[1] !== undefined && proxy[2] !== undefined) reply = await handleHttpTrigger(req, rawPath, search, proxy[1], proxy[2], proxy[3] ?? '', requestId);
      else throw new FcApiError(400, 'PathNotSupported', `'${req.method}' against '${rawPath}' is not supported`);
    } catch (err) {
      const apiError = err instanceof FcApiError ? err : new FcApiError(500, 'InternalServerError', `an internal error has occurred: ${err instanceof Error ? err.message : String(err)}`);
      reply = errorReply(apiError);
    }
    return { ...reply, headers: { ...reply.headers, 'x-fc-request-id': requestId } };
  }

  const host = options.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) throw new Error(`FC emulator: listens on loopback only, not '${host}'`);
  const front = await startHttpFront({ host, port: options.port ?? 0, bodyLimit: MAX_SYNC_PAYLOAD_BYTES }, answer);
  const endpoint = `http://${host}:${front.port}`;

  const withTimeout = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`FC emulator: ${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });

  return {
    name: 'fc',
    endpoint,
    accountId: options.accountId,
    region: options.region,
    credentials,
    describe: () => ({
      endpoint,
      accountId: options.accountId,
      region: options.region,
      apiVersion: API_VERSION,
      functions: [...hosts.values()].map((h) => ({
        service: h.spec.service,
        name: h.spec.name,
        handler: h.handler,
        timeoutSeconds: h.spec.timeoutSeconds,
        memoryMB: h.spec.memoryMB,
        ...(h.spec.vpc ? { vpc: h.spec.vpc } : {}),
        ...(h.spec.httpTrigger ? { httpTrigger: `${endpoint}/${API_VERSION}/proxy/${h.spec.service}/${h.spec.name}/` } : {}),
      })),
    }),
    httpTriggerUrl: (fn) => {
      const h = hostOf(fn);
      return `${endpoint}/${API_VERSION}/proxy/${h.spec.service}/${h.spec.name}/`;
    },
    fireTimer: (fn, timer = {}) => {
      const h = hostOf(fn);
      const requestId = randomUUID();
      const event = { triggerTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), triggerName: timer.triggerName ?? 'every-5-minutes', payload: timer.payload ?? '' };
      if (!enqueue(h, Buffer.from(JSON.stringify(event)), requestId, 'timer')) throw new Error(`FC emulator: the async queue of ${h.spec.name} is full`);
      return requestId;
    },
    asyncResults: () => [...records.values()].map((r) => ({ ...r })),
    waitForAsync: (requestId, timeoutMs = 120_000) => {
      const record = records.get(requestId);
      if (!record) return Promise.reject(new Error(`FC emulator: no async invocation ${requestId}`));
      if (record.status === 'succeeded' || record.status === 'failed') return Promise.resolve({ ...record });
      const done = new Promise<AsyncInvocationRecord>((resolve) => recordWaiters.set(requestId, [...(recordWaiters.get(requestId) ?? []), (r) => resolve({ ...r })]));
      return withTimeout(done, timeoutMs, `async invocation ${requestId}`);
    },
    waitForIdle: (timeoutMs = 120_000) => {
      if (unfinished === 0) return Promise.resolve();
      return withTimeout(new Promise<void>((resolve) => idleWaiters.push(resolve)), timeoutMs, 'the async queue');
    },
    stats: () => Object.fromEntries([...hosts.entries()].map(([key, h]) => [key, { ...h.stats }])),
    logs: (fn) => {
      const name = fn === undefined ? null : hostOf(fn).spec.name;
      return logLines.filter((l) => name === null || l.fn === name).map((l) => `${l.fn}: ${l.line}`);
    },
    stop: async () => {
      await Promise.all([...hosts.values()].map((h) => h.stop()));
      await front.stop();
    },
  };
}

