// Request signing exactly as the Alibaba Cloud SDKs do it (slb-api.md §2a V3 ACS3-HMAC-SHA256, §2b legacy V1
// HMAC-SHA1). Pure functions: the server recomputes the string to sign from what it received and compares.

import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { apiErrors } from './errors';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** RFC 3986 encoding as POP expects: encodeURIComponent plus ! ' ( ) * (space is %20, ~ stays). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes `a=1&b=x%20y` into pairs; `+` is a space as in form encoding. */
export function parseQueryString(query: string): [string, string][] {
  if (query === '') return [];
  return query.split('&').filter((part) => part !== '').map((part) => {
    const equals = part.indexOf('=');
    const rawKey = equals < 0 ? part : part.slice(0, equals);
    const rawValue = equals < 0 ? '' : part.slice(equals + 1);
    try {
      return [decodeURIComponent(rawKey.replace(/\+/g, ' ')), decodeURIComponent(rawValue.replace(/\+/g, ' '))];
    } catch {
      throw apiErrors.invalidParameter(rawKey, 'The query string is not valid percent-encoding.');
    }
  });
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// V3

export interface V3Authorization {
  accessKeyId: string;
  /** Lowercased header names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

/** `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=a;b,Signature=<hex>` */
export function parseV3Authorization(header: string): V3Authorization {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== V3_ALGORITHM) {
    throw apiErrors.incompleteSignature(`Unsupported signature algorithm "${algorithm}"; the sandbox verifies ${V3_ALGORITHM}.`);
  }
  const parts = new Map<string, string>();
  for (const item of header.slice(space + 1).split(',')) {
    const equals = item.indexOf('=');
    if (equals > 0) parts.set(item.slice(0, equals).trim(), item.slice(equals + 1).trim());
  }
  const accessKeyId = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) {
    throw apiErrors.incompleteSignature('The Authorization header must carry Credential, SignedHeaders and Signature.');
  }
  return { accessKeyId, signedHeaders: signedHeaders.split(';').map((name) => name.toLowerCase()), signature };
}

export interface V3Request {
  method: string;
  /** The URI path, "/" for RPC. */
  path: string;
  query: [string, string][];
  /** Header values by lowercased name. */
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  contentSha256: string;
}

export function v3CanonicalQuery(query: [string, string][]): string {
  return [...query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${percentEncode(value)}`)
    .join('&');
}

export function v3StringToSign(request: V3Request): string {
  const names = [...request.signedHeaders].sort();
  const canonicalHeaders = names.map((name) => `${name}:${(request.headers[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [
    request.method,
    request.path,
    v3CanonicalQuery(request.query),
    canonicalHeaders,
    names.join(';'),
    request.contentSha256,
  ].join('\n');
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** Each secret's HMAC key, prepared once: Node otherwise re-imports the key material on every call. */
const hmacKeys = new Map<string, KeyObject>();

function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (key === undefined) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    hmacKeys.set(secret, key);
  }
  return key;
}

export function v3Signature(secret: string, stringToSign: string): string {
  return createHmac('sha256', hmacKey(secret)).update(stringToSign).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// V1

/** All request parameters except Signature (query plus form body), as the client signed them. */
export function v1StringToSign(method: string, params: [string, string][]): string {
  const canonical = params
    .filter(([key]) => key !== 'Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`)
    .join('&');
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', hmacKey(`${secret}&`)).update(stringToSign).digest('base64');
}
