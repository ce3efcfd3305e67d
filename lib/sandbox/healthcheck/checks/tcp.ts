// TCP check: a completed handshake within the timeout is healthy; SLB then resets the connection (SYN, SYN+ACK, ACK, RST).
import * as net from 'node:net';
import type { ProbeSpec } from '../plan';
import { networkFailure, STOPPED, type Observation } from './observation';

export function checkTcp(probe: ProbeSpec, sourceIp: string, signal: AbortSignal): Promise<Observation> {
  if (signal.aborted) return Promise.resolve(STOPPED);
  return new Promise<Observation>((resolve) => {
    let settled = false;
    const socket = net.connect({ host: probe.ip, port: probe.port, localAddress: sourceIp });
    const finish = (observation: Observation): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (observation.kind === 'connected') socket.resetAndDestroy();
      else socket.destroy();
      resolve(observation);
    };
    const onAbort = (): void => finish(STOPPED);
    const timer = setTimeout(() => finish({ kind: 'failed', reason: `connect timeout after ${probe.timeoutMs} ms` }), probe.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ kind: 'connected' }));
    // A RST before the handshake completes is ECONNREFUSED; ECONNRESET means the handshake completed and the backend
    // reset right after accepting, which SLB's check (it resets the connection itself) counts as success.
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNRESET' ? { kind: 'connected' } : networkFailure(err, false)));
  });
}
