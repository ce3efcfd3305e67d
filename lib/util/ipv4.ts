// IPv4 addresses and CIDRs as 32-bit numbers: shared by the probe function's target guard and the security-group check.

export interface Ipv4Cidr {
  text: string;
  /** The network address (host bits as given; callers decide whether set host bits are an error). */
  address: number;
  prefixLength: number;
}

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

/** `10.0.0.0/8` (or a bare address, as /32); null when `text` is neither. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | null {
  const trimmed = text.trim();
  const match = /^([\d.]+)(?:\/(\d{1,2}))?$/.exec(trimmed);
  const address = match ? parseIpv4(match[1] ?? '') : null;
  const prefixLength = match?.[2] === undefined ? 32 : Number(match[2]);
  if (address === null || prefixLength > 32) return null;
  return { text: trimmed, address, prefixLength };
}

export function ipv4Mask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** The first and last address the CIDR covers. */
export function ipv4Range(cidr: Ipv4Cidr): { first: number; last: number } {
  const first = (cidr.address & ipv4Mask(cidr.prefixLength)) >>> 0;
  return { first, last: first + 2 ** (32 - cidr.prefixLength) - 1 };
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}
