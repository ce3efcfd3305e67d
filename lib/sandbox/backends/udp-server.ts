// A UDP socket bound to one endpoint; `stop` closes it.
import * as dgram from 'node:dgram';
import type { EndpointSpec, RunningBackend } from './behaviour';
import { listenError } from './tcp-server';

export type DatagramHandler = (message: Buffer, remote: dgram.RemoteInfo, socket: dgram.Socket) => void;

export function bindUdp(spec: EndpointSpec, onMessage: DatagramHandler): Promise<RunningBackend> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  return new Promise<RunningBackend>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => reject(listenError(spec, 'udp', err)));
    socket.bind({ address: spec.ip, port: spec.port, exclusive: true }, () => {
      // Errors after bind (e.g. ICMP for a reply to a vanished client) must not crash the sandbox.
      socket.on('error', () => undefined);
      socket.on('message', (message, remote) => onMessage(message, remote, socket));
      resolve({
        address: `udp://${spec.ip}:${spec.port}`,
        stop: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
