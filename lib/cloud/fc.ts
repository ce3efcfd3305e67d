// The Function Compute 2.0 client: InvokeFunction over `@alicloud/fc2`, sync and async, with retries for throttling,
// 5xx and network failures (never for auth), and every failure turned into one FcInvocationError a person can act on.
import FCClient = require('@alicloud/fc2');
import { systemClock, type Clock } from '../util/clock';
import { UserFacingError, errorMessage } from '../util/errors';
import type { StaticCredentials } from '../model';
import { withRetry, type RetryPolicy } from '../util/retry';


export interface FcClientOptions {
  /** The Alibaba Cloud account (uid) that owns the functions: the FC context's `accountId`. */
  accountId: string;
  region: string;
  credentials: StaticCredentials;
  /** Full URL replacing `https://{accountId}.{region}.fc.aliyuncs.com`, e.g. http://127.0.0.1:9000 for the sandbox. */
  endpoint?: string | null;
  /** Per-request timeout in ms when a call does not give its own; default 60 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

export interface InvokeOptions {
  /** How long to wait for this one HTTP request (a sync invocation waits for the function to finish). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface SyncInvocation {
  requestId: string | null;
  /** The function's return value as sent by FC (JSON text for our handlers). */
  body: string;
}

export interface FcClientStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Invocations that succeeded. */
  invocations: number;
  retries: number;
  throttled: number;
  failures: number;
}

export interface FcClient {
  invokeSync(service: string, functionName: string, payload: string, options?: InvokeOptions): Promise<SyncInvocation>;
  /** Queues the invocation (X-Fc-Invocation-Type: Async); resolves once FC has accepted it. */
  invokeAsync(service: string, functionName: string, payload: string, options?: InvokeOptions): Promise<{ requestId: string | null }>;
  readonly stats: FcClientStats;
}

export type FcErrorKind = 'auth' | 'access-denied' | 'not-found' | 'bad-request' | 'throttled' | 'server' | 'network' | 'function' | 'unexpected';

/** An invocation that failed; `retryable` says whether sending it again can help. */
export class FcInvocationError extends UserFacingError {
  constructor(
    message: string,
    readonly kind: FcErrorKind,
    readonly retryable: boolean,
    readonly details: { fcCode: string | null; status: number | null; requestId: string | null },
    options?: { cause?: unknown },
  ) {
    super(message, `FC_${kind.toUpperCase().replace('-', '_')}`, options);
    this.name = 'FcInvocationError';
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RETRY: Partial<RetryPolicy> = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000, maxTotalMs: 30_000 };
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);

export function createFcClient(options: FcClientOptions): FcClient {
  const { accountId, region, credentials } = options;
  if (!/^\d+$/.test(accountId)) {
    throw new UserFacingError(`FC account id '${accountId}' is not an Alibaba Cloud account id (digits only); pass the FC context's accountId or set SLB_DOCTOR_FC_ACCOUNT_ID.`, 'CONFIG_INVALID');
  }
  if (!credentials.accessKeyId || !credentials.accessKeySecret) {
    throw new UserFacingError('FC credentials are incomplete: an access key id and secret are both required.', 'CREDENTIALS_INVALID');
  }
  if (credentials.accessKeyId.startsWith('STS') && !credentials.securityToken) {
    throw new UserFacingError(`FC access key '${credentials.accessKeyId}' is an STS key but no security token was given; pass the token with it.`, 'CREDENTIALS_INVALID');
  }
  const endpoint = options.endpoint ? normalizeEndpoint(options.endpoint) : null;
  const clock = options.clock ?? systemClock;
  const stats: FcClientStats = { requests: 0, invocations: 0, retries: 0, throttled: 0, failures: 0 };

  const sdkClient = (timeoutMs: number): FCClient =>
    new FCClient(accountId, {
      accessKeyID: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      region,
      // Real FC is reached over https; an override (the sandbox) says its own scheme.
      ...(endpoint ? { endpoint } : { secure: true }),
      timeout: timeoutMs,
    });

  async function invoke(service: string, functionName: string, payload: string, mode: 'Sync' | 'Async', invokeOptions: InvokeOptions): Promise<FCClient.Response> {
    const target = `${service}/${functionName}`;
    const client = sdkClient(invokeOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const headers: Record<string, string> = mode === 'Async' ? { 'x-fc-invocation-type': 'Async' } : {};
    try {
      return await withRetry(
        async () => {
          stats.requests++;
          try {
            return await client.invokeFunction(service, functionName, payload, headers);
          } catch (err) {
            throw toFcError(err, target);
          }
        },
        {
          policy: { ...DEFAULT_RETRY, ...options.retry, ...invokeOptions.retry },
          clock,
          classify: (err) => ({ retry: err instanceof FcInvocationError && err.retryable }),
          onRetry: (err) => {
            stats.retries++;
            if (err instanceof FcInvocationError && err.kind === 'throttled') stats.throttled++;
          },
        },
      );
    } catch (err) {
      stats.failures++;
      throw err;
    }
  }

  return {
    stats,
    async invokeSync(service, functionName, payload, invokeOptions = {}) {
      const response = await invoke(service, functionName, payload, 'Sync', invokeOptions);
      const requestId = headerValue(response.headers, 'x-fc-request-id');
      const errorType = headerValue(response.headers, 'x-fc-error-type');
      if (errorType) {
        stats.failures++;
        throw new FcInvocationError(
          `function ${service}/${functionName} failed (${errorType}): ${functionErrorMessage(response.data)}`,
          'function',
          false,
          { fcCode: errorType, status: null, requestId },
        );
      }
      stats.invocations++;
      return { requestId, body: bodyText(response.data) };
    },
    async invokeAsync(service, functionName, payload, invokeOptions = {}) {
      const response = await invoke(service, functionName, payload, 'Async', invokeOptions);
      stats.invocations++;
      return { requestId: headerValue(response.headers, 'x-fc-request-id') };
    },
  };
}

function normalizeEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserFacingError(`FC endpoint '${raw}' is not a URL; use e.g. https://<accountId>.<region>.fc.aliyuncs.com or http://127.0.0.1:9000.`, 'CONFIG_INVALID');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserFacingError(`FC endpoint '${raw}' must start with http:// or https://.`, 'CONFIG_INVALID');
  }
  // The SDK appends `/2016-08-15/...` itself.
  return `${url.protocol}//${url.host}`;
}

