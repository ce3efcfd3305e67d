// One-line descriptions of probes, as people read them in chat:
// `HEAD /test.html HTTP/1.0, Host www.slb-test.com → 404 in 12 ms`.
import type { ProbeResult } from '../model';
import { udpPayloadOf } from '../probe/udp';

export function formatDuration(ms: number): string {
  if (ms < 10) return `${Math.round(ms * 10) / 10} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** How long the backend took to give the answer the check judges (null when it never answered, e.g. UDP silence). */
export function answerLatencyMs(result: ProbeResult): number | null {
  switch (result.request.kind) {
    case 'http':
      return result.statusCode === null ? null : (result.timings.headersMs ?? result.timings.totalMs);
    case 'tcp':
      return result.timings.connectMs;
    case 'udp':
    case 'tls':
      return result.timings.firstByteMs;
  }
}

function describeRequest(result: ProbeResult): string {
  const request = result.request;
  switch (request.kind) {
    case 'http': {
      const line = result.requestLine ?? `${request.method} ${request.uri} HTTP/${request.httpVersion}`;
      return `${line}, ${request.host === null ? 'no Host' : `Host ${request.host}`}`;
    }
    case 'tcp':
      return `TCP connect ${request.ip}:${request.port}`;
    case 'udp':
      return `UDP "${udpPayloadOf(request)}" to ${request.ip}:${request.port}`;
    case 'tls':
      return `TLS handshake with ${request.ip}:${request.port}`;
  }
}

export function describeOutcome(result: ProbeResult): string {
  const took = `in ${formatDuration(result.timings.totalMs)}`;
  const within = `within ${formatDuration(result.request.timeoutMs)}`;
  switch (result.outcome) {
    case 'ok':
      if (result.request.kind === 'http') return `${result.statusCode} in ${formatDuration(answerLatencyMs(result) ?? result.timings.totalMs)}`;
      if (result.request.kind === 'tcp') return `connected ${took}`;
      if (result.request.kind === 'tls') return `${result.detail ?? 'handshake done'} ${took}`;
      return result.timings.firstByteMs === null ? `no reply ${within} (counts as healthy)` : `${result.detail ?? 'replied'} ${took}`;
    case 'status_not_accepted': {
      const redirect = result.location ? ` (Location ${result.location})` : '';
      return `${result.statusCode}${redirect} in ${formatDuration(answerLatencyMs(result) ?? result.timings.totalMs)}`;
    }
    case 'refused':
      return `connection refused ${took}`;
    case 'connect_timeout':
      return `no TCP connection ${within}`;
    case 'reset':
      return `connection reset ${took}`;
    case 'closed_no_response':
      return `closed without a response ${took}`;
    case 'response_timeout':
      return result.bytesRead > 0 ? `${result.bytesRead} bytes but no complete headers ${within}` : `no response ${within}`;
    case 'malformed_response':
      return `not HTTP (${result.detail ?? 'malformed'})`;
    case 'tls_on_plain_port':
      return `a TLS record instead of HTTP ${took}`;
    case 'udp_port_unreachable':
      return `ICMP port unreachable ${took}`;
    case 'udp_unexpected_reply':
      return `${result.detail ?? 'unexpected reply'} ${took}`;
    case 'udp_no_reply':
      return `no reply ${within}`;
    case 'tls_handshake_failed':
      return `TLS handshake failed (${result.detail ?? 'no detail'})`;
    case 'error':
      return `probe error (${result.detail ?? 'no detail'})`;
  }
}

export function describeProbe(result: ProbeResult): string {
  return `${describeRequest(result)} → ${describeOutcome(result)}`;
}
