// Small raw backends on loopback for probe tests: each behaviour is one real fault (or a healthy answer).
// Every server tracks its sockets and timers and `close()` ends them all.
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

export interface ReceivedRequest {
  method: string;
  uri: string;
  version: string;
  headers: Map<string, string>;
  raw: Buffer;
}

/** Anything listening on loopback that a test must close. */
export interface Endpoint {
  ip: string;
  port: number;
  close(): Promise<void>;
}

export interface TestServer extends Endpoint {
  /** Raw bytes received per connection, in order of arrival. */
  received: Buffer[];
  connections: number;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/** Reacts to one accepted connection; `onRequest` fires once the request head (through the blank line) has arrived. */
export interface Behaviour {
  onConnect?(socket: net.Socket, track: (timer: NodeJS.Timeout) => void): void;
  onRequest?(socket: net.Socket, request: ReceivedRequest, track: (timer: NodeJS.Timeout) => void): void;
}

export function parseRequest(raw: Buffer): ReceivedRequest | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [line = '', ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', uri = '', version = ''] = line.split(' ');
  const headers = new Map<string, string>();
  for (const h of headerLines) {
    const colon = h.indexOf(':');
    headers.set(h.slice(0, colon).trim().toLowerCase(), h.slice(colon + 1).trim());
  }
  return { method, uri, version, headers, raw };
}

export function writeResponse(socket: net.Socket, request: ReceivedRequest, response: CannedResponse): void {
  const body = Buffer.from(response.body ?? '', 'latin1');
  const headers = { 'Content-Length': String(body.length), Connection: 'close', ...response.headers };
  const head = `HTTP/1.1 ${response.status} Status\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  socket.end(request.method === 'HEAD' ? head : Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

export async function startServer(ip: string, behaviour: Behaviour): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const received: Buffer[] = [];
  const track = (timer: NodeJS.Timeout): void => void timers.add(timer);
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const index = received.push(Buffer.alloc(0)) - 1;
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index] as Buffer, chunk]);
      if (answered) return;
      const request = parseRequest(received[index] as Buffer);
      if (request && behaviour.onRequest) {
        answered = true;
        behaviour.onRequest(socket, request, track);
      }
    });
    behaviour.onConnect?.(socket, track);
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    ip,
    port,
    received,
    get connections() {
      return received.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- behaviours -------------------------------------------------------------------------------------------------

export const respond = (route: (request: ReceivedRequest) => CannedResponse): Behaviour => ({
  onRequest(socket, request, track) {
    const response = route(request);
    if (response.delayMs) track(setTimeout(() => writeResponse(socket, request, response), response.delayMs));
    else writeResponse(socket, request, response);
  },
});
export const always = (status: number, headers?: Record<string, string>): Behaviour => respond(() => ({ status, headers }));
export const hang: Behaviour = {};
export const resetAtOnce: Behaviour = { onConnect: (socket) => socket.resetAndDestroy() };
export const resetAfterRequest: Behaviour = { onRequest: (socket) => socket.resetAndDestroy() };
export const closeAfterRequest: Behaviour = { onRequest: (socket) => socket.end() };
export const garbage: Behaviour = { onConnect: (socket) => socket.write(Buffer.from('\x00\x01SSH-2.0-nope\r\n', 'latin1')) };
/** A status line, then one header byte per `intervalMs`, forever. */
export const trickle = (intervalMs: number): Behaviour => ({
  onRequest(socket, _request, track) {
    socket.write('HTTP/1.1 200 OK\r\n');
    const tick = (): void => {
      if (socket.destroyed) return;
      socket.write('X');
      track(setTimeout(tick, intervalMs));
    };
    track(setTimeout(tick, intervalMs));
  },
});
/** A status line, then headers that never end, as fast as the socket takes them (bounded by the test's lifetime). */
export const endlessHeaders: Behaviour = {
  onRequest(socket, _request, track) {
    socket.write('HTTP/1.1 200 OK\r\n');
    let sent = 0;
    const pump = (): void => {
      // Stop after 1 MB even if nobody closes us: the probe must have given up long before.
      while (!socket.destroyed && sent < 1024 * 1024) {
        sent += 64;
        if (!socket.write(`X-Filler-${sent}: ${'a'.repeat(40)}\r\n`)) return void socket.once('drain', pump);
      }
    };
    track(setTimeout(pump, 0));
  },
};

// ---- TLS --------------------------------------------------------------------------------------------------------

// A self-signed test certificate (CN=slb-doctor-test, valid until 2126), loopback tests only.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWkaGI3/9sHa40K1G
1lUoo5T+4OowEbuyICWxnTVv3UqhRANCAAQOrwO+wJHcWin+LAA90jcrGk5fYuNj
xIop3wmTHiKDela5V31M8JlmaPj5quk3X6c7s2Xc/saVH8mJ5JDPdqm6
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUIBB8scjR7JQUkhgmwpuzFUvVs28wCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPc2xiLWRvY3Rvci10ZXN0MCAXDTI2MTEyNDA5MDc0N1oYDzIx
MjYxMDMxMDkwNzQ3WjAaMRgwFgYDVQQDDA9zbGItZG9jdG9yLXRlc3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQOrwO+wJHcWin+LAA90jcrGk5fYuNjxIop3wmT
HiKDela5V31M8JlmaPj5quk3X6c7s2Xc/saVH8mJ5JDPdqm6o1MwUTAdBgNVHQ4E
FgQUrTkOnQnicuxnGXQ0SA8otFs6f5UwHwYDVR0jBBgwFoAUrTkOnQnicuxnGXQ0
SA8otFs6f5UwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiB20bpR
6wivwxU2ocfVWtTreD48Km0gT4RV07NAVcC4HQIgU10VcZPeiueEOnSjCpDIYjRS
Zf34a1F14YeRlxgYv38=
-----END CERTIFICATE-----
`;

/** A TLS-only server (like an HTTPS backend behind an HTTPS listener): plain HTTP to it gets no HTTP reply. */
/** A TLS server that answers every handshake; `serverNames` records the SNI names clients sent, in order. */
export async function startTlsServer(ip: string): Promise<Endpoint & { serverNames: string[] }> {
  const sockets = new Set<net.Socket>();
  const serverNames: string[] = [];
  const context = tls.createSecureContext({ key: TEST_KEY, cert: TEST_CERT });
  // Called while the ClientHello is read, before the client can finish, and only for a ClientHello that names a server.
  const SNICallback = (name: string, answer: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    serverNames.push(name);
    answer(null, context);
  };
  const server = tls.createServer({ key: TEST_KEY, cert: TEST_CERT, SNICallback }, (socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return {
    ip,
    port: (server.address() as net.AddressInfo).port,
    serverNames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server that writes raw bytes as soon as a client connects (e.g. a TLS alert record), then waits. */
export const sendsAtConnect = (bytes: Buffer): Behaviour => ({ onConnect: (socket) => socket.write(bytes) });

// ---- ports that refuse or never connect -------------------------------------------------------------------------

/** A port on `ip` with nothing listening (bound, then released). */
export async function closedTcpPort(ip: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP port whose handshake never completes (python3 helper, lives at most `lifetimeSeconds`). */
export function startBlackhole(ip: string, lifetimeSeconds = 60): Promise<Endpoint> {
  const child = spawn('python3', [path.join(__dirname, 'blackhole.py'), ip, String(lifetimeSeconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise<Endpoint>((resolve, reject) => {
    let output = '';
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = Number.parseInt(output, 10);
      if (output.includes('\n') && port > 0) {
        resolve({
          ip,
          port,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.stdin.end();
            }),
        });
      }
    });
  });
}

// ---- UDP --------------------------------------------------------------------------------------------------------

export interface UdpTestServer extends Endpoint {
  received: Buffer[];
}

/** `reply(datagram)` returns what to answer, or null to stay silent. */
export async function startUdpServer(ip: string, reply: (datagram: Buffer) => string | null): Promise<UdpTestServer> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (datagram, from) => {
    received.push(datagram);
    const answer = reply(datagram);
    if (answer !== null) socket.send(Buffer.from(answer, 'latin1'), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  return { ip, port: socket.address().port, received, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

export async function closedUdpPort(ip: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * For a test file: `track` keeps each endpoint it starts, and all of them are closed after the file's tests
 * (registers an afterAll, so call it at the top level of the file).
 */
export function trackEndpoints(): <T extends Endpoint>(endpoint: Promise<T>) => Promise<T> {
  const open: Endpoint[] = [];
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
  });
  return async (endpoint) => {
    const started = await endpoint;
    open.push(started);
    return started;
  };
}
