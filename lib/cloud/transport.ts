// The seam between our clients and the wire. Production sends through @alicloud/openapi-client `callApi` (which signs with
// ACS3-HMAC-SHA256); tests may hand in a fake `CallApi` that answers with the API's JSON.
import type { IncomingMessage } from 'node:http';
import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import type Credential from '@alicloud/credentials';
import * as httpx from 'httpx';
import type { ApiEndpoint } from './endpoints';
import type { CloudProduct } from './errors';

export interface ApiRequest {
  product: CloudProduct;
  action: string;
  /** API version, e.g. `2014-05-15`. */
  version: string;
  /** The business parameters, already flattened to RPC names (`LoadBalancerId.1`, `Tag.1.Key`). */
  query: Record<string, string>;
}

/** Sends one request (one attempt) and resolves to the parsed JSON body; rejects with whatever the SDK throws. */
export type CallApi = (request: ApiRequest) => Promise<unknown>;

export interface TransportOptions {
  endpoint: ApiEndpoint;
  credential: Credential;
  readTimeoutMs: number;
  connectTimeoutMs: number;
  userAgent: string;
}

/** RPC-style POST with the parameters in the query string, through @alicloud/openapi-client `callApi`. */
export function openApiTransport(options: TransportOptions): CallApi {
  const client = new OpenApi(
    new $OpenApi.Config({
      credential: options.credential,
      endpoint: options.endpoint.host,
      protocol: options.endpoint.protocol,
      readTimeout: options.readTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      userAgent: options.userAgent,
    }),
  );
  // Retries are ours (lib/util/retry); the SDK's own loop never retries HTTP errors anyway.
  const runtime = new $Util.RuntimeOptions({ readTimeout: options.readTimeoutMs, connectTimeout: options.connectTimeoutMs, autoretry: false });
  return async (request) => {
    const params = new $OpenApi.Params({
      action: request.action,
      version: request.version,
      protocol: options.endpoint.protocol.toUpperCase(),
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      // The reply's stream, read by readSdkReply (why: there).
      bodyType: 'binary',
    });
    const sentAt = Date.now();
    const reply = (await client.callApi(params, new $OpenApi.OpenApiRequest({ query: request.query }), runtime)) as { body: IncomingMessage };
    return readSdkReply(reply.body, sentAt, options.readTimeoutMs);
  };
}

/**
 * The JSON body of a successful reply, which the SDK handed over unread (bodyType 'binary'). httpx, the SDKs' HTTP
 * client, starts a timer of the read timeout for each request, and that timer's closure holds the request with its
 * reply until it fires; only `httpx.read` clears it (httpx lib/index.js, `startResponseTimer` and `read`), and the
 * SDKs read bodies with their own `read`. So every finished call stayed in memory for the whole read timeout: up to a
 * few thousand requests at once during an inventory. Reading with `httpx.read` lets it go at once, and waits only for
 * what is left of the read timeout. A timer left by a call whose body the SDK read (an error reply) clears the timer
 * of whichever request uses the socket when it fires; `httpx.read` then fails at once, before reading anything, with
 * time still left: that body is read here within what is left.
 */
export async function readSdkReply(body: IncomingMessage, sentAt: number, readTimeoutMs: number): Promise<unknown> {
  let text: string;
  try {
    text = String(await httpx.read(body, 'utf8'));
  } catch (err) {
    const left = readTimeoutMs - (Date.now() - sentAt);
    if (!isReadTimeout(err) || left <= 0 || body.listenerCount('data') > 0) {
      body.destroy();
      throw err;
    }
    text = await readWithin(body, left, readTimeoutMs);
  }
  return JSON.parse(text) as unknown;
}

function isReadTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'RequestTimeoutError' && err.message.startsWith('ReadTimeout');
}

/** The body as text, or httpx's read-timeout error (which lib/cloud/timeouts reads) if it takes longer than `ms`. */
function readWithin(body: IncomingMessage, ms: number, readTimeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      body.destroy();
      const err = new Error(`ReadTimeout: ${readTimeoutMs}. The reply's body did not arrive in time.`);
      err.name = 'RequestTimeoutError';
      reject(err);
    }, ms);
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    body.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
