// The one HTTP path every channel shares: POST the rendered request with a timeout, read the reply whole (bounded),
// turn network failures into retryable results and let the channel classify the reply. Reasons name the host only:
// webhook URLs carry tokens.
import { clip } from './digest/fit';
import type { Digest } from './digest/model';
import { MAX_REDIRECTS } from './post';
import type { Channel, HttpFetch, Notifier, NotifyTarget, RenderedRequest, SendResult } from './types';

export interface SendDeps {
  http: HttpFetch;
  timeoutMs: number;
  /** Wall-clock ms for signature timestamps (the service compares them with its own clock). */
  wallClock: () => number;
}

export type SendFailure = Extract<SendResult, { ok: false }>;

const MAX_REPLY_CHARS = 64 * 1024;

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/** Retry-After in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

// Duck-typed: fetch's errors may come from another realm (a test VM), where instanceof Error is false.
function networkReason(err: unknown, timeoutMs: number): string {
  const fields = typeof err === 'object' && err !== null ? (err as { name?: unknown; message?: unknown; cause?: unknown }) : {};
  if (fields.name === 'TimeoutError' || fields.name === 'AbortError') return `no reply within ${timeoutMs} ms`;
  const cause = typeof fields.cause === 'object' && fields.cause !== null ? (fields.cause as { code?: unknown; message?: unknown }) : null;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return typeof fields.message === 'string' ? fields.message : String(err);
}

/** What any channel makes of an HTTP status it has no specific rule for. */
export function statusFailure(host: string, status: number, body: string, retryAfterMs: number | null): SendFailure {
  const retryable = status === 408 || status === 429 || status >= 500;
  return {
    ok: false,
    retryable,
    ...(retryAfterMs !== null ? { retryAfterMs } : {}),
    reason: `${host}: HTTP ${status}${body.trim() ? ` ${clip(body, 200)}` : ''}`,
  };
}

/** A redirect that was not followed (./post follows 307 and 308 only): the target's URL needs changing. */
function redirectReason(host: string, status: number, location: string | null, url: string): string {
  let movedTo: string | null = null;
  try {
    movedTo = location ? new URL(location, url).host : null;
  } catch {
    // An unreadable Location says nothing more than the status.
  }
  const where = movedTo ? `, to ${movedTo}` : '';
  return `${host}: HTTP ${status}, the webhook URL redirects${where} (a POST follows only 307 and 308, ${MAX_REDIRECTS} at most): set the URL it moved to`;
}

/** The JSON object a chat API answered, or null when it is not one. */
export function parseReplyObject(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One attempt: POST, then the channel's reading of the reply. Never throws. */
async function sendRendered(channel: Channel, target: NotifyTarget, request: RenderedRequest, deps: SendDeps, signal?: AbortSignal): Promise<SendResult> {
  const host = hostOf(request.url);
  const bytes = Buffer.byteLength(request.body, 'utf8');
  if (signal?.aborted) return { ok: false, retryable: false, interrupted: 'before', reason: `${host}: not sent, the run was interrupted`, bytes };
  const timeout = AbortSignal.timeout(deps.timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  try {
    const response = await deps.http(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'slb-doctor', ...request.headers },
      body: request.body,
      signal: combined,
    });
    const text = (await response.text()).slice(0, MAX_REPLY_CHARS);
    if (response.status >= 300 && response.status < 400) return { ok: false, retryable: false, reason: redirectReason(host, response.status, response.headers.get('location'), request.url), bytes };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), deps.wallClock());
    return { ...channel.classify({ host, status: response.status, body: text, retryAfterMs }, target), bytes };
  } catch (err) {
    // Cut off by the run's own interruption: the request may have reached the target, nobody knows.
    if (signal?.aborted) return { ok: false, retryable: false, interrupted: 'mid-request', reason: `${host}: interrupted mid-request`, bytes };
    return { ok: false, retryable: true, reason: `${host}: ${networkReason(err, deps.timeoutMs)}`, bytes };
  }
}

/** A target's channel bound to the shared send path: render within the channel's limits, then post. */
export function notifierFor(channel: Channel, target: NotifyTarget, deps: SendDeps): Notifier {
  return {
    target,
    split: (digest: Digest) => channel.split(digest),
    render: (digest: Digest) => channel.render(digest, target, deps.wallClock()),
    send: (request, signal) => sendRendered(channel, target, request, deps, signal),
  };
}
