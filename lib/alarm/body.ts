// The HTTP-trigger request body, bounded: newer FC runtimes hand it over as `req.body` (a Buffer), older ones only as
// the request stream (read with raw-body). Reading stops at the limit, so an oversized body costs no more than that.
import type { Readable } from 'node:stream';

export type BodySource = { body?: unknown } & Partial<Pick<Readable, 'on' | 'removeListener' | 'pause'>>;

export function readBoundedBody(req: BodySource, limit: number): Promise<Buffer | 'too-large'> {
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body.length > limit ? 'too-large' : req.body);
  if (typeof req.body === 'string') {
    const body = Buffer.from(req.body, 'utf8');
    return Promise.resolve(body.length > limit ? 'too-large' : body);
  }
  const stream = req;
  if (typeof stream.on !== 'function') return Promise.resolve(Buffer.alloc(0));
  const on = stream.on.bind(stream);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.removeListener?.('data', onData);
      req.removeListener?.('end', onEnd);
      req.removeListener?.('error', onError);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8');
      size += buffer.length;
      if (size > limit) {
        cleanup();
        req.pause?.(); // leave the rest unread
        resolve('too-large');
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    on('data', onData);
    on('end', onEnd);
    on('error', onError);
  });
}
