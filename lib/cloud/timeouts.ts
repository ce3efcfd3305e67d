// What a timeout from the SDKs' HTTP layer really means. Both SDKs send through httpx, which passes `connectTimeout` to
// Node as the socket's *idle* timeout (httpx lib/index.js: `timeout: connectTimeout`, and the 'timeout' event is reported
// as "ConnectTimeout: Connect <url> failed."). So an endpoint that accepts the connection and then never answers is
// reported as a connect timeout. We find out which it was with one TCP connect of our own, so the person reads either
// "accepted the connection but did not answer within N s" or "could not connect within N s", never a false
// "ConnectTimeout … try again later".
import { connect } from 'node:net';
import type { ApiEndpoint } from '../util/endpoint';

/** A request that timed out, with what we know about the connection. Retried at most once (see ApiInvoker). */
export class EndpointTimeoutError extends Error {
  /** `EndpointNoAnswer` (connected, no reply) or `ConnectTimeout` (the TCP handshake never completed). */
  readonly code: 'EndpointNoAnswer' | 'ConnectTimeout';

  constructor(
    readonly host: string,
    /** The connection was accepted (and the request sent), but no reply came. */
    readonly accepted: boolean,
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      accepted
        ? `the endpoint ${host} accepted the connection but did not answer within ${seconds(waitedMs)} s`
        : `could not connect to ${host} within ${seconds(waitedMs)} s`,
      options,
    );
    this.name = 'EndpointTimeoutError';
    this.code = accepted ? 'EndpointNoAnswer' : 'ConnectTimeout';
  }
}

export interface SdkTimeouts {
  connectMs: number;
  readMs: number;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** 'read' for httpx's response timer (always after a connect), 'idle' for its socket idle timer, else null. */
export function sdkTimeoutKind(err: unknown): 'read' | 'idle' | null {
  if (!(err instanceof Error) || err.name !== 'RequestTimeoutError') return null;
  if (err.message.startsWith('ReadTimeout')) return 'read';
  if (err.message.startsWith('ConnectTimeout')) return 'idle';
  return null;
}

/** Whether a TCP connection to the endpoint completes within `timeoutMs` (the one socket is closed at once). */
export function acceptsConnections(endpoint: ApiEndpoint, timeoutMs: number): Promise<boolean> {
  const url = new URL(`${endpoint.protocol}://${endpoint.host}`);
  const port = url.port === '' ? (endpoint.protocol === 'https' ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (accepted: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(accepted);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The SDK's timeout turned into an EndpointTimeoutError that says what happened; any other error is returned as is. */
export async function explainTimeout(err: unknown, endpoint: ApiEndpoint, timeouts: SdkTimeouts): Promise<unknown> {
  const kind = sdkTimeoutKind(err);
  if (kind === 'read') return new EndpointTimeoutError(endpoint.host, true, timeouts.readMs, { cause: err });
  if (kind === 'idle') {
    const accepted = await acceptsConnections(endpoint, timeouts.connectMs);
    return new EndpointTimeoutError(endpoint.host, accepted, timeouts.connectMs, { cause: err });
  }
  return err;
}
