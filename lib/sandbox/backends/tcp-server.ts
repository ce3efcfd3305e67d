// A TCP listener that tracks every socket so `stop` can destroy them, and bounds what hostile clients can hold.
import * as net from 'node:net';
import { BackendConfigError, describeEndpoint, type EndpointSpec, type RunningBackend } from './behaviour';

/** Drop a connection after this long without traffic either way. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Behaviours that hold connections on purpose (hang, trickle …) still let go after this long. */
export const MAX_CONNECTION_LIFETIME_MS = 10 * 60_000;
/** Connections beyond this are refused by the kernel backlog instead of costing file descriptors. */
const MAX_CONNECTIONS = 4096;

export interface TcpServerOptions {
  idleTimeoutMs?: number;
  /** Runs once the server listens and before it is handed out; a rejection closes the server and fails the start. */
  afterListen?: (server: net.Server) => Promise<void>;
}

export function listenTcp(
  spec: EndpointSpec,
  onConnection: (socket: net.Socket) => void,
  options: TcpServerOptions = {},
): Promise<RunningBackend> {
  const sockets = new Set<net.Socket>();
  // Per client address: open now, and the most ever open at once (how hard one prober presses one backend).
  const open = new Map<string, number>();
  const peaks = new Map<string, number>();
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const client = socket.remoteAddress ?? 'unknown';
    const now = (open.get(client) ?? 0) + 1;
    open.set(client, now);
    if (now > (peaks.get(client) ?? 0)) peaks.set(client, now);
    // A hostile or vanished client must never crash the sandbox: swallow socket errors, drop on idle and on lifetime.
    socket.on('error', () => socket.destroy());
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    const lifetime = setTimeout(() => socket.destroy(), MAX_CONNECTION_LIFETIME_MS);
    lifetime.unref();
    socket.once('close', () => {
      clearTimeout(lifetime);
      sockets.delete(socket);
      open.set(client, (open.get(client) ?? 1) - 1);
    });
    onConnection(socket);
  });
  server.maxConnections = MAX_CONNECTIONS;
  return new Promise<RunningBackend>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(spec, 'tcp', err)));
    server.listen({ host: spec.ip, port: spec.port, exclusive: true }, () => {
      server.on('error', () => undefined);
      const stop = (): Promise<void> =>
        new Promise<void>((done) => {
          server.close(() => done());
          for (const socket of sockets) socket.destroy();
        });
      const running: RunningBackend = { address: `tcp://${spec.ip}:${spec.port}`, stop, peakConnectionsByClient: () => peaks };
      const { afterListen } = options;
      const hostFirewall = spec.hostFirewall;
      if (!afterListen && !hostFirewall) return resolve(running);
      (async () => {
        await hostFirewall?.(server);
        await afterListen?.(server);
      })().then(
        () => resolve(running),
        (err: unknown) => void stop().then(() => reject(err)),
      );
    });
  });
}

/** The server's own listening socket's file descriptor, for helpers that set kernel socket options on it. */
export function listeningFd(server: net.Server): number | undefined {
  // `_handle.fd` is Node's internal libuv handle: an untyped boundary, narrowed right here.
  const handle: unknown = (server as unknown as { _handle?: unknown })._handle;
  if (typeof handle !== 'object' || handle === null) return undefined;
  const fd: unknown = (handle as { fd?: unknown }).fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export function listenError(spec: EndpointSpec, protocol: 'tcp' | 'udp', err: NodeJS.ErrnoException): BackendConfigError {
  const what = `${describeEndpoint(spec)} cannot listen on ${protocol} ${spec.ip}:${spec.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new BackendConfigError(`${what}: the address is in use; give the endpoint a free port in the scenario`, { cause: err, taken: `${protocol} ${spec.ip}:${spec.port} is in use` });
    case 'EACCES':
      return new BackendConfigError(`${what}: permission denied; use a port ≥ 1024 or run as root`, { cause: err });
    case 'EADDRNOTAVAIL':
      return new BackendConfigError(`${what}: the address is not local; use a 127.x.y.z loopback address`, { cause: err });
    default:
      return new BackendConfigError(`${what}: ${err.message}`, { cause: err });
  }
}
