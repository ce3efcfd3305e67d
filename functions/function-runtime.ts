// What every function shares: the parts of the FC 2.0 context it runs with, and its own deadline.
import type { StaticCredentials } from '../lib/model';
import { reserveMs } from '../lib/util/deadline';

/** The parts of the FC 2.0 invocation context the functions need. */
export interface FunctionRuntime {
  /** The service role's STS credentials; null when the service has no role. */
  credentials: StaticCredentials | null;
  region: string;
  accountId: string;
  serviceName: string;
  functionName: string;
  timeoutSeconds: number;
  /** Epoch ms when this invocation started. */
  startedAt: number;
}

/**
 * The epoch ms by which the function must have returned: its start plus its timeout, minus a margin for returning
 * the result (10 % of the timeout, at least 2 s, at most 30 s; never more than half the timeout).
 */
export function functionDeadline(startedAt: number, timeoutSeconds: number): number {
  const timeoutMs = timeoutSeconds * 1000;
  return startedAt + timeoutMs - reserveMs(timeoutMs, 0.1);
}
