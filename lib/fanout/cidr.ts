// The probe function's target guard: it probes only addresses inside the CIDRs its operator listed (the VPC's own
// ranges), so a caller cannot turn it into a scanner of anything else the function's network can reach.
import { UserFacingError } from '../util/errors';

export interface Ipv4Cidr {
  text: string;
  network: number;
  prefixLength: number;
}

/** Shorter prefixes than this are refused: no VPC is larger than a /8, and 0.0.0.0/0 would allow everything. */
export const MIN_PREFIX_LENGTH = 8;

/** The 32-bit value of a dotted-quad IPv4 address, or null when `text` is not one. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** Parses a comma-separated CIDR list; `source` names where it came from (e.g. the environment variable) in errors. */
export function parseCidrList(raw: string | undefined, source: string): Ipv4Cidr[] {
  if (raw === undefined || raw.trim() === '') {
    throw new UserFacingError(`${source} is not set; list the VPC CIDRs this probe function may probe, e.g. 10.0.0.0/16,172.16.0.0/20.`, 'CONFIG_INVALID');
  }
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const match = /^([\d.]+)\/(\d{1,2})$/.exec(item);
      const address = match ? parseIpv4(match[1] ?? '') : null;
      const prefixLength = match ? Number(match[2]) : NaN;
      if (address === null || !(prefixLength >= 0 && prefixLength <= 32)) {
        throw new UserFacingError(`${source} has '${item}', which is not an IPv4 CIDR like 10.0.0.0/16.`, 'CONFIG_INVALID');
      }
      if (prefixLength < MIN_PREFIX_LENGTH) {
        throw new UserFacingError(`${source} has '${item}', which is wider than /${MIN_PREFIX_LENGTH}; list the VPC's own CIDRs instead.`, 'CONFIG_INVALID');
      }
      const mask = maskOf(prefixLength);
      if (((address & mask) >>> 0) !== address) {
        throw new UserFacingError(`${source} has '${item}', whose address has host bits set; did you mean ${formatIpv4((address & mask) >>> 0)}/${prefixLength}?`, 'CONFIG_INVALID');
      }
      return { text: item, network: address, prefixLength };
    });
}

function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

/** Null when `ip` may be probed, else the reason it may not. */
export function targetRefusal(ip: string, allowed: readonly Ipv4Cidr[]): string | null {
  const address = parseIpv4(ip);
  if (address === null) return `'${ip}' is not an IPv4 address`;
  const inside = allowed.some((cidr) => ((address & maskOf(cidr.prefixLength)) >>> 0) === cidr.network);
  if (inside) return null;
  return `${ip} is outside the allowed CIDRs (${allowed.map((c) => c.text).join(', ')})`;
}
