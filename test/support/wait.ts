// Bounded waiting on the sandbox's health checker, for keys that `checker.settled()` cannot express (a listener that is
// meant to stay pending, a backend that changes on purpose).
import type { HealthChecker } from '../../lib/sandbox/healthcheck';

const POLL_MS = 100;

/** Resolves true once SLB's checker reports `status` for `key`, false after `timeoutMs`. */
export async function waitForStatus(checker: HealthChecker, key: string, status: 'normal' | 'abnormal', timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (checker.status(key) !== status) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
