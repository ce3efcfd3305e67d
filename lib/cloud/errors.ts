// What the OpenAPI SDKs and the network throw, read into facts; which failures are worth a retry; and the errors we
// throw instead: `CloudApiError` (one call failed for good; callers may degrade) and `CloudAccessError` (credentials,
// signature or permission: fatal, never retried, names what to fix).
import { UserFacingError, errorMessage } from '../util/errors';
import type { RetryDecision } from '../util/retry';
import { EndpointTimeoutError } from './timeouts';

export type CloudProduct = 'slb' | 'ecs';

export const PRODUCT_NAME: Record<CloudProduct, string> = { slb: 'SLB', ecs: 'ECS' };

/** A call that failed for good: after retries, or with an answer a retry cannot change. */
export class CloudApiError extends UserFacingError {
  constructor(
    message: string,
    readonly product: CloudProduct,
    readonly action: string,
    /** The API's `Code` (e.g. `Throttling.User`), an errno (`ECONNREFUSED`), or one of ours (`MalformedReply`). */
    readonly apiCode: string,
    readonly statusCode: number | null,
    readonly requestId: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, 'CLOUD_API_ERROR', options);
    this.name = 'CloudApiError';
  }
}

/** Credentials, signature, clock or RAM permission: nothing works until a person fixes it. */
export class CloudAccessError extends UserFacingError {
  constructor(
    message: string,
    code: 'CREDENTIALS_INVALID' | 'CLOCK_SKEW' | 'PERMISSION_DENIED',
    readonly apiCode: string,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
    this.name = 'CloudAccessError';
  }
}

export function malformedReply(product: CloudProduct, action: string, problem: string, cause?: unknown): CloudApiError {
  return new CloudApiError(
    `${PRODUCT_NAME[product]} ${action} returned a malformed reply: ${problem}. The endpoint does not answer like the ${PRODUCT_NAME[product]} API; check the endpoint setting.`,
    product,
    action,
    'MalformedReply',
    null,
    null,
    { cause },
  );
}

/** The parts of a thrown value we act on. */
export interface FailureFacts {
  code: string | null;
  statusCode: number | null;
  requestId: string | null;
  /** The service's own words (`Message`), else the error message. */
  detail: string;
  errorName: string;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value !== '' && value !== 'undefined' && value !== 'null') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

export function failureFacts(err: unknown): FailureFacts {
  const data = field(err, 'data');
  const status = Number(field(err, 'statusCode') ?? field(data, 'statusCode'));
  return {
    code: text(field(err, 'code')) ?? text(field(data, 'Code')),
    statusCode: Number.isInteger(status) && status > 0 ? status : null,
    requestId: text(field(err, 'requestId')) ?? text(field(data, 'RequestId')),
    detail: text(field(data, 'Message')) ?? errorMessage(err),
    errorName: err instanceof Error ? err.name : typeof err,
  };
}

export type FailureKind =
  /** Too fast: back off and retry. */
  | 'throttled'
  /** The service or the network hiccupped: retry. */
  | 'transient'
  /** Credentials / signature / permission: fatal. */
  | 'access'
  /** The reply did not have the documented shape: a retry would get the same. */
  | 'malformed'
  /** The service refused this request (bad parameter, not found, TooManyListeners …): a retry would get the same. */
  | 'refused';

const NETWORK_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);

export function isThrottling(facts: FailureFacts): boolean {
  const code = facts.code ?? '';
  return code.startsWith('Throttling') || code === 'Rejected.Throttling';
}

function isAccessCode(code: string): boolean {
  return (
    code.startsWith('InvalidAccessKeyId') ||
    code === 'SignatureDoesNotMatch' ||
    code === 'IncompleteSignature' ||
    code === 'IllegalTimestamp' ||
    code.startsWith('InvalidSecurityToken') ||
    code.startsWith('Forbidden') ||
    code === 'NoPermission' ||
    code === 'InvalidCredentials'
  );
}

export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof CloudAccessError) return 'access';
  if (err instanceof CloudApiError) return err.apiCode === 'MalformedReply' ? 'malformed' : 'refused';
  if (err instanceof EndpointTimeoutError) return 'transient';
  const facts = failureFacts(err);
  if (facts.code !== null && isAccessCode(facts.code)) return 'access';
  if (isThrottling(facts)) return 'throttled';
  if (facts.code === 'ServiceUnavailable' || facts.code === 'InternalError') return 'transient';
  if (facts.statusCode !== null && facts.statusCode >= 500) return 'transient';
  if (facts.errorName === 'RequestTimeoutError') return 'transient';
  if (facts.code !== null && NETWORK_ERRNOS.has(facts.code)) return 'transient';
  if (/socket hang up/i.test(facts.detail)) return 'transient';
  // openapi-client parses every error body as JSON: an HTML page from a gateway throws a bare SyntaxError.
  if (err instanceof SyntaxError) return 'transient';
  return 'refused';
}

export function retryDecision(err: unknown): RetryDecision {
  const kind = classifyFailure(err);
  if (kind !== 'throttled' && kind !== 'transient') return { retry: false };
  return { retry: true };
}

