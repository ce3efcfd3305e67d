// A small OSS: GetObject, PutObject (with If-Match / If-None-Match / x-oss-forbid-overwrite), HeadObject and
// DeleteObject, behind the OSS V1 signature that ali-oss 6.x sends:
//   Authorization: OSS <AccessKeyId>:base64(HMAC-SHA1(secret,
//     VERB\nContent-MD5\nContent-Type\n<x-oss-date or Date>\n<x-oss-* headers, sorted, key:value\n><CanonicalizedResource>))
// Separate code: imports nothing from the product.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';

export interface OssEmulatorCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, the key is temporary (STS) and every request must carry this x-oss-security-token. */
  securityToken?: string;
}

export interface OssEmulatorOptions {
  credentials: OssEmulatorCredentials | OssEmulatorCredentials[];
  host?: string;
  port?: number;
  /** Buckets that exist; default: any bucket name is accepted and created on first use. */
  buckets?: string[];
}

export interface OssEmulator {
  /** e.g. http://127.0.0.1:41234 — give it to ali-oss as `endpoint` (the bucket travels in the Host header). */
  endpoint: string;
  /** Object keys of a bucket, sorted. */
  keys(bucket: string): string[];
  /** An object's content, or null. */
  read(bucket: string, key: string): string | null;
  stats: { requests: number; preconditionFailed: number; signatureRejected: number };
  stop(): Promise<void>;
}

