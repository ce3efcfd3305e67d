// The one HTTP attempt every channel makes: POST with a timeout, the reply read whole (bounded), network failures
// turned into retryable results. Reasons name the host only: webhook URLs carry tokens.
import { clip } from '../digest/fit';
import type { HttpFetch, SendResult } from '../types';

export interface SendDeps {
  http: HttpFetch;
  timeoutMs: number;
  /** Wall-clock ms for signature timestamps (the service compares them with its own clock). */
  wallClock: () => number;
}

export type SendFailure = Extract<SendResult, { ok: false }>;

export type PostOutcome = { ok: true; status: number; body: string; retryAfterMs: number | null } | { ok: false; failure: SendFailure };

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

export async function postJson(deps: SendDeps, url: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(deps.timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  const bytes = Buffer.byteLength(body, 'utf8');
  try {
    const response = await deps.http(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'slb-doctor', ...headers },
      body,
      signal: combined,
    });
    const text = (await response.text()).slice(0, MAX_REPLY_CHARS);
    return { ok: true, status: response.status, body: text, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), deps.wallClock()) };
  } catch (err) {
    return { ok: false, failure: { ok: false, retryable: true, reason: `${hostOf(url)}: ${networkReason(err, deps.timeoutMs)}`, bytes } };
  }
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

/** The JSON object a chat API answered, or null when it is not one. */
export function parseReplyObject(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
