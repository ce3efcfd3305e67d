// IPv4 helpers for the scenario's address plan: every sandbox address is loopback (127.0.0.0/8).

export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

/** The address as an unsigned 32-bit number, or null when it is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** A CIDR whose address has no bits set beyond its prefix, or null. */
export function parseCidr(text: string): Ipv4Cidr | null {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!match) return null;
  const base = parseIpv4(match[1]);
  const prefix = Number(match[2]);
  if (base === null || prefix > 32) return null;
  if (base % blockSize(prefix) !== 0) return null;
  return { base, prefix };
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return address >= cidr.base && address < cidr.base + blockSize(cidr.prefix);
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Ipv4Cidr, outer: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.base);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b.base) || cidrContains(b, a.base);
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

export const LOOPBACK: Ipv4Cidr = { base: 127 * 2 ** 24, prefix: 8 };
/** Stands for SLB's health-check source 100.64.0.0/10; no scenario endpoint may use it. */
export const HEALTH_CHECK_SOURCE: Ipv4Cidr = { base: parseIpv4('127.100.64.0') as number, prefix: 24 };

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}
