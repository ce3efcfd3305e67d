// After the request: a status line, then header lines that never end (paced by the client's reading, at most 1 MiB
// per connection, then silence), so a client that does not bound the head it reads never finishes.
import type * as net from 'node:net';
import type { Behaviour } from '../behaviour';
import { listenTcp, MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

const MAX_BYTES_PER_CONNECTION = 1024 * 1024;

export const endlessHeaders: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    listenTcp(
      spec,
      (socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\n');
          writeHeaders(socket, 0);
        });
      },
      { idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS },
    ),
};

function writeHeaders(socket: net.Socket, alreadySent: number): void {
  let sent = alreadySent;
  while (sent < MAX_BYTES_PER_CONNECTION && !socket.destroyed) {
    const line = `X-Header-${sent}: ${'h'.repeat(48)}\r\n`;
    sent += line.length;
    if (!socket.write(line)) {
      socket.once('drain', () => writeHeaders(socket, sent));
      return;
    }
  }
}
