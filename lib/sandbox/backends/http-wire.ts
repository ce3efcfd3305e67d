// Minimal HTTP/1.x on raw sockets, so each behaviour controls exactly which bytes go out (Node's http server would
// add its own rules, e.g. a 400 for HTTP/1.1 without Host, and hide the faults we want to show).
import type * as net from 'node:net';

/** A request head larger than this is answered 431 (nginx's large_client_header_buffers is of this order). */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

export interface RequestHead {
  method: string;
  /** The request target as sent, e.g. `/health?x=1`. */
  target: string;
  /** The target without its query string. */
  path: string;
  version: 'HTTP/1.0' | 'HTTP/1.1';
  /** Header names lower-cased; a repeated header keeps its first value. */
  headers: ReadonlyMap<string, string>;
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Status';
}

export interface HttpResponse {
  status: number;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

/** Writes a complete `Connection: close` response and ends the socket. HEAD gets the GET's length but no body. */
export function sendResponse(socket: net.Socket, method: string | undefined, response: HttpResponse): void {
  const noBodyAllowed = response.status === 204 || response.status === 304;
  const body = noBodyAllowed ? Buffer.alloc(0) : Buffer.from(response.body ?? '', 'utf8');
  const lines = [`HTTP/1.1 ${response.status} ${reasonPhrase(response.status)}`, 'Server: slb-sandbox'];
  for (const [name, value] of Object.entries(response.headers ?? {})) lines.push(`${name}: ${value}`);
  if (!noBodyAllowed) lines.push('Content-Type: text/plain; charset=utf-8', `Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  if (socket.destroyed) return;
  socket.end(method === 'HEAD' ? head : Buffer.concat([head, body]));
}

/**
 * Reads one request head from the socket, then calls `onRequest`. An oversized head is answered 431 and a malformed one
 * 400, both without calling `onRequest`. Bytes after the head are read and discarded so a client never blocks writing.
 */
export function readRequestHead(socket: net.Socket, onRequest: (request: RequestHead) => void): void {
  let buffered = Buffer.alloc(0);
  let done = false;
  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    buffered = Buffer.concat([buffered, chunk]);
    const end = headEnd(buffered);
    if (end < 0) {
      if (buffered.length > MAX_REQUEST_HEAD_BYTES) {
        done = true;
        sendResponse(socket, undefined, { status: 431, body: 'request head too large\n' });
      }
      return;
    }
    done = true;
    const request = parseRequestHead(buffered.subarray(0, end).toString('latin1'));
    buffered = Buffer.alloc(0);
    if (!request) return sendResponse(socket, undefined, { status: 400, body: 'malformed request\n' });
    onRequest(request);
  });
}

/** Index just past the blank line ending the head (CRLF or bare LF), or -1. */
function headEnd(data: Buffer): number {
  const crlf = data.indexOf('\r\n\r\n');
  const lf = data.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}

const REQUEST_LINE = /^([A-Z]{1,16}) (\S{1,8192}) (HTTP\/1\.[01])$/;

function parseRequestHead(text: string): RequestHead | undefined {
  const lines = text.split(/\r?\n/);
  const match = REQUEST_LINE.exec(lines[0] ?? '');
  if (!match) return undefined;
  const [, method = '', target = '', version] = match;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  const query = target.indexOf('?');
  return {
    method,
    target,
    path: query >= 0 ? target.slice(0, query) : target,
    version: version === 'HTTP/1.1' ? 'HTTP/1.1' : 'HTTP/1.0',
    headers,
  };
}

/** The Host header without its port, lower-cased; undefined when absent or empty. */
export function hostName(request: RequestHead): string | undefined {
  const host = request.headers.get('host');
  if (!host) return undefined;
  const withoutPort = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return withoutPort.toLowerCase() || undefined;
}