interface StoredObject {
  content: Buffer;
  etag: string;
  contentType: string;
  lastModified: Date;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;
/** Query parameters that are part of the CanonicalizedResource (the rest are ignored by the signature). */
const SUB_RESOURCES = new Set(['acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append', 'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process', 'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId', 'udfImageDesc', 'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'policy', 'stat', 'encryption', 'versions', 'versioning', 'versionId', 'sequential', 'continuation-token', 'regionList', 'cloudboxes', 'inventory', 'inventoryId']);

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function errorXml(code: string, message: string, requestId: string, hostId: string, extra: Record<string, string> = {}): string {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const fields = Object.entries(extra).map(([k, v]) => `  <${k}>${escape(v)}</${k}>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${escape(message)}</Message>\n  <RequestId>${requestId}</RequestId>\n  <HostId>${escape(hostId)}</HostId>\n${fields}</Error>\n`;
}

export function ossStringToSign(request: { method: string; headers: Record<string, string>; resource: string }): string {
  const { headers } = request;
  const ossHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${headers[name]!.trim()}`);
  return [request.method.toUpperCase(), headers['content-md5'] ?? '', headers['content-type'] ?? '', headers['x-oss-date'] || headers.date || '', ...ossHeaders, request.resource].join('\n');
}

export async function startOssEmulator(options: OssEmulatorOptions): Promise<OssEmulator> {
  const host = options.host ?? '127.0.0.1';
  const keys = new Map((Array.isArray(options.credentials) ? options.credentials : [options.credentials]).map((c) => [c.accessKeyId, c]));
  const buckets = new Map<string, Map<string, StoredObject>>((options.buckets ?? []).map((b) => [b, new Map()]));
  const stats = { requests: 0, preconditionFailed: 0, signatureRejected: 0 };

  const bucketObjects = (name: string): Map<string, StoredObject> | null => {
    let objects = buckets.get(name);
    if (!objects && !options.buckets) {
      objects = new Map();
      buckets.set(name, objects);
    }
    return objects ?? null;
  };

  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer): void => {
    stats.requests += 1;
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://oss.invalid');
    const hostHeader = header(request, 'host').replace(/:\d+$/, '');
    // Virtual-hosted style (bucket.oss-….aliyuncs.com in Host, as ali-oss sends for an IP endpoint) or path style.
    const virtualHosted = hostHeader !== '' && isIP(hostHeader) === 0 && hostHeader !== 'localhost';
    const path = decodeURIComponent(url.pathname);
    const bucket = virtualHosted ? hostHeader.split('.')[0]! : path.split('/')[1] ?? '';
    const key = virtualHosted ? path.slice(1) : path.split('/').slice(2).join('/');
    const method = request.method ?? 'GET';

    const reply = (status: number, headers: Record<string, string | number>, payload?: string | Buffer): void => {
      response.writeHead(status, { 'x-oss-request-id': requestId, server: 'AliyunOSS', date: new Date().toUTCString(), ...headers });
      response.end(method === 'HEAD' ? undefined : payload);
    };
    const fail = (status: number, code: string, message: string, extra: Record<string, string> = {}): void => {
      const xml = errorXml(code, message, requestId, hostHeader, extra);
      // HEAD has no body: OSS puts the error document in x-oss-err (base64), which ali-oss reads.
      reply(status, { 'content-type': 'application/xml', ...(method === 'HEAD' ? { 'x-oss-err': Buffer.from(xml).toString('base64') } : {}) }, xml);
    };

    // Authentication.
    const authorization = header(request, 'authorization');
    const match = /^OSS ([^:]+):(.+)$/.exec(authorization);
    if (!match) return fail(403, 'AccessDenied', 'AccessDenied: anonymous access is not allowed on this bucket');
    const credentials = keys.get(match[1]!);
    if (!credentials) return fail(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', { OSSAccessKeyId: match[1]! });
    if (credentials.securityToken !== undefined && header(request, 'x-oss-security-token') !== credentials.securityToken) {
      return fail(403, 'InvalidSecurityToken', 'The security token you provided is invalid.');
    }
    const signedHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) signedHeaders[name] = Array.isArray(value) ? value.join(',') : value;
    const subResources = [...url.searchParams.keys()].filter((name) => SUB_RESOURCES.has(name)).sort();
    const query = subResources.map((name) => (url.searchParams.get(name) ? `${name}=${url.searchParams.get(name)}` : name)).join('&');
    const resource = `/${bucket}/${key}${query ? `?${query}` : ''}`;
    const stringToSign = ossStringToSign({ method, headers: signedHeaders, resource });
    const expected = createHmac('sha1', credentials.accessKeySecret).update(Buffer.from(stringToSign, 'utf8')).digest('base64');
    const given = Buffer.from(match[2]!);
    if (given.length !== Buffer.byteLength(expected) || !timingSafeEqual(given, Buffer.from(expected))) {
      stats.signatureRejected += 1;
      return fail(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
        StringToSign: stringToSign,
        OSSAccessKeyId: credentials.accessKeyId,
      });
    }
    const dateText = signedHeaders['x-oss-date'] || signedHeaders.date || '';
    const date = Date.parse(dateText);
    if (Number.isNaN(date)) return fail(403, 'AccessDenied', 'The request has no valid Date or x-oss-date.');
    if (Math.abs(Date.now() - date) > MAX_SKEW_MS) return fail(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', { RequestTime: dateText, ServerTime: new Date().toUTCString() });

    const objects = bucketObjects(bucket);
    if (!objects) return fail(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucket });
    if (key === '') return fail(400, 'InvalidArgument', 'This emulator serves objects only.');
    const current = objects.get(key);
    const ifMatch = header(request, 'if-match');
    const ifNoneMatch = header(request, 'if-none-match');
    const preconditionFailed = (condition: string): void => {
      stats.preconditionFailed += 1;
      fail(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', { Condition: condition });
    };

    switch (method) {
      case 'PUT': {
        const md5 = header(request, 'content-md5');
        if (md5 && md5 !== createHash('md5').update(body).digest('base64')) return fail(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
        if (ifMatch && (!current || ifMatch !== current.etag)) return preconditionFailed('If-Match');
        if (ifNoneMatch && current && (ifNoneMatch === '*' || ifNoneMatch === current.etag)) return preconditionFailed('If-None-Match');
        if (header(request, 'x-oss-forbid-overwrite') === 'true' && current) return fail(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.');
        const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
        objects.set(key, { content: body, etag, contentType: header(request, 'content-type') || 'application/octet-stream', lastModified: new Date() });
        return reply(200, { etag, 'content-length': 0, 'x-oss-hash-crc64ecma': '0' });
      }
      case 'GET':
      case 'HEAD': {
        if (!current) return fail(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
        if (ifMatch && ifMatch !== current.etag) return preconditionFailed('If-Match');
        const headers = { etag: current.etag, 'content-type': current.contentType, 'content-length': current.content.length, 'last-modified': current.lastModified.toUTCString() };
        if (ifNoneMatch && ifNoneMatch === current.etag) return reply(304, headers);
        return reply(200, headers, current.content);
      }
      case 'DELETE':
        objects.delete(key);
        return reply(204, {});
      default:
        return fail(405, 'MethodNotAllowed', `${method} is not supported by this emulator.`);
    }
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OBJECT_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_OBJECT_BYTES) {
        response.writeHead(400).end(errorXml('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.', '0', ''));
        return;
      }
      handle(request, response, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    keys: (bucket) => [...(buckets.get(bucket)?.keys() ?? [])].sort(),
    read: (bucket, key) => buckets.get(bucket)?.get(key)?.content.toString('utf8') ?? null,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
