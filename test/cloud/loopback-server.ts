// A tiny HTTP server on 127.0.0.1 that answers OpenAPI-style requests with scripted replies, so tests can drive the
// real SDK call path (signing, endpoint, protocol, timeouts, error bodies). Test-only; not the sandbox emulator.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createCloudClients, type CloudClientOptions } from '../../lib/cloud';
import { FakeClock } from '../util/fake-clock';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  action: string;
}

/**
 * What to answer: a status and a body (JSON-encoded unless it is a string), optionally after a delay; never answer
 * ('hang'); or a 200 whose body stops after its first bytes ('half-body').
 */
export type ScriptedReply = { status: number; body: unknown; contentType?: string; delayMs?: number } | 'hang' | 'half-body';

export class LoopbackApiServer {
  readonly seen: SeenRequest[] = [];
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  constructor(private readonly answers: Record<string, unknown>) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next calls of `action` get these replies, in order; then the normal answer. */
  script(action: string, ...replies: ScriptedReply[]): void {
    this.scripts.set(action, [...(this.scripts.get(action) ?? []), ...replies]);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const action = String(req.headers['x-acs-action'] ?? '');
    this.seen.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, action });
    req.resume();
    const reply = this.scripts.get(action)?.shift() ?? this.normalReply(action);
    if (reply === 'hang') return;
    if (reply === 'half-body') {
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': '1000' });
      res.write('{"RequestId":');
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const answer = (): void => {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json;charset=utf-8' });
      res.end(text);
    };
    if (reply.delayMs === undefined) answer();
    else setTimeout(answer, reply.delayMs);
  }

  private normalReply(action: string): ScriptedReply {
    if (action in this.answers) return { status: 200, body: this.answers[action] };
    return { status: 400, body: { RequestId: 'loop', Code: 'InvalidAction.NotFound', Message: `no ${action} here` } };
  }
}

/** The product's cloud clients with SLB and ECS both pointed at one loopback endpoint (fixed credentials and clock). */
export function loopbackClients(endpoint: string, options: Partial<CloudClientOptions> = {}): ReturnType<typeof createCloudClients> {
  return createCloudClients({
    regionId: 'cn-hangzhou',
    credentials: { accessKeyId: 'AKID-LOOP', accessKeySecret: 'loop-secret' },
    endpoints: { slb: endpoint, ecs: endpoint },
    clock: new FakeClock(0, 'auto'),
    random: () => 0,
    ...options,
  });
}
