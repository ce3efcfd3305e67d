// The probe function's target guard: it probes only addresses inside the CIDRs its operator listed (the VPC's own
// ranges), so a caller cannot turn it into a scanner of anything else the function's network can reach.
import { UserFacingError } from '../util/errors';
import { formatIpv4, ipv4Mask, parseIpv4, parseIpv4Cidr, type Ipv4Cidr } from '../util/ipv4';

/** Shorter prefixes than this are refused: no VPC is larger than a /8, and 0.0.0.0/0 would allow everything. */
export const MIN_PREFIX_LENGTH = 8;

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
      const cidr = item.includes('/') ? parseIpv4Cidr(item) : null;
      if (cidr === null) {
        throw new UserFacingError(`${source} has '${item}', which is not an IPv4 CIDR like 10.0.0.0/16.`, 'CONFIG_INVALID');
      }
      if (cidr.prefixLength < MIN_PREFIX_LENGTH) {
        throw new UserFacingError(`${source} has '${item}', which is wider than /${MIN_PREFIX_LENGTH}; list the VPC's own CIDRs instead.`, 'CONFIG_INVALID');
      }
      const network = (cidr.address & ipv4Mask(cidr.prefixLength)) >>> 0;
      if (network !== cidr.address) {
        throw new UserFacingError(`${source} has '${item}', whose address has host bits set; did you mean ${formatIpv4(network)}/${cidr.prefixLength}?`, 'CONFIG_INVALID');
      }
      return cidr;
    });
}

/** Null when `ip` may be probed, else the reason it may not. */
export function targetRefusal(ip: string, allowed: readonly Ipv4Cidr[]): string | null {
  const address = parseIpv4(ip);
  if (address === null) return `'${ip}' is not an IPv4 address`;
  const inside = allowed.some((cidr) => ((address & ipv4Mask(cidr.prefixLength)) >>> 0) === cidr.address);
  if (inside) return null;
  return `${ip} is outside the allowed CIDRs (${allowed.map((c) => c.text).join(', ')})`;
}
