// The senders' POST over Node's own http/https client. The global fetch loads and starts undici on its first call:
// measured in a fresh process, 15 digest parts to a loopback sink took 150 ms with fetch (86–92 ms for the first part)
// and 40–48 ms with this, and the first part is the one a run waits for after its last probe.
import * as http from 'node:http';
import * as https from 'node:https';
import type { HttpFetch, HttpResponseLike } from './types';

// A digest's parts go to one host in a row: kept-alive sockets save a connection (and a TLS handshake) per part. Node's
// agent unrefs a socket while it is idle, so they never hold a finished process open
// (https://nodejs.org/api/http.html#agentkeepsocketalivesocket).
const AGENTS: Record<string, http.Agent> = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** The most of a reply that is read; chat APIs answer a few hundred bytes, and an endless body stops here. */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** A failed request in fetch's shape (`cause` carries Node's error and its code), so that reasons read the same. */
function requestFailed(cause: unknown): Error {
  return new Error('request failed', { cause });
}

/**
 * Redirects followed: only 307 and 308, which keep the method and the body (RFC 9110 §15.4.8–9). A 301, 302 or 303
 * would turn the POST into a GET without the message (fetch follows them so), so it comes back as it is, and ./http
 * turns any redirect it sees into a failure that names where the URL moved.
 */
export const MAX_REDIRECTS = 3;

/** POSTs `init.body` to `url`; resolves once the reply's head is in, its body is read by `text()`. */
export const postOverNodeHttp: HttpFetch = (url, init) => post(url, init, MAX_REDIRECTS);

function post(url: string, init: Parameters<HttpFetch>[1], redirectsLeft: number): Promise<HttpResponseLike> {
  return new Promise<HttpResponseLike>((resolve, reject) => {
    const { signal } = init;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      reject(requestFailed(err));
      return;
    }
    const agent = AGENTS[target.protocol];
    if (!agent) {
      reject(requestFailed(new Error(`unsupported protocol ${target.protocol}`)));
      return;
    }
    const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
    // An abort destroys the request and, once it has arrived, the reply with it; the caller sees the signal's reason
    // (a TimeoutError from AbortSignal.timeout, or the run's own interruption), as with fetch.
    const onAbort = (): void => {
      request.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      { method: init.method, agent, headers: { ...init.headers, 'content-length': String(body.length) } },
      (response) => {
        const location = response.headers.location;
        if ((response.statusCode === 307 || response.statusCode === 308) && location && redirectsLeft > 0) {
          // Drained, so that the socket goes back to the agent.
          response.resume();
          signal.removeEventListener('abort', onAbort);
          let next: string;
          try {
            next = new URL(location, target).href;
          } catch (err) {
            reject(requestFailed(err));
            return;
          }
          resolve(post(next, init, redirectsLeft - 1));
          return;
        }
        const text = new Promise<string>((resolveText, rejectText) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size < MAX_REPLY_BYTES) return;
            // Enough read: the rest is never wanted, and the socket is not reused.
            response.destroy();
            resolveText(Buffer.concat(chunks).subarray(0, MAX_REPLY_BYTES).toString('utf8'));
          });
          response.once('end', () => resolveText(Buffer.concat(chunks).toString('utf8')));
          response.once('error', (err) => rejectText(signal.aborted ? signal.reason : requestFailed(err)));
          response.once('close', () => {
            signal.removeEventListener('abort', onAbort);
            if (!response.complete && size < MAX_REPLY_BYTES) rejectText(signal.aborted ? signal.reason : requestFailed(new Error('the reply ended early')));
          });
        });
        // Read at once, so that the socket goes back to the agent whether or not the caller reads the body.
        text.catch(() => undefined);
        resolve({
          status: response.statusCode ?? 0,
          headers: {
            get: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
          },
          text: () => text,
        });
      },
    );
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(signal.aborted ? signal.reason : requestFailed(err));
    });
    request.end(body);
  });
}
