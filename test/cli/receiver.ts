// A local webhook receiver on 127.0.0.1 (a free port): accepts (200), refuses (400) or hangs (accepts the request and
// never answers), and records every body it got.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'accept' | 'reject' | 'hang';

export interface Receiver {
  url: string;
  mode: ReceiverMode;
  /** Request bodies received, in order (a hung request counts once its body has arrived). */
  readonly bodies: string[];
  /** Resolves once `count` requests have arrived. */
  received(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startReceiver(mode: ReceiverMode): Promise<Receiver> {
  const bodies: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      for (const waiter of waiters.splice(0)) {
        if (bodies.length >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
      if (receiver.mode === 'hang') {
        hung.add(res);
        return;
      }
      res.writeHead(receiver.mode === 'accept' ? 200 : 400, { 'content-type': 'text/plain' }).end(receiver.mode === 'accept' ? 'ok' : 'bad request');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    mode,
    bodies,
    received: (count, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (bodies.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`the receiver got ${bodies.length} of ${count} request(s)`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    stop: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}