// The SDKs glue the request line onto socket errors ("connect ECONNREFUSED 127.0.0.1:1234POST http://… failed.").
const SOCKET_ERROR = /(connect|getaddrinfo|read|write) (E[A-Z_]+) ([\w.:[\]-]+?)(?=POST|GET|\s|$)/;

function describe(facts: FailureFacts): string {
  if (facts.errorName === 'EndpointTimeoutError') return facts.detail;
  const socket = SOCKET_ERROR.exec(facts.detail);
  if (socket) return `${socket[1]} ${socket[2]} ${socket[3]}`;
  const status = facts.statusCode === null ? '' : ` (HTTP ${facts.statusCode})`;
  const requestId = facts.requestId === null ? '' : ` [request ${facts.requestId}]`;
  const code = facts.code ?? facts.errorName;
  return `${code}${status}: ${oneLine(facts.detail)}${requestId}`;
}

function oneLine(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

function accessError(product: CloudProduct, action: string, facts: FailureFacts, cause: unknown): CloudAccessError {
  const code = facts.code ?? 'InvalidCredentials';
  const what = `${PRODUCT_NAME[product]} refused ${action}: ${describe(facts)}`;
  if ((code.startsWith('Forbidden') && !code.startsWith('Forbidden.AccessKey')) || code === 'NoPermission') {
    const how = CLOUD_ASSISTANT_ACTIONS.has(action)
      ? "the opt-in on-host statement in docs/deploy.md, or leave --on-host / SLB_DOCTOR_ON_HOST off"
      : 'e.g. attach AliyunSLBReadOnlyAccess and AliyunECSReadOnlyAccess';
    return new CloudAccessError(
      `${what}. Grant the RAM permission ${product}:${action} to these credentials (${how}).`,
      'PERMISSION_DENIED',
      code,
      { cause },
    );
  }
  if (code === 'IllegalTimestamp') {
    return new CloudAccessError(`${what}. This machine's clock is off: synchronise it (NTP) and retry.`, 'CLOCK_SKEW', code, { cause });
  }
  if (code.startsWith('InvalidSecurityToken')) {
    return new CloudAccessError(
      `${what}. The STS security token is invalid or expired: refresh ALIBABA_CLOUD_SECURITY_TOKEN (or the role's credentials).`,
      'CREDENTIALS_INVALID',
      code,
      { cause },
    );
  }
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') {
    return new CloudAccessError(
      `${what}. The signature did not match: check that ALIBABA_CLOUD_ACCESS_KEY_SECRET belongs to ALIBABA_CLOUD_ACCESS_KEY_ID.`,
      'CREDENTIALS_INVALID',
      code,
      { cause },
    );
  }
  return new CloudAccessError(
    `${what}. Check ALIBABA_CLOUD_ACCESS_KEY_ID: the access key must exist and be enabled.`,
    'CREDENTIALS_INVALID',
    code,
    { cause },
  );
}

/** Actions only `--on-host` calls: their permission is the separate, opt-in statement. */
const CLOUD_ASSISTANT_ACTIONS = new Set(['RunCommand', 'DescribeInvocationResults', 'DescribeCloudAssistantStatus']);

const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function remedyFor(product: CloudProduct, kind: FailureKind, code: string | null): string {
  if (code === 'InvalidLoadBalancerId.NotFound') return 'the load balancer does not exist in this region; check the id and the region';
  if (code === 'EndpointNoAnswer') {
    return `something at the ${PRODUCT_NAME[product]} endpoint takes connections but does not reply; check that --${product}-endpoint / SLB_DOCTOR_${product.toUpperCase()}_ENDPOINT names the ${PRODUCT_NAME[product]} API and not another service, a stopped process or a proxy that holds requests`;
  }
  if (code !== null && (UNREACHABLE_ERRNOS.has(code) || code === 'ConnectTimeout')) {
    return `the ${PRODUCT_NAME[product]} endpoint cannot be reached; check --${product}-endpoint / SLB_DOCTOR_${product.toUpperCase()}_ENDPOINT, the region and this host's network`;
  }
  if (kind === 'throttled') return 'the API rate budget is exhausted; lower the rate limit or try again later';
  if (kind === 'transient') return 'the service or the network kept failing; try again later';
  return 'the request was refused';
}

/** Turns whatever the last attempt threw into the error we let out of the client. */
export function finalError(product: CloudProduct, action: string, err: unknown, attempts: number): Error {
  if (err instanceof UserFacingError) return err;
  const kind = classifyFailure(err);
  const facts = failureFacts(err);
  if (kind === 'access') return accessError(product, action, facts, err);
  if (kind === 'malformed') return malformedReply(product, action, oneLine(facts.detail), err);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new CloudApiError(
    `${PRODUCT_NAME[product]} ${action} failed${tries}: ${describe(facts)}; ${remedyFor(product, kind, facts.code)}.`,
    product,
    action,
    facts.code ?? (err instanceof SyntaxError ? 'NonJsonReply' : facts.errorName),
    facts.statusCode,
    facts.requestId,
    { cause: err },
  );
}
