// Waiting on the sandbox's health checker for keys that `checker.settled()` cannot express (a listener that is meant
// to stay pending, a backend that changes on purpose): woken by the checker's transitions, never by polling.
import type { HealthChecker } from '../../lib/sandbox/healthcheck';

/** Resolves true once SLB's checker reports `status` for `key`, false after `timeoutMs`. */
export function waitForStatus(checker: HealthChecker, key: string, status: 'normal' | 'abnormal', timeoutMs: number): Promise<boolean> {
  return checker.waitForStatus(key, status, timeoutMs);
}
