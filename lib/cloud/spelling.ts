// Enum fields as the real SLB API spells them. The SDK types every one of them as a plain string
// (aliyun/alibabacloud-typescript-sdk slb-20140515/src/client.ts), and the doc examples use spellings such as
// "HTTP 1.0" (DescribeLoadBalancerListeners) and "tcp" for HealthCheckMethod (DescribeLoadBalancerTCPListenerAttribute),
// so a value is matched ignoring case, spaces, '/', '_' and '-', and a value we do not know is kept raw, never fatal.

/** A value the API spelled in a way we do not know, kept as it came. */
export interface UnknownSpelling {
  readonly unknown: string;
}

/** A known value, or the raw spelling of an unknown one. */
export type Spelled<T extends string> = T | UnknownSpelling;

function squash(value: string): string {
  return value.toLowerCase().replace(/[\s/_-]+/g, '');
}

/**
 * `raw` as one of `allowed` (compared squashed, returned as listed), undefined when `raw` is empty or one of
 * `meaningAbsent` (spellings that stand for "not set", such as "tcp" as the method of a TCP check), else kept raw.
 */
export function readSpelling<T extends string>(raw: string, allowed: readonly T[], meaningAbsent: readonly string[] = []): Spelled<T> | undefined {
  const squashed = squash(raw);
  if (squashed === '' || meaningAbsent.some((absent) => squash(absent) === squashed)) return undefined;
  return allowed.find((candidate) => squash(candidate) === squashed) ?? { unknown: raw };
}

export function isKnown<T extends string>(value: Spelled<T> | undefined): value is T {
  return typeof value === 'string';
}

/** The value as the API spelled it (for messages and keys). */
export function spellingOf(value: Spelled<string>): string {
  return typeof value === 'string' ? value : value.unknown;
}

/** A number field, or the raw text of one that is not a number (e.g. "5s"), kept for a warning. */
export type LenientNumber = number | UnknownSpelling;
