// The program each function instance runs (`node -e RUNNER_SOURCE`, with an IPC channel): it loads the handler the
// way FC's Node.js runtime does (`<file>.<export>` inside the code directory, on the first invocation), then runs one
// invocation at a time as the parent asks. `runFunctionInstance` is ordinary, type-checked TypeScript; the child gets
// its compiled text (Function.prototype.toString), so it starts identically from the TypeScript sources (tests,
// through ts-jest) and from the compiled build, with no loader in between. That is why the function must stay
// self-contained: everything it uses is required or declared inside it.
import type { Readable as ReadableType } from 'node:stream';

/** One invocation error as FC reports it. */
export interface RunnerError {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

/**
 * How bytes cross the IPC channel (JSON text): as text when they are valid UTF-8, which round-trips exactly and saves
 * the base64 coding on both sides, otherwise as base64.
 */
export type WireEncoding = 'utf8' | 'base64';

/** What the parent (instance.ts) sends. */
export type ParentMessage =
  | { type: 'event'; id: number; event: string; encoding: WireEncoding; context: unknown }
  | {
      type: 'http';
      id: number;
      context: unknown;
      request: { method: string; path: string; url: string; queries: unknown; headers: unknown; clientIP: string; body: string };
    };

/** What the child answers. */
export type RunnerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; body: string; encoding: WireEncoding }
  | { type: 'result'; id: number; ok: false; error: RunnerError }
  | { type: 'http-response'; id: number; status: number; headers: Record<string, string>; body: string }
  | { type: 'http-error'; id: number; error: RunnerError }
  | { type: 'crash'; error: RunnerError };

type EventHandler = (event: Buffer, context: unknown, callback: (err: unknown, value?: unknown) => void) => unknown;
type HttpHandler = (req: ReadableType, resp: unknown, context: unknown) => unknown;

export function runFunctionInstance(): void {
  const path = require('node:path') as typeof import('node:path');
  const { Readable } = require('node:stream') as typeof import('node:stream');
  const send = (message: RunnerMessage, then?: () => void): void => {
    process.send?.(message, undefined, {}, then ? () => then() : undefined);
  };

  const codeDir = process.env.FC_FUNC_CODE_PATH ?? '.';
  const handlerSpec = process.env.FC_FUNCTION_HANDLER || 'index.handler';
  let loaded: ((...args: unknown[]) => unknown) | null = null;

  const loadHandler = (): ((...args: unknown[]) => unknown) => {
    if (loaded) return loaded;
    const dot = handlerSpec.lastIndexOf('.');
    const file = handlerSpec.slice(0, dot);
    const name = handlerSpec.slice(dot + 1);
    const exported = (require(path.join(codeDir, file)) as Record<string, unknown>)[name];
    if (typeof exported !== 'function') throw new TypeError(`handler ${handlerSpec} is not a function exported by ${file}.js`);
    loaded = exported as (...args: unknown[]) => unknown;
    return loaded;
  };

  const describeError = (err: unknown): RunnerError => {
    if (err instanceof Error) {
      const stackTrace = String(err.stack ?? '').split('\n').slice(1, 11).map((line) => line.trim());
      return { errorMessage: err.message, errorType: err.name || 'Error', stackTrace };
    }
    return { errorMessage: String(err), errorType: 'Error', stackTrace: [] };
  };

  const encodeResult = (value: unknown): Buffer => {
    if (value === undefined || value === null) return Buffer.alloc(0);
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    return Buffer.from(JSON.stringify(value), 'utf8');
  };
  // A string or JSON result is UTF-8 text already: it goes as it is (the parent encodes it as UTF-8, the same bytes
  // encodeResult would give). Only a Buffer may hold other bytes.
  const resultOnTheWire = (value: unknown): { body: string; encoding: 'utf8' | 'base64' } => {
    if (value === undefined || value === null) return { body: '', encoding: 'utf8' };
    if (typeof value === 'string') return { body: value, encoding: 'utf8' };
    if (Buffer.isBuffer(value)) return { body: value.toString('base64'), encoding: 'base64' };
    return { body: JSON.stringify(value), encoding: 'utf8' };
  };

  const isThenable = (value: unknown): value is PromiseLike<unknown> =>
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

  const runEvent = (message: Extract<ParentMessage, { type: 'event' }>): void => {
    let settled = false;
    const finish = (err: unknown, value?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err) send({ type: 'result', id: message.id, ok: false, error: describeError(err) });
      else send({ type: 'result', id: message.id, ok: true, ...resultOnTheWire(value) });
    };
    try {
      const handler = loadHandler() as EventHandler;
      const returned = handler(Buffer.from(message.event, message.encoding), message.context, finish);
      if (isThenable(returned)) returned.then((value) => finish(null, value), (err: unknown) => finish(err || new Error('handler rejected')));
    } catch (err) {
      finish(err);
    }
  };

  const runHttp = (message: Extract<ParentMessage, { type: 'http' }>): void => {
    const r = message.request;
    const body = Buffer.from(r.body, 'base64');
    // The request is a readable stream too, for handlers that read it with raw-body.
    const req = Readable.from(body.length > 0 ? [body] : []);
    Object.assign(req, { method: r.method, path: r.path, url: r.url, queries: r.queries, headers: r.headers, clientIP: r.clientIP, body });
    let status = 200;
    const headers: Record<string, string> = {};
    let sent = false;
    const fail = (err: unknown): void => {
      if (sent) return;
      sent = true;
      send({ type: 'http-error', id: message.id, error: describeError(err) });
    };
    const resp = {
      setStatusCode(code: unknown): void {
        status = Number(code);
      },
      setHeader(key: unknown, value: unknown): void {
        headers[String(key).toLowerCase()] = String(value);
      },
      deleteHeader(key: unknown): void {
        delete headers[String(key).toLowerCase()];
      },
      send(payload: unknown): void {
        if (sent) return;
        const deliver = (buf: Buffer): void => {
          sent = true;
          send({ type: 'http-response', id: message.id, status, headers, body: buf.toString('base64') });
        };
        const stream = payload as NodeJS.ReadableStream | null;
        if (stream && typeof stream.pipe === 'function') {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
          stream.on('end', () => deliver(Buffer.concat(chunks)));
          stream.on('error', fail);
        } else {
          deliver(encodeResult(payload));
        }
      },
    };
    try {
      const handler = loadHandler() as HttpHandler;
      const returned = handler(req, resp, message.context);
      if (isThenable(returned)) returned.then(undefined, (err: unknown) => fail(err || new Error('handler rejected')));
    } catch (err) {
      fail(err);
    }
  };

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'event') runEvent(message);
    else if (message.type === 'http') runHttp(message);
  });
  const crash = (err: unknown): void => send({ type: 'crash', error: describeError(err) }, () => process.exit(1));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  send({ type: 'ready' });
}

/** The child's program: the compiled function above, called once. */
export const RUNNER_SOURCE = `'use strict';\n(${runFunctionInstance.toString()})();\n`;
