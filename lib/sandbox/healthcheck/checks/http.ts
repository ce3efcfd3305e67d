// HTTP check: one request on a fresh connection; the status line of a complete response head within the timeout is
// what counts. Reads at most 16 KB of head and never the body.
import * as net from 'node:net';
import type { ProbeSpec } from '../plan';
import { networkFailure, STOPPED, type Observation } from './observation';

export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?\r?$/;

export function checkHttp(probe: ProbeSpec, sourceIp: string, signal: AbortSignal): Promise<Observation> {
  if (signal.aborted) return Promise.resolve(STOPPED);
  return new Promise<Observation>((resolve) => {
    let connected = false;
    let head = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ host: probe.ip, port: probe.port, localAddress: sourceIp });
    const finish = (observation: Observation): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(observation);
    };
    const onAbort = (): void => finish(STOPPED);
    const timer = setTimeout(() => {
      const phase = !connected ? 'connect timeout' : head.length === 0 ? 'no response' : `incomplete response head (${head.length} bytes)`;
      finish({ kind: 'failed', reason: `${phase} after ${probe.timeoutMs} ms` });
    }, probe.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      connected = true;
      socket.write(probe.payload, 'latin1');
    });
    socket.on('data', (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]).subarray(0, MAX_RESPONSE_HEAD_BYTES + 4);
      const verdict = readHead(head);
      if (verdict) finish(verdict);
    });
    socket.once('end', () =>
      finish({ kind: 'failed', reason: head.length === 0 ? 'connection closed with no response' : `connection closed mid response head (${head.length} bytes)` }),
    );
    socket.on('error', (err: NodeJS.ErrnoException) => finish(networkFailure(err, connected)));
  });
}

/** The observation once the head is decidable (complete, not HTTP, or too large); undefined while more is needed. */
function readHead(data: Buffer): Observation | undefined {
  const prefix = data.subarray(0, 5).toString('latin1');
  if (!'HTTP/'.startsWith(prefix)) return { kind: 'failed', reason: `not an HTTP response: ${printable(data)}` };
  const end = headEnd(data);
  if (end < 0) {
    return data.length > MAX_RESPONSE_HEAD_BYTES ? { kind: 'failed', reason: `response head larger than ${MAX_RESPONSE_HEAD_BYTES} bytes` } : undefined;
  }
  const statusLine = data.subarray(0, data.indexOf('\n')).toString('latin1');
  const match = STATUS_LINE.exec(statusLine);
  if (!match) return { kind: 'failed', reason: `malformed status line: ${printable(Buffer.from(statusLine, 'latin1'))}` };
  return { kind: 'http-status', status: Number(match[1]) };
}

function headEnd(data: Buffer): number {
  const crlf = data.indexOf('\r\n\r\n');
  const lf = data.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}

function printable(data: Buffer): string {
  return JSON.stringify(data.subarray(0, 40).toString('latin1'));
}
