// UDP check: send the request from a connected socket and wait. ICMP port unreachable (ECONNREFUSED on the connected
// socket) is a failure; a reply ends the wait early; silence until the timeout is reported as such for judgement.
import * as dgram from 'node:dgram';
import type { ProbeSpec } from '../plan';
import { networkFailure, STOPPED, type Observation } from './observation';

/** Replies are compared within this many bytes. */
const MAX_REPLY_BYTES = 8 * 1024;

export function checkUdp(probe: ProbeSpec, sourceIp: string, signal: AbortSignal): Promise<Observation> {
  if (signal.aborted) return Promise.resolve(STOPPED);
  return new Promise<Observation>((resolve) => {
    let settled = false;
    const socket = dgram.createSocket('udp4');
    const finish = (observation: Observation): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      resolve(observation);
    };
    const onAbort = (): void => finish(STOPPED);
    const timer = setTimeout(() => finish({ kind: 'udp-silence' }), probe.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(err.code === 'ECONNREFUSED' ? { kind: 'failed', reason: 'ICMP port unreachable' } : networkFailure(err, false)),
    );
    socket.on('message', (message: Buffer) => finish({ kind: 'udp-reply', reply: message.subarray(0, MAX_REPLY_BYTES).toString('latin1') }));
    // Each step first checks `settled`: after an abort the socket is closed and must not be used again.
    socket.bind({ address: sourceIp, port: 0 }, () => {
      if (settled) return;
      socket.connect(probe.port, probe.ip, (err?: Error) => {
        if (settled) return;
        if (err) return finish(networkFailure(err as NodeJS.ErrnoException, false));
        socket.send(probe.payload, (sendErr) => {
          if (sendErr) finish(networkFailure(sendErr as NodeJS.ErrnoException, false));
        });
      });
    });
  });
}
