// Shared pieces of every prober: phase timings, errno → outcome, printable snippets of hostile bytes.
import { isIP } from 'node:net';
import type { ProbeOutcome, ProbeRequest, ProbeResult, ProbeTimings } from '../model';

/** Records per-phase timings against a monotonic clock started when the probe starts. */
export class PhaseTimer {
  private readonly startedAt = performance.now();
  connectMs: number | null = null;
  firstByteMs: number | null = null;
  headersMs: number | null = null;

  elapsed(): number {
    return roundMs(performance.now() - this.startedAt);
  }
  markConnect(): void {
    this.connectMs ??= this.elapsed();
  }
  markFirstByte(): void {
    this.firstByteMs ??= this.elapsed();
  }
  markHeaders(): void {
    this.headersMs ??= this.elapsed();
  }
  timings(includeHeaders: boolean): ProbeTimings {
    const totalMs = this.elapsed();
    return includeHeaders
      ? { connectMs: this.connectMs, firstByteMs: this.firstByteMs, totalMs, headersMs: this.headersMs }
      : { connectMs: this.connectMs, firstByteMs: this.firstByteMs, totalMs };
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Socket errors that happen while connecting (before the peer accepted). */
export function connectErrorOutcome(code: string | undefined): ProbeOutcome {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'connect_timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'error';
}

export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

export function describeError(err: unknown): string {
  const code = errnoOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Up to `max` bytes as printable text: control and non-ASCII bytes become \xNN so hostile replies stay one safe line. */
export function printableSnippet(bytes: Buffer, max = 48): string {
  let text = '';
  for (const byte of bytes.subarray(0, max)) {
    if (byte === 0x0d) text += '\\r';
    else if (byte === 0x0a) text += '\\n';
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${text}…` : text;
}

export function emptyResult(request: ProbeRequest, outcome: ProbeOutcome, detail: string | null, timings: ProbeTimings): ProbeResult {
  return { request, outcome, requestLine: null, statusCode: null, statusLine: null, location: null, bytesRead: 0, timings, detail };
}

/**
 * Why the target cannot be probed at all, or null. A host name would trigger a DNS lookup and a bad port makes
 * node:net throw, so both are refused before any socket exists.
 */
export function invalidTarget(request: Pick<ProbeRequest, 'ip' | 'port' | 'timeoutMs'>): string | null {
  if (isIP(request.ip) === 0) return `'${request.ip}' is not an IP address; probes never resolve names`;
  if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65535) return `port ${request.port} is not in 1-65535`;
  if (!(request.timeoutMs > 0)) return `timeout ${request.timeoutMs} ms is not positive`;
  return null;
}
