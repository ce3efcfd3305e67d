// The seam between our clients and the wire. Production sends through the Alibaba SDKs (which sign with
// ACS3-HMAC-SHA256); tests may hand in a fake `CallApi` that answers with the API's JSON.
import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import type Credential from '@alicloud/credentials';
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
      bodyType: 'json',
    });
    const reply = await client.callApi(params, new $OpenApi.OpenApiRequest({ query: request.query }), runtime);
    return reply.body;
  };
}