function headerValue(headers: FCClient.Response['headers'], name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function bodyText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return JSON.stringify(data ?? null);
}

function functionErrorMessage(data: unknown): string {
  if (data !== null && typeof data === 'object' && 'errorMessage' in data && typeof data.errorMessage === 'string') return data.errorMessage;
  const text = bodyText(data);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const AUTH_CODES = new Set(['InvalidAccessKeyID', 'SignatureNotMatch', 'InvalidSecurityToken', 'SecurityTokenExpired', 'RequestTimeTooSkewed', 'MissingRequiredHeader']);
const NOT_FOUND_CODES = new Set(['ServiceNotFound', 'FunctionNotFound', 'AliasNotFound', 'VersionNotFound']);
const THROTTLE_CODES = new Set(['ResourceExhausted', 'ResourceThrottled', 'Throttling', 'TooManyRequests']);

/** Maps what `@alicloud/fc2` throws (an Error named `FC<Code>Error`, httpx network/timeout errors, JSON parse errors) to one FcInvocationError. */
export function toFcError(err: unknown, target: string): FcInvocationError {
  if (err instanceof FcInvocationError) return err;
  const name = err instanceof Error ? err.name : '';
  const message = errorMessage(err);
  const code = typeof (err as { code?: unknown }).code === 'string' ? ((err as { code: string }).code) : null;
  const statusMatch = /failed with (\d{3})\./.exec(message);
  const requestMatch = /requestid: ([^,\s]+),/.exec(message);
  const status = statusMatch ? Number(statusMatch[1]) : null;
  const requestId = requestMatch && requestMatch[1] !== 'undefined' ? (requestMatch[1] ?? null) : null;
  const details = { fcCode: code, status, requestId };
  const fcReason = `${code ?? `HTTP ${status}`}: ${message}`;

  if (name.startsWith('FC') && name.endsWith('Error') && status !== null) {
    if (code && AUTH_CODES.has(code)) {
      return new FcInvocationError(`Function Compute rejected the credentials calling ${target} (${fcReason}); check the access key, its security token and the clock.`, 'auth', false, details, { cause: err });
    }
    if (code === 'AccessDenied' || status === 403) {
      return new FcInvocationError(`Function Compute denied calling ${target} (${fcReason}); grant the role fc:InvokeFunction on it.`, 'access-denied', false, details, { cause: err });
    }
    if ((code && NOT_FOUND_CODES.has(code)) || status === 404) {
      return new FcInvocationError(`function ${target} does not exist (${fcReason}); check the service/function names in the configuration.`, 'not-found', false, details, { cause: err });
    }
    if ((code && (THROTTLE_CODES.has(code) || code.startsWith('Throttling'))) || status === 429) {
      return new FcInvocationError(`Function Compute throttled calling ${target} (${fcReason}).`, 'throttled', true, details, { cause: err });
    }
    if (status >= 500 || status === 499) {
      return new FcInvocationError(`Function Compute failed calling ${target} (${fcReason}).`, 'server', true, details, { cause: err });
    }
    return new FcInvocationError(`Function Compute refused the request to ${target} (${fcReason}).`, 'bad-request', false, details, { cause: err });
  }
  if (name === 'RequestTimeoutError' || (code !== null && NETWORK_CODES.has(code))) {
    return new FcInvocationError(`could not reach Function Compute calling ${target} (${code ?? name}: ${message}).`, 'network', true, details, { cause: err });
  }
  if (err instanceof SyntaxError) {
    return new FcInvocationError(`Function Compute answered ${target} with a body that is not valid JSON (${message}).`, 'server', true, details, { cause: err });
  }
  return new FcInvocationError(`calling ${target} failed unexpectedly: ${message}`, 'unexpected', false, details, { cause: err });
}
