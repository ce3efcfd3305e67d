// One POP-style RPC endpoint on 127.0.0.1 for one product (SLB or ECS): verifies V3 (ACS3-HMAC-SHA256) and legacy
// V1 (HMAC-SHA1) signatures, STS tokens, timestamps and nonces, then applies RAM denials, per-action quotas and
// scenario faults, and finally dispatches to the product's action handler. Errors use the real envelope.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ApiError, apiErrors } from './errors';
import { AccessKeyRegistry, isRamActionDenied, type AccessKeyRecord } from './credentials';
import { FaultInjector, type FaultDecision } from './faults';
import { NonceCache, QuotaBook } from './limits';
import { RequestParams } from './params';
import {
  parseQueryString,
  parseV3Authorization,
  sha256Hex,
  v1Signature,
  v1StringToSign,
  v3Signature,
  v3StringToSign,
} from './signature';
import type { ScenarioApiSettings } from '../scenario/types';
import type { SandboxService } from '../service';

export interface ActionContext {
  requestId: string;
  /** The host:port the client called, e.g. "127.0.0.1:40123". */
  endpoint: string;
}

/** Returns the action's fields (RequestId is added by the server) or throws ApiError. */
export type ActionHandler = (params: RequestParams, context: ActionContext) => Record<string, unknown>;

export interface OpenApiProduct {
  /** The product code used in RAM actions and banner keys: "slb", "ecs". */
  code: string;
  version: string;
  actions: Readonly<Record<string, ActionHandler>>;
  /** The load balancers a call concerns, so faults can be scoped by LoadBalancerId. */
  loadBalancerIdsOf?(params: RequestParams): string[];
}

export interface ActionStats {
  calls: number;
  ok: number;
  /** Error code (or injected body fault) → count. */
  errors: Record<string, number>;
}

export interface ApiStats {
  total: number;
  /** Keyed "product:Action", e.g. "slb:DescribeHealthStatus". */
  actions: Record<string, ActionStats>;
}

/** State shared by every API server of one sandbox: keys, replay cache, quotas, faults, latency and call counts. */
export interface OpenApiPolicy {
  readonly keys: AccessKeyRegistry;
  readonly accountId: string;
  readonly nonces: NonceCache;
  readonly quotas: QuotaBook;
  readonly faults: FaultInjector;
  readonly latencyMs: readonly [number, number];
  /** Wall clock in ms (injectable so tests can skew the server against the client). */
  readonly now: () => number;
  readonly random: () => number;
  record(product: string, action: string, outcome: string): void;
  stats(): ApiStats;
}

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** RPC calls carry their parameters in the query: nearly every body is empty, and so is its hash's input. */
const EMPTY_BODY_SHA256 = sha256Hex('');
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_HEAD_BYTES = 128 * 1024;
/** Parameters of the V1 signing protocol itself, not of the action. */
const V1_PROTOCOL_PARAMS = new Set([
  'Action', 'Version', 'Format', 'Timestamp', 'SignatureNonce', 'SignatureMethod', 'SignatureVersion', 'AccessKeyId',
  'Signature', 'SecurityToken', 'SignatureType', 'BearerToken',
]);

export interface OpenApiPolicyOptions {
  api?: ScenarioApiSettings;
  keys: AccessKeyRegistry;
  accountId: string;
  now?: () => number;
  random?: () => number;
}

export function createOpenApiPolicy(options: OpenApiPolicyOptions): OpenApiPolicy {
  const random = options.random ?? Math.random;
  const counts = new Map<string, ActionStats>();
  let total = 0;
  return {
    keys: options.keys,
    accountId: options.accountId,
    nonces: new NonceCache(2 * MAX_CLOCK_SKEW_MS),
    quotas: new QuotaBook(options.api?.quotas),
    faults: new FaultInjector(options.api?.faults, random),
    latencyMs: options.api?.latencyMs ?? [0, 0],
    now: options.now ?? Date.now,
    random,
    record(product, action, outcome) {
      total += 1;
      const key = `${product}:${action}`;
      const entry = counts.get(key) ?? { calls: 0, ok: 0, errors: {} };
      entry.calls += 1;
      if (outcome === 'ok') entry.ok += 1;
      else entry.errors[outcome] = (entry.errors[outcome] ?? 0) + 1;
      counts.set(key, entry);
    },
    stats() {
      const actions: Record<string, ActionStats> = {};
      for (const [key, entry] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        actions[key] = { calls: entry.calls, ok: entry.ok, errors: { ...entry.errors } };
      }
      return { total, actions };
    },
  };
}

export interface OpenApiServer extends SandboxService {
  /** `127.0.0.1:PORT`: what an SDK takes as `endpoint` (with protocol "http"). */
  readonly endpoint: string;
  readonly port: number;
  /** TCP connections accepted since the start (keep-alive clients reuse theirs). */
  connectionsAccepted(): number;
}

export interface OpenApiServerOptions {
  /** A loopback address; default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Called with unexpected handler exceptions (answered as InternalError); default writes to stderr. */
  onBug?: (err: unknown) => void;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  outcome: string;
}

