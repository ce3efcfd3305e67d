// Loopback ranges for tests. Each test file draws its own /24 per run, so that two `npm test` runs on one machine
// (other checkouts, a second terminal) and a running `slb-doctor sandbox` do not meet on a backend address. Suites
// that start a sandbox cloud are safe even on a collision (the sandbox then moves the scenario; read addresses back
// through `cloud.actual`); suites that bind fixed addresses themselves rely on this draw.
import { randomInt } from 'node:crypto';
import type { Server } from 'node:net';

/** Second octets left out: 127.0 (the default scenario, the APIs on 127.0.0.1), 127.1–5 (the bench fleet), 127.100 (SLB's checker). */
const RESERVED = new Set([0, 1, 2, 3, 4, 5, 100, 255]);

/** A random `127.X.Y` (a /24 written without its last octet, e.g. "127.183.42"), outside the reserved blocks. */
export function randomTestNet(): string {
  for (;;) {
    const second = randomInt(6, 255);
    if (!RESERVED.has(second)) return `127.${String(second)}.${String(randomInt(0, 256))}`;
  }
}

/** `text` with every character that is special in a regular expression escaped (for addresses in error patterns). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const LISTEN_ATTEMPTS = 10;

/** Listens `server` on `<net>.<host>:<port>` in the first free random net (10 tries); resolves that net. */
export async function listenOnFreeNet(server: Server, host: number, port: number): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < LISTEN_ATTEMPTS; attempt += 1) {
    const net = randomTestNet();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: `${net}.${String(host)}`, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return net;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`no free ${String(LISTEN_ATTEMPTS)} random nets for port ${String(port)}`, { cause: lastError });
}
