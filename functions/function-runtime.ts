// What every function shares: the parts of the FC 2.0 context it runs with, and its own deadline.

/** The parts of the FC 2.0 invocation context the functions need. */
export interface FunctionRuntime {
  /** The service role's STS credentials; null when the service has no role. */
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string } | null;
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
  const margin = Math.min(30_000, Math.max(2_000, timeoutMs / 10), timeoutMs / 2);
  return startedAt + timeoutMs - margin;
}