export async function startOpenApiServer(product: OpenApiProduct, policy: OpenApiPolicy, options: OpenApiServerOptions = {}): Promise<OpenApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) throw new Error(`OpenAPI server host ${host} is not a loopback address`);
  const onBug = options.onBug ?? ((err: unknown) => process.stderr.write(`sandbox ${product.code} API bug: ${err instanceof Error ? err.stack : String(err)}\n`));
  const pendingReplies = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let connectionsAccepted = 0;

  // The SDKs put every RPC parameter in the query string, and RunCommand's CommandContent alone may be 24 KB: allow
  // request heads well above Node's 16 KB default, as the real gateway does.
  const server: Server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, (req, res) => {
    readBody(req)
      .then((body) => respond(req, res, body))
      .catch((err: unknown) => {
        onBug(err);
        res.destroy();
      });
  });
  server.on('connection', (socket) => {
    connectionsAccepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const respond = (req: IncomingMessage, res: ServerResponse, body: Buffer | null): void => {
    const requestId = randomUUID().toUpperCase();
    const endpoint = req.headers.host ?? '';
    let action = claimedAction(req);
    let decision: FaultDecision = { extraLatencyMs: 0 };
    let reply: Reply;
    try {
      if (body === null) throw apiErrors.requestTooLarge();
      const request = authenticate(req, body, policy);
      action = request.action || '(none)';
      if (!Object.hasOwn(product.actions, action) || request.version !== product.version) {
        throw apiErrors.invalidAction(request.action, request.version);
      }
      const handler = product.actions[action];
      if (isRamActionDenied(request.key.deny, product.code, action)) throw apiErrors.forbiddenRam(`${product.code}:${action}`, policy.accountId);
      const waitMs = policy.quotas.take(product.code, action, policy.now());
      if (waitMs > 0) throw apiErrors.throttlingUser(waitMs);
      decision = policy.faults.decide(product.code, action, () => product.loadBalancerIdsOf?.(request.params) ?? []);
      if (decision.failure?.kind === 'throttle-burst') throw apiErrors.throttlingUser(1000);
      if (decision.failure?.kind === 'http5xx') throw apiErrors.serviceUnavailable();
      if (decision.failure?.kind === 'internal-error') throw apiErrors.internalError();
      const fields = handler(request.params, { requestId, endpoint });
      reply = successReply(requestId, fields, decision);
    } catch (err) {
      if (!(err instanceof ApiError)) onBug(err);
      reply = errorReply(err instanceof ApiError ? err : apiErrors.internalError(), requestId, endpoint, product.code);
    }
    policy.record(product.code, action, reply.outcome);
    const [min, max] = policy.latencyMs;
    const delayMs = min + Math.floor(policy.random() * (max - min + 1)) + decision.extraLatencyMs;
    const send = (): void => {
      res.writeHead(reply.status, { ...reply.headers, 'x-acs-request-id': requestId, 'content-length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
    };
    if (delayMs <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      pendingReplies.delete(timer);
      send();
    }, delayMs);
    pendingReplies.add(timer);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `${host}:${port}`;

  return {
    name: product.code,
    endpoint,
    port,
    describe: () => ({ endpoint, protocol: 'http', version: product.version }),
    connectionsAccepted: () => connectionsAccepted,
    stop: async () => {
      for (const timer of pendingReplies) clearTimeout(timer);
      pendingReplies.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The body, or null when it exceeds the limit (the rest is drained and ignored). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Authentication

interface AuthenticatedRequest {
  action: string;
  version: string;
  key: AccessKeyRecord;
  params: RequestParams;
}

/** The action a request names before it is authenticated, for the call counts. */
function claimedAction(req: IncomingMessage): string {
  const fromHeader = headerValue(req, 'x-acs-action');
  if (fromHeader) return fromHeader;
  const queryStart = (req.url ?? '').indexOf('?');
  if (queryStart < 0) return '(none)';
  return new URLSearchParams((req.url ?? '').slice(queryStart + 1)).get('Action') || '(none)';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function authenticate(req: IncomingMessage, body: Buffer, policy: OpenApiPolicy): AuthenticatedRequest {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = parseQueryString(queryStart < 0 ? '' : url.slice(queryStart + 1));
  const contentType = headerValue(req, 'content-type') ?? '';
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? parseQueryString(body.toString('utf8')) : [];
  const method = req.method ?? 'GET';
  if (query.some(([key]) => key === 'Signature')) return authenticateV1(method, query, form, policy);
  return authenticateV3(req, method, path, query, form, body, policy);
}

function authenticateV3(
  req: IncomingMessage,
  method: string,
  path: string,
  query: [string, string][],
  form: [string, string][],
  body: Buffer,
  policy: OpenApiPolicy,
): AuthenticatedRequest {
  const authorization = headerValue(req, 'authorization');
  if (!authorization) throw apiErrors.incompleteSignature('The request carries neither an Authorization header nor a Signature parameter.');
  const auth = parseV3Authorization(authorization);
  const key = policy.keys.get(auth.accessKeyId);
  if (!key) throw apiErrors.accessKeyNotFound();
  checkSecurityToken(key, headerValue(req, 'x-acs-security-token'));
  checkTimestamp(headerValue(req, 'x-acs-date'), policy.now());
  const mustSign = ['host', ...Object.keys(req.headers).filter((name) => name.startsWith('x-acs-'))];
  const unsigned = mustSign.filter((name) => !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) throw apiErrors.incompleteSignature(`SignedHeaders must cover ${unsigned.join(', ')}.`);
  const contentSha256 = headerValue(req, 'x-acs-content-sha256');
  if (!contentSha256) throw apiErrors.incompleteSignature('The x-acs-content-sha256 header is missing.');
  if (contentSha256 !== (body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body))) throw apiErrors.contentHashMismatch();
  const headers: Record<string, string | undefined> = {};
  for (const name of auth.signedHeaders) headers[name] = headerValue(req, name);
  const stringToSign = v3StringToSign({ method, path, query, headers, signedHeaders: auth.signedHeaders, contentSha256 });
  if (!sameText(auth.signature, v3Signature(key.accessKeySecret, stringToSign))) throw apiErrors.signatureDoesNotMatch(stringToSign);
  claimNonce(headerValue(req, 'x-acs-signature-nonce'), policy);
  return {
    action: headerValue(req, 'x-acs-action') ?? '',
    version: headerValue(req, 'x-acs-version') ?? '',
    key,
    params: new RequestParams([...query, ...form]),
  };
}

function authenticateV1(method: string, query: [string, string][], form: [string, string][], policy: OpenApiPolicy): AuthenticatedRequest {
  const all = [...query, ...form];
  const param = (name: string): string | undefined => all.find(([key]) => key === name)?.[1];
  if (param('SignatureMethod') !== 'HMAC-SHA1' || param('SignatureVersion') !== '1.0') {
    throw apiErrors.incompleteSignature('Legacy signing needs SignatureMethod=HMAC-SHA1 and SignatureVersion=1.0.');
  }
  const accessKeyId = param('AccessKeyId');
  if (!accessKeyId) throw apiErrors.incompleteSignature('The AccessKeyId parameter is missing.');
  const key = policy.keys.get(accessKeyId);
  if (!key) throw apiErrors.accessKeyNotFound();
  checkSecurityToken(key, param('SecurityToken'));
  checkTimestamp(param('Timestamp'), policy.now());
  const stringToSign = v1StringToSign(method, all);
  if (!sameText(param('Signature') ?? '', v1Signature(key.accessKeySecret, stringToSign))) throw apiErrors.signatureDoesNotMatch(stringToSign);
  claimNonce(param('SignatureNonce'), policy);
  return {
    action: param('Action') ?? '',
    version: param('Version') ?? '',
    key,
    params: new RequestParams(all.filter(([name]) => !V1_PROTOCOL_PARAMS.has(name))),
  };
}

function checkSecurityToken(key: AccessKeyRecord, token: string | undefined): void {
  if (key.securityToken === undefined) return;
  if (!token) throw apiErrors.securityTokenMalformed();
  if (!sameText(token, key.securityToken)) throw apiErrors.securityTokenMismatch();
  if (key.expired) throw apiErrors.securityTokenExpired();
}

function checkTimestamp(value: string | undefined, now: number): void {
  if (!value) throw apiErrors.illegalTimestamp('it is missing.');
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$/.test(value)) {
    throw apiErrors.illegalTimestamp(`"${value}" is not UTC ISO 8601 (YYYY-MM-DDThh:mm:ssZ).`);
  }
  const skewMs = Math.abs(Date.parse(value) - now);
  if (!(skewMs <= MAX_CLOCK_SKEW_MS)) {
    throw apiErrors.illegalTimestamp(`"${value}" is more than 15 minutes away from the server time ${new Date(now).toISOString()}.`);
  }
}

function claimNonce(nonce: string | undefined, policy: OpenApiPolicy): void {
  if (!nonce) throw apiErrors.missingNonce();
  if (!policy.nonces.claim(nonce, policy.now())) throw apiErrors.nonceUsed();
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------------------------------------------------------
// Replies

const JSON_TYPE = 'application/json;charset=utf-8';

function successReply(requestId: string, fields: Record<string, unknown>, decision: FaultDecision): Reply {
  const body = JSON.stringify({ RequestId: requestId, ...fields });
  if (decision.failure?.kind === 'malformed-body') {
    if (decision.failure.variant === 'html-502') {
      const page = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n';
      return { status: 502, headers: { 'content-type': 'text/html' }, body: page, outcome: 'BadGatewayHtml' };
    }
    return { status: 200, headers: { 'content-type': JSON_TYPE }, body: body.slice(0, Math.floor(body.length / 2)), outcome: 'TruncatedBody' };
  }
  return { status: 200, headers: { 'content-type': JSON_TYPE }, body, outcome: 'ok' };
}

function errorReply(error: ApiError, requestId: string, hostId: string, productCode: string): Reply {
  const body = JSON.stringify({
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${productCode}&requestId=${requestId}`,
    ...error.extra,
  });
  return { status: error.status, headers: { 'content-type': JSON_TYPE, ...error.headers }, body, outcome: error.code };
}
