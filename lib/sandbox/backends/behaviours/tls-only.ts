// The port speaks TLS only (self-signed certificate). Like nginx with `ssl` on the port, a plain-HTTP request gets
// "400 The plain HTTP request was sent to HTTPS port"; a TLS client gets 200 over TLS. SLB checks an HTTPS listener's
// backends in plain HTTP, so the check fails.
import * as tls from 'node:tls';
import type { Behaviour, RunningBackend } from '../behaviour';
import { readRequestHead, sendResponse } from '../http-wire';
import { createSelfSignedCertificate } from '../self-signed-cert';
import { DEFAULT_IDLE_TIMEOUT_MS, listenTcp } from '../tcp-server';

const TLS_HANDSHAKE_RECORD = 0x16;

export const tlsOnly: Behaviour = {
  protocol: 'tcp',
  async start(spec): Promise<RunningBackend> {
    const secureSockets = new Set<tls.TLSSocket>();
    const tlsServer = tls.createServer({ ...createSelfSignedCertificate(spec.ip), handshakeTimeout: 10_000 }, (secure) => {
      secureSockets.add(secure);
      secure.once('close', () => secureSockets.delete(secure));
      secure.on('error', () => secure.destroy());
      secure.setTimeout(DEFAULT_IDLE_TIMEOUT_MS, () => secure.destroy());
      readRequestHead(secure, (request) => sendResponse(secure, request.method, { status: 200, body: 'ok over TLS\n' }));
    });
    tlsServer.on('tlsClientError', (_err, socket) => socket.destroy());
    const running = await listenTcp(spec, (socket) => {
      socket.once('data', (first: Buffer) => {
        if (first[0] !== TLS_HANDSHAKE_RECORD) {
          return sendResponse(socket, undefined, { status: 400, body: 'The plain HTTP request was sent to HTTPS port\n' });
        }
        // Hand the connection, first bytes included, to the TLS server (TLSSocket consumes already-buffered data).
        socket.pause();
        socket.unshift(first);
        tlsServer.emit('connection', socket);
      });
    });
    return {
      address: running.address,
      stop: () => {
        for (const secure of secureSockets) secure.destroy();
        return running.stop();
      },
    };
  },
};
