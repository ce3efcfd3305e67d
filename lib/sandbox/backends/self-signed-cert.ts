// A self-signed X.509 certificate built with node:crypto alone (no openssl CLI, no packages): a P-256 key and a
// minimal DER-encoded v3 certificate for a loopback IP. Only the tls-only fault behaviour uses it.
import * as crypto from 'node:crypto';

export interface KeyAndCertificate {
  key: string;
  cert: string;
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const VALIDITY_MS = 24 * 3600 * 1000;

/** Generates a fresh key and a certificate valid from one hour ago for a day, naming `ip` as CN and IP SAN. */
export function createSelfSignedCertificate(ip: string): KeyAndCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(set(sequence(oid(OID_COMMON_NAME), utf8String(ip))));
  const notBefore = new Date(Date.now() - 3600 * 1000);
  const signatureAlgorithm = sequence(oid(OID_ECDSA_WITH_SHA256));
  const subjectAltName = sequence(tlv(0x87, Buffer.from(ip.split('.').map(Number))));
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(crypto.randomBytes(16)),
    signatureAlgorithm,
    name,
    sequence(utcTime(notBefore), utcTime(new Date(notBefore.getTime() + VALIDITY_MS))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, sequence(sequence(oid(OID_SUBJECT_ALT_NAME), tlv(0x04, subjectAltName)))),
  );
  const signature = crypto.sign('sha256', tbs, privateKey); // DER-encoded ECDSA, as X.509 wants
  const certificate = sequence(tbs, signatureAlgorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

/** A positive INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
function integer(bytes: Buffer): Buffer {
  // DER wants the shortest form: no leading zero byte unless the next byte's high bit is set (a random serial
  // starting with 0x00 would otherwise be refused as "illegal padding" about once in 256 starts).
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && ((bytes[start + 1] ?? 0) & 0x80) === 0) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2024-05-01T12:34:56.789Z → 240501123456Z
  return tlv(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, 'latin1'));
}
