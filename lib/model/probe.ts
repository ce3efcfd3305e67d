// Data-plane probing contracts. A probe makes exactly one attempt; its result is unambiguous.
import type { HttpCodeClass } from './inventory';

export interface HttpProbeRequest {
  kind: 'http';
  ip: string;
  port: number;
  method: 'HEAD' | 'GET';
  uri: string;
  httpVersion: '1.0' | '1.1';
  /** null sends no Host header at all. */
  host: string | null;
  acceptedCodes: HttpCodeClass[];
  timeoutMs: number;
  userAgent?: string;
}
export interface TcpProbeRequest { kind: 'tcp'; ip: string; port: number; timeoutMs: number }
export interface UdpProbeRequest { kind: 'udp'; ip: string; port: number; timeoutMs: number; payload: string | null; expect: string | null }
export interface TlsProbeRequest { kind: 'tls'; ip: string; port: number; timeoutMs: number; serverName: string | null }
export type ProbeRequest = HttpProbeRequest | TcpProbeRequest | UdpProbeRequest | TlsProbeRequest;

export type ProbeOutcome =
  | 'ok' // the check passed (HTTP code accepted, TCP connected, UDP expectation met or silence, TLS handshake done)
  | 'refused'
  | 'connect_timeout'
  | 'reset'
  | 'closed_no_response'
  | 'response_timeout'
  | 'malformed_response'
  | 'tls_on_plain_port'
  | 'status_not_accepted'
  | 'udp_port_unreachable'
  | 'udp_unexpected_reply'
  | 'udp_no_reply' // a reply was expected (HealthCheckExp) but none came before the timeout
  | 'tls_handshake_failed'
  | 'error';

export interface ProbeTimings {
  connectMs: number | null;
  firstByteMs: number | null;
  /** HTTP only: when the status line and headers were complete (the moment the check's verdict is known). */
  headersMs?: number | null;
  totalMs: number;
}

export interface ProbeResult {
  request: ProbeRequest;
  outcome: ProbeOutcome;
  /** Human-readable request line as sent, e.g. `HEAD /test.html HTTP/1.0`. */
  requestLine: string | null;
  statusCode: number | null;
  statusLine: string | null;
  location: string | null;
  bytesRead: number;
  timings: ProbeTimings;
  /** Short technical detail (errno, reason the response was malformed, reply bytes). */
  detail: string | null;
}

export type Prober<R extends ProbeRequest = ProbeRequest> = (request: R) => Promise<ProbeResult>;
