// FC's HTTP front: the emulator's listening socket, on a worker thread of its own. It accepts connections, reads each
// request whole and hands it to the emulator's thread, then writes the reply it gets back. Why a thread of its own:
// Node accepts at most one connection per listening socket per turn of its event loop, and the sandbox's loop also
// serves the OpenAPI emulators and SLB's checker, turning every ~30 ms under a fleet, so a burst of
// new invocation connections waited seconds in the kernel's accept queue (docs/performance.md, "Against the
// targets"). FC's own gateway accepts at once, so the emulator must too. Like runner.ts, `runHttpFront` is
// type-checked TypeScript whose compiled text the worker runs (Function.prototype.toString), so it stays
// self-contained: everything it uses is required or declared inside it.
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Worker } from 'node:worker_threads';

/** One request, read whole by the front. `body` is null when it exceeded the front's limit. */
export interface FrontRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  remoteAddress: string;
  body: Buffer | null;
}

export interface FrontReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string | Buffer;
}

export interface HttpFront {
  readonly port: number;
  /** Closes every connection and the listening socket, and ends the thread. */
  stop(): Promise<void>;
}

interface FrontSettings {
  host: string;
  port: number;
  bodyLimit: number;
}

type ToFront = { type: 'reply'; id: number; reply: FrontReply } | { type: 'stop' };

type FromFront =
  | { type: 'listening'; port: number }
  | { type: 'listen-failed'; code: string | undefined; message: string }
  | { type: 'request'; id: number; method: string; url: string; headers: IncomingHttpHeaders; remoteAddress: string; body: Uint8Array | null };

/** The worker's program. */
function runHttpFront(): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const http = require('node:http') as typeof import('node:http');
  const settings = workerData as FrontSettings;
  const port = parentPort;
  if (!port) throw new Error('the HTTP front runs on a worker thread');
  const waiting = new Map<number, ServerResponse>();
  let nextId = 1;
  const server = http.createServer((req, res) => {
    const id = nextId++;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= settings.bodyLimit) chunks.push(chunk);
    });
    req.on('end', () => {
      waiting.set(id, res);
      res.on('close', () => waiting.delete(id));
      const body = size <= settings.bodyLimit ? Buffer.concat(chunks) : null;
      const message: FromFront = { type: 'request', id, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '', body };
      port.postMessage(message);
    });
    req.on('error', () => res.destroy());
  });
  port.on('message', (message: ToFront) => {
    if (message.type === 'stop') {
      server.closeAllConnections();
      server.close(() => port.close());
      return;
    }
    const res = waiting.get(message.id);
    if (!res) return;
    waiting.delete(message.id);
    res.writeHead(message.reply.status, message.reply.headers);
    res.end(message.reply.body);
  });
  server.once('error', (err: NodeJS.ErrnoException) => {
    const failed: FromFront = { type: 'listen-failed', code: err.code, message: err.message };
    port.postMessage(failed);
    port.close();
  });
  server.listen(settings.port, settings.host, () => {
    const address = server.address();
    const listening: FromFront = { type: 'listening', port: typeof address === 'object' && address ? address.port : settings.port };
    port.postMessage(listening);
  });
}

const FRONT_SOURCE = `'use strict';\n(${runHttpFront.toString()})();\n`;

/** A listen failure as the caller's thread sees it, with the errno code kept (EADDRINUSE decides relocation). */
function listenError(message: Extract<FromFront, { type: 'listen-failed' }>): Error {
  return Object.assign(new Error(message.message), { code: message.code });
}

/**
 * Starts the front on host:port (0 picks a free port). Every request goes to `handle` on this thread, which answers
 * every request (it never rejects); a reply to a client that has gone by then is dropped.
 */
export function startHttpFront(settings: FrontSettings, handle: (request: FrontRequest) => Promise<FrontReply>): Promise<HttpFront> {
  const worker = new Worker(FRONT_SOURCE, { eval: true, workerData: settings });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const send = (message: ToFront): void => worker.postMessage(message);
  return new Promise<HttpFront>((resolve, reject) => {
    let started = false;
    worker.once('error', (err) => {
      if (!started) reject(err);
      else throw new Error(`FC emulator: its HTTP front stopped: ${err.message}`);
    });
    worker.on('message', (message: FromFront) => {
      if (message.type === 'listen-failed') {
        reject(listenError(message));
        return;
      }
      if (message.type === 'listening') {
        started = true;
        resolve({
          port: message.port,
          stop: async () => {
            send({ type: 'stop' });
            await exited;
          },
        });
        return;
      }
      const body = message.body === null ? null : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
      void handle({ method: message.method, url: message.url, headers: message.headers, remoteAddress: message.remoteAddress, body }).then((reply) => send({ type: 'reply', id: message.id, reply }));
    });
  });
}
