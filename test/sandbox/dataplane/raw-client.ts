// Raw-socket clients for observing the fault zoo byte for byte (deliberately not the product's prober).
import * as dgram from 'node:dgram';
import * as net from 'node:net';

export interface TcpExchange {
  connected: boolean;
  /** Everything received, at most `maxBytes`. */
  data: Buffer;
  /** How the exchange ended: the peer closed, reset, we timed out, we had read enough, or another error. */
  ending: 'end' | 'reset' | 'timeout' | 'enough' | 'error';
  errorCode?: string;
}

export function tcpExchange(
  ip: string,
  port: number,
  request: string | null,
  options: { timeoutMs: number; localAddress?: string; maxBytes?: number },
): Promise<TcpExchange> {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  return new Promise((resolve) => {
    let connected = false;
    let data = Buffer.alloc(0);
    let done = false;
    const socket = net.connect({ host: ip, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const finish = (ending: TcpExchange['ending'], errorCode?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected, data, ending, ...(errorCode ? { errorCode } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs);
    socket.once('connect', () => {
      connected = true;
      if (request !== null) socket.write(request, 'latin1');
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= maxBytes) finish('enough');
    });
    socket.once('end', () => finish('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNRESET' ? 'reset' : 'error', err.code));
  });
}

export function httpRequest(method: string, path: string, headers: Record<string, string> = {}, version = 'HTTP/1.0'): string {
  return `${method} ${path} ${version}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

export function statusOf(exchange: TcpExchange): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(exchange.data.toString('latin1'));
  return match ? Number(match[1]) : undefined;
}

export interface UdpExchange {
  reply?: string;
  errorCode?: string;
}

/** Sends one datagram from a connected socket and waits for a reply, an ICMP error, or the timeout. */
export function udpExchange(ip: string, port: number, payload: string, timeoutMs: number): Promise<UdpExchange> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    let done = false;
    const finish = (result: UdpExchange): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish({}), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ errorCode: err.code ?? err.message }));
    socket.on('message', (message) => finish({ reply: message.toString('utf8') }));
    socket.connect(port, ip, () => socket.send(payload));
  });
}
