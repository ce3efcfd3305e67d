// The alarm URL carries a secret token (`?token=`): CloudMonitor signs nothing we can verify, so the token is the
// authentication. Compared in constant time over equal-length digests, so neither length nor prefix leaks.
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Shortest token accepted in configuration: 128 bits of hex or base64url. */
export const MIN_TOKEN_LENGTH = 24;

export function tokenMatches(provided: string | null, expected: string): boolean {
  if (provided === null || provided === '') return false;
  return timingSafeEqual(digest(provided), digest(expected));
}
