// The FC 2.0 Node.js runtime's objects as our handlers receive them (https://alibabacloud.com/help/en/functioncompute/node-js), narrowed at
// this boundary so that lib/ only ever sees plain, checked values.
import type { BodySource } from '../lib/alarm/body';
import type { FunctionRuntime } from './function-runtime';
import { UserFacingError } from '../lib/util/errors';

export interface FcContext {
  requestId: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } | null;
  function: { name: string; handler?: string; memory?: number; timeout: number };
  service: { name: string; logProject?: string; logStore?: string; qualifier?: string; versionId?: string };
  region: string;
  accountId: string;
}

export type FcHttpRequest = BodySource & {
  method: string;
  path: string;
  url?: string;
  clientIP?: string;
  headers: Record<string, string | string[] | undefined>;
  queries: Record<string, string | string[] | undefined>;
  /** Newer runtimes; older ones only offer the stream (the request itself is readable). */
  body?: Buffer;
};

export interface FcHttpResponse {
  setStatusCode(code: number): void;
  setHeader(name: string, value: string): void;
  deleteHeader(name: string): void;
  send(body: string | Buffer): void;
}

export function runtimeOf(context: FcContext, startedAt: number): FunctionRuntime {
  const c = context.credentials;
  const credentials =
    c && typeof c.accessKeyId === 'string' && c.accessKeyId !== '' && typeof c.accessKeySecret === 'string' && c.accessKeySecret !== ''
      ? { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) }
      : null;
  const timeoutSeconds = Number(context.function.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new UserFacingError(`the FC context gives no usable function.timeout (${String(context.function.timeout)}); is this running on FC 2.0?`, 'CONTEXT_INVALID');
  }
  return {
    credentials,
    region: context.region,
    accountId: String(context.accountId),
    serviceName: context.service.name,
    functionName: context.function.name,
    timeoutSeconds,
    startedAt,
  };
}

/** Log lines carry the request id, as FC's own log lines do. */
export function logger(context: FcContext): (line: string) => void {
  return (line) => console.log(`${context.requestId} ${line}`);
}

/** The event Buffer as JSON (an empty event is `{}`). */
export function jsonEvent(event: Buffer | string, what: string): unknown {
  const text = (Buffer.isBuffer(event) ? event.toString('utf8') : event).trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new UserFacingError(`${what} must be JSON; got ${JSON.stringify(text.slice(0, 80))}.`, 'EVENT_INVALID');
  }
}
