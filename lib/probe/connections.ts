// TCP client sockets for the HTTP and TCP probers, reused from one probe to the next. Node documents reconnecting a
// net.Socket once it has emitted 'close' (https://nodejs.org/api/net.html#socketconnect), so a probe need not build a
// Socket (a Duplex, its two stream states, its listeners) per connection, nor leave one behind as garbage.
import * as net from 'node:net';

/** Where one connection's events go while it is one probe's. */
export interface ConnectionEvents {
  onConnect(): void;
  /** `chunk` is a view of a read buffer shared by every probe of the process: only copies of it outlive the call. */
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
  /** The last event: after it the socket belongs to the next probe, so the probe must not touch it again. */
  onClose(): void;
}

/**
 * One read buffer for every connection of this process: `onread` hands each read straight to onData in it, without
 * the Readable stream's per-chunk machinery (https://nodejs.org/api/net.html#socketconnectoptions-connectlistener).
 */
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);
/** Closed sockets kept for reuse at most: the probe function's probes in flight (SLB_DOCTOR_PROBE_CONCURRENCY, template.yml). */
const MAX_IDLE_SOCKETS = 256;
const idleSockets: ReusableSocket[] = [];

class ReusableSocket {
  readonly socket: net.Socket;

  /** Connects at once: only net.connect takes `onread` (Node 20's socket.connect ignores it); it stays for reconnects. */
  constructor(
    ip: string,
    port: number,
    public events: ConnectionEvents | null,
  ) {
    this.socket = net.connect({ host: ip, port, onread: { buffer: sharedReadBuffer, callback: (length) => this.onRead(length) } });
    this.socket.on('connect', () => this.events?.onConnect());
    this.socket.on('end', () => this.events?.onEnd());
    this.socket.on('error', (err) => this.events?.onError(err));
    this.socket.on('close', () => {
      const events = this.events;
      this.events = null;
      events?.onClose();
      if (idleSockets.length < MAX_IDLE_SOCKETS) idleSockets.push(this);
    });
  }

  private onRead(length: number): boolean {
    this.events?.onData(sharedReadBuffer.subarray(0, length));
    return true;
  }
}

/** Connects to ip:port on a socket no other probe holds; its events go to `events` until (and with) its 'close'. */
export function connectProbeSocket(ip: string, port: number, events: ConnectionEvents): net.Socket {
  const idle = idleSockets.pop();
  if (idle === undefined) return new ReusableSocket(ip, port, events).socket;
  idle.events = events;
  return idle.socket.connect({ host: ip, port });
}

/** Closed sockets waiting for their next probe (tests: the pool stays bounded). */
export function idleProbeSockets(): number {
  return idleSockets.length;
}
