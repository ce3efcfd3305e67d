// The bytes of SLB's HTTP check, written by hand like the troubleshooting guide's `echo -e "HEAD … HTTP/1.0\r\n…" | nc`,
// and a strict, bounded parser for what comes back.
import type { HttpCodeClass, HttpProbeRequest } from '../model';
import { UserFacingError } from '../util/errors';

export const MAX_HEADER_BYTES = 16 * 1024;
/** SLB truncates a GET body at 8 KB; we read no more than that either. */
export const MAX_BODY_BYTES = 8 * 1024;

export interface HttpRequestWire {
  bytes: Buffer;
  /** e.g. `HEAD /test.html HTTP/1.0` */
  requestLine: string;
}

// A CR, LF or other control byte in a value would let it inject headers or a second request.
const CONTROL_BYTES = /[\x00-\x1f\x7f]/;

/** Builds the request byte for byte: request line, Host (unless null), User-Agent (if set), `Connection: close` for 1.1. */
export function buildHttpRequest(request: Pick<HttpProbeRequest, 'method' | 'uri' | 'httpVersion' | 'host' | 'userAgent'>): HttpRequestWire {
  if (!request.uri.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(request.uri)) {
    throw new UserFacingError(`The check path '${JSON.stringify(request.uri).slice(1, -1)}' must start with '/' and contain no spaces or control characters.`, 'PROBE_REQUEST_INVALID');
  }
  if (request.host !== null && (request.host === '' || CONTROL_BYTES.test(request.host))) {
    throw new UserFacingError(`The Host value '${JSON.stringify(request.host).slice(1, -1)}' must be non-empty and contain no control characters.`, 'PROBE_REQUEST_INVALID');
  }
  if (request.userAgent !== undefined && CONTROL_BYTES.test(request.userAgent)) {
    throw new UserFacingError('The User-Agent value must contain no control characters.', 'PROBE_REQUEST_INVALID');
  }
  const requestLine = `${request.method} ${request.uri} HTTP/${request.httpVersion}`;
  const lines = [requestLine];
  if (request.host !== null) lines.push(`Host: ${request.host}`);
  if (request.userAgent !== undefined) lines.push(`User-Agent: ${request.userAgent}`);
  if (request.httpVersion === '1.1') lines.push('Connection: close');
  return { bytes: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), requestLine };
}

export interface ResponseHead {
  statusCode: number;
  statusLine: string;
  headers: Map<string, string>;
  /** Bytes of the status line, headers and the blank line: the body starts here. */
  headLength: number;
  contentLength: number | null;
  chunked: boolean;
}

type HeadParse =
  | { kind: 'incomplete' }
  | { kind: 'tls'; reason: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'complete'; head: ResponseHead };

const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');
const STATUS_LINE = /^HTTP\/\d\.\d (\d{3})(?: [^\x00-\x08\x0a-\x1f\x7f]*)?$/;

/** TLS record types a TLS server sends first: 0x15 alert (it could not parse our plain text), 0x16 handshake. */
export function looksLikeTlsRecord(bytes: Buffer): boolean {
  return bytes.length >= 2 && (bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03;
}

/** Parses what arrived so far; never reads beyond `MAX_HEADER_BYTES`. */
export function parseResponseHead(received: Buffer): HeadParse {
  if (received.length === 0) return { kind: 'incomplete' };
  if (looksLikeTlsRecord(received)) {
    return { kind: 'tls', reason: received[0] === 0x15 ? 'a TLS alert record (the port speaks TLS)' : 'a TLS handshake record (the port speaks TLS)' };
  }
  if (received.length === 1 && (received[0] === 0x15 || received[0] === 0x16)) return { kind: 'incomplete' };
  const prefixLength = Math.min(received.length, HTTP_PREFIX.length);
  if (!received.subarray(0, prefixLength).equals(HTTP_PREFIX.subarray(0, prefixLength))) {
    return { kind: 'malformed', reason: 'the reply does not start with an HTTP status line' };
  }
  const window = received.subarray(0, MAX_HEADER_BYTES);
  const crlfEnd = window.indexOf('\r\n\r\n', 0, 'latin1');
  const lfEnd = window.indexOf('\n\n', 0, 'latin1');
  // The head ends at whichever blank line comes first, CRLF or bare LF.
  const crlfLength = crlfEnd >= 0 ? crlfEnd + 4 : Infinity;
  const lfLength = lfEnd >= 0 ? lfEnd + 2 : Infinity;
  const headLength = Math.min(crlfLength, lfLength);
  if (headLength === Infinity) {
    return received.length > MAX_HEADER_BYTES ? { kind: 'malformed', reason: `the headers exceed ${MAX_HEADER_BYTES / 1024} KB without ending` } : { kind: 'incomplete' };
  }
  const lines = window.subarray(0, headLength).toString('latin1').split(/\r?\n/);
  const statusLine = lines[0] ?? '';
  const status = STATUS_LINE.exec(statusLine);
  if (!status) return { kind: 'malformed', reason: 'the status line is not `HTTP/x.y NNN reason`' };
  const headers = new Map<string, string>();
  let lastName: string | null = null;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && lastName !== null) {
      headers.set(lastName, `${headers.get(lastName) ?? ''} ${line.trim()}`); // obsolete line folding
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'malformed', reason: 'a header line has no name or no colon' };
    lastName = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(lastName, headers.has(lastName) ? `${headers.get(lastName)}, ${value}` : value);
  }
  const lengthHeader = headers.get('content-length');
  const contentLength = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const chunked = /\bchunked\b/i.test(headers.get('transfer-encoding') ?? '');
  return { kind: 'complete', head: { statusCode: Number(status[1]), statusLine, headers, headLength, contentLength, chunked } };
}

/** `404` → `http_4xx`; codes outside 200–599 belong to no class SLB accepts. */
export function codeClassOf(statusCode: number): HttpCodeClass | null {
  const hundreds = Math.floor(statusCode / 100);
  return hundreds >= 2 && hundreds <= 5 ? (`http_${hundreds}xx` as HttpCodeClass) : null;
}

/** Responses that carry no body whatever the headers say. */
export function hasNoBody(method: 'HEAD' | 'GET', statusCode: number): boolean {
  return method === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304;
}
