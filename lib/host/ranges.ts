// IPv4 address ranges as sorted, disjoint, inclusive [first, last] intervals of 32-bit numbers: the /10 is split into
// the sub-ranges each rule decides, so partial coverage (one banned SLB node address) is exact.

export type Interval = readonly [number, number];
export type Ranges = readonly Interval[];

/** SLB's health-check source range (Alibaba Cloud: health checks come from 100.64.0.0/10). */
export const SLB_CIDR = '100.64.0.0/10';

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d/255.255.0.0` → one interval; null when it is not IPv4. */
export function parseCidr(text: string): Interval | null {
  const [addressText = '', lengthText] = text.split('/');
  const address = parseIpv4(addressText);
  if (address === null) return null;
  let length = 32;
  if (lengthText !== undefined) {
    const mask = parseIpv4(lengthText);
    if (mask !== null) {
      const bits = mask.toString(2).padStart(32, '0');
      if (!/^1*0*$/.test(bits)) return null;
      length = bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
    } else if (/^\d{1,2}$/.test(lengthText) && Number(lengthText) <= 32) length = Number(lengthText);
    else return null;
  }
  const size = 2 ** (32 - length);
  const first = Math.floor(address / size) * size;
  return [first, first + size - 1];
}

export function rangesOf(...intervals: Interval[]): Ranges {
  return union([], intervals);
}

export const SLB_RANGE: Ranges = rangesOf(parseCidr(SLB_CIDR) as Interval);
export const EMPTY: Ranges = [];

function normalize(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [first, last] of sorted) {
    const previous = out[out.length - 1];
    if (previous && first <= previous[1] + 1) previous[1] = Math.max(previous[1], last);
    else out.push([first, last]);
  }
  return out;
}

export function union(a: Ranges, b: Ranges): Ranges {
  return normalize([...a, ...b]);
}

export function intersect(a: Ranges, b: Ranges): Ranges {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval;
    const y = b[j] as Interval;
    const first = Math.max(x[0], y[0]);
    const last = Math.min(x[1], y[1]);
    if (first <= last) out.push([first, last]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

export function subtract(a: Ranges, b: Ranges): Ranges {
  return intersect(a, complement(b));
}

export function complement(a: Ranges): Ranges {
  const out: Interval[] = [];
  let next = 0;
  for (const [first, last] of a) {
    if (first > next) out.push([next, first - 1]);
    next = last + 1;
  }
  if (next <= 0xffffffff) out.push([next, 0xffffffff]);
  return out;
}

export function size(a: Ranges): number {
  return a.reduce((sum, [first, last]) => sum + (last - first + 1), 0);
}

export function isEmpty(a: Ranges): boolean {
  return a.length === 0;
}

export function contains(a: Ranges, address: number): boolean {
  return a.some(([first, last]) => address >= first && address <= last);
}

/** The ranges as the fewest CIDR blocks (e.g. 100.64.0.0/10 minus 100.115.92.0/23 → 13 blocks). */
export function toCidrs(a: Ranges): string[] {
  const out: string[] = [];
  for (const [first, last] of a) {
    let start = first;
    while (start <= last) {
      let length = 32;
      while (length > 0) {
        const blockSize = 2 ** (33 - length);
        if (start % blockSize !== 0 || start + blockSize - 1 > last) break;
        length--;
      }
      out.push(`${formatIpv4(start)}/${length}`);
      start += 2 ** (32 - length);
    }
  }
  return out;
}

/** "all of 100.64.0.0/10", "100.64.3.0/24 (0.0061 %)", or the first few blocks and how many more. */
export function describeShare(part: Ranges, whole: Ranges = SLB_RANGE, maxBlocks = 4): string {
  const share = size(part) / size(whole);
  if (share >= 1) return `all of ${toCidrs(whole).join(', ')}`;
  const blocks = toCidrs(part);
  const listed = blocks.slice(0, maxBlocks).join(', ');
  const more = blocks.length > maxBlocks ? ` and ${blocks.length - maxBlocks} more blocks` : '';
  return `${listed}${more} (${formatShare(share)} of ${toCidrs(whole).join(', ')})`;
}

export function formatShare(share: number): string {
  const percent = share * 100;
  if (percent >= 99.95) return `${percent.toFixed(4)} %`;
  if (percent >= 1) return `${percent.toFixed(1)} %`;
  return `${percent.toPrecision(2)} %`;
}
