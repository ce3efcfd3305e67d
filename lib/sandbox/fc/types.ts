// The FC emulator's configuration and results.

export interface EmulatedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface EmulatedFunction {
  service: string;
  name: string;
  /** The directory holding the function's code (what a deploy zips), e.g. dist/fc/audit. */
  codeDir: string;
  /** `<file>.<export>` inside codeDir, as FC's handler setting; default `index.handler`. */
  handler?: string;
  timeoutSeconds: number;
  memoryMB: number;
  env?: Record<string, string>;
  /** The VPC the function's service is attached to (shown by describe(); the sandbox network is loopback either way). */
  vpc?: { vpcId: string; vSwitchIds: string[]; securityGroupId: string };
  /** An HTTP trigger; absent = the function has none. */
  httpTrigger?: { authType: 'anonymous' | 'function'; methods?: string[] };
  /** Instances at most; default 4. */
  maxInstances?: number;
  /** Invocations one instance runs at once (FC's InstanceConcurrency); default 1. */
  instanceConcurrency?: number;
  /** Sync invocations that may wait for a free instance before FC answers 429; default 32. */
  maxWaiting?: number;
  /** Async invocations that may be queued before FC answers 429; default 100. */
  asyncQueueCap?: number;
}

export interface FcEmulatorOptions {
  functions: EmulatedFunction[];
  /** The service role's STS credentials handed to functions in their context (generated when absent). */
  credentials?: EmulatedCredentials;
  /** Other keys allowed to call InvokeFunction (e.g. the operator's AK). The role's credentials always are. */
  accessKeys?: EmulatedCredentials[];
  accountId: string;
  region: string;
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  port?: number;
  /** Largest accepted clock skew of the Date header; default 15 minutes. */
  maxClockSkewMs?: number;
  /** Where function output goes (default: kept in a ring buffer, see logs()). */
  onLog?: (functionName: string, line: string) => void;
}

export type AsyncStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface AsyncInvocationRecord {
  requestId: string;
  service: string;
  functionName: string;
  source: 'async' | 'timer';
  status: AsyncStatus;
  enqueuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The function's return value as text (JSON for our handlers); null until it succeeded. */
  result: string | null;
  error: { errorMessage: string; errorType: string } | null;
}

export interface FunctionStats {
  invocations: number;
  sync: number;
  async: number;
  http: number;
  timeouts: number;
  errors: number;
  coldStarts: number;
  throttled: number;
}
