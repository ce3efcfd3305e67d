// Function Compute 2.0 request signing as @alicloud/fc2 2.6.x computes it (lib/client.js getSignature,
// lib/helper.js composeStringToSign). Pure functions: the emulator rebuilds the string from what it received.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HeaderBag = Record<string, string | string[] | undefined>;
export type QueryBag = Record<string, string | string[]>;

function headerText(headers: HeaderBag, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** `x-fc-*` headers, lowercased and sorted, each as `name:value\n`. */
export function canonicalFcHeaders(headers: HeaderBag): string {
  return Object.keys(headers)
    .map((name) => name.toLowerCase().trim())
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${headerText(headers, name)}\n`)
    .join('');
}

/**
 * METHOD \n content-md5 \n content-type \n date \n canonical x-fc-* headers + path, and for HTTP-trigger (`/proxy/`)
 * paths a line per query value `key=value` (sorted), as the SDK signs them (raw, not percent-encoded).
 */
export function stringToSign(method: string, path: string, headers: HeaderBag, queries: QueryBag | null): string {
  let text = `${method}\n${headerText(headers, 'content-md5')}\n${headerText(headers, 'content-type')}\n${headerText(headers, 'date')}\n${canonicalFcHeaders(headers)}${path}`;
  if (queries) {
    const lines: string[] = [];
    for (const [key, value] of Object.entries(queries)) {
      for (const item of Array.isArray(value) ? value : [value]) lines.push(`${key}=${item}`);
    }
    lines.sort();
    text += `\n${lines.join('\n')}`;
  }
  return text;
}

export function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64');
}

/** `FC <accessKeyId>:<signature>` → its parts, or null when the header has another shape. */
export function parseAuthorization(header: string): { accessKeyId: string; signature: string } | null {
  const match = /^FC ([^:\s]+):(\S+)$/.exec(header.trim());
  if (!match || match[1] === undefined || match[2] === undefined) return null;
  return { accessKeyId: match[1], signature: match[2] };
}

export function signaturesEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** The SDK's content-md5: base64 of the *hex* MD5 digest text (kitx.md5(buf, 'hex') then base64). */
export function sdkContentMd5(body: Buffer): string {
  return Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
}
