// Serves one HTTP answer per connection, chosen by a behaviour from the request head.
import type * as net from 'node:net';
import type { EndpointSpec, RunningBackend } from './behaviour';
import { readRequestHead, sendResponse, type HttpResponse, type RequestHead } from './http-wire';
import { listenTcp, type TcpServerOptions } from './tcp-server';

export type HttpAnswer =
  /** Answer, optionally after a delay (the timer dies with the connection). */
  | ({ kind: 'respond'; delayMs?: number } & HttpResponse)
  /** Never answer; the connection stays open until the client leaves or the server's timeouts drop it. */
  | { kind: 'hold' };

export type HttpAnswerer = (request: RequestHead, socket: net.Socket) => HttpAnswer;

export function serveHttp(spec: EndpointSpec, answer: HttpAnswerer, options: TcpServerOptions = {}): Promise<RunningBackend> {
  return listenTcp(
    spec,
    (socket) => {
      readRequestHead(socket, (request) => {
        const chosen = answer(request, socket);
        if (chosen.kind === 'hold') return;
        if (!chosen.delayMs) return sendResponse(socket, request.method, chosen);
        const timer = setTimeout(() => sendResponse(socket, request.method, chosen), chosen.delayMs);
        socket.once('close', () => clearTimeout(timer));
      });
    },
    options,
  );
}

export function ok(body = 'ok\n'): HttpAnswer {
  return { kind: 'respond', status: 200, body };
}
