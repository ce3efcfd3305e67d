// What the data plane sends back for one backend: the replay of SLB's check and the variants that isolate the cause.
// Produced where the probe runs (in-process or the VPC probe function), interpreted by lib/diagnose.
import type { CheckType, HttpCodeClass, SlbHealthStatus } from './inventory';
import type { BackendTarget } from './keys';
import type { ProbeResult } from './probe';

/** One backend to examine, with the check SLB runs already resolved to concrete values. */
export interface ProbeJob {
  /** Stable id, `targetKey(target)`: a key for maps and the wire, never parsed (read `target` instead). */
  id: string;
  /** The load balancer, listener and backend this job examines. */
  target: BackendTarget;
  vpcId: string | null;
  ip: string;
  /** The port SLB checks. */
  checkPort: number;
  checkType: CheckType;
  listenerProtocol: 'http' | 'https' | 'tcp' | 'udp';
  method: 'HEAD' | 'GET';
  uri: string;
  httpVersion: '1.0' | '1.1';
  /** Host SLB sends (domain or backend IP); null when SLB sends none. */
  host: string | null;
  /** The check domain when one is configured, so that variants can compare domain vs IP Host. */
  domain: string | null;
  acceptedCodes: HttpCodeClass[];
  timeoutMs: number;
  udpRequest: string | null;
  udpExpect: string | null;
  slbStatus: SlbHealthStatus | 'unknown';
  /** Also sweep a healthy backend (for TIMEOUT_RISK): only the replay, no variants unless it fails. */
  sweep: boolean;
}

export type VariantLabel =
  | 'replay'
  | 'get'
  | 'head'
  | 'http11-domain-host'
  | 'http11-ip-host'
  | 'no-host'
  | 'root-path'
  | 'extended-wait'
  | 'tcp-connect'
  | 'tls-handshake'
  /** The replay with a common browser User-Agent (SLB's HTTP/HTTPS checks send none). */
  | 'user-agent'
  | `repeat-${number}`;

export interface LabelledProbe {
  label: VariantLabel;
  result: ProbeResult;
}

export interface DataPlaneEvidence {
  jobId: string;
  /** The job's target, so that whoever reads the evidence needs no job to know what it is about. */
  target: BackendTarget;
  replay: ProbeResult;
  variants: LabelledProbe[];
  startedAt: string;
  durationMs: number;
  /** Set when the executor could not examine this backend at all (e.g. refused by the probe function's CIDR guard). */
  error: { code: string; message: string } | null;
}

/** Probe jobs handed over while they run (the streaming audit submits each load balancer's jobs as they come in). */
export interface ProbeSession {
  /** Starts the jobs as soon as there is room; jobs that cannot finish before the deadline are never started. */
  submit(jobs: readonly ProbeJob[]): void;
  /**
   * No more jobs will come: resolves with one evidence per job that ran (those left out are missing); with
   * `onEvidence`, every evidence has gone there instead and this resolves with none.
   */
  finish(): Promise<DataPlaneEvidence[]>;
}

export interface ProbeSessionOptions {
  deadlineAt: number | null;
  /**
   * Takes each job's evidence the moment it is in, instead of the session keeping it for finish(): the audit then
   * diagnoses a load balancer as soon as its jobs are done and lets its evidence go.
   */
  onEvidence?: (evidence: DataPlaneEvidence) => void;
}

/**
 * Runs probe jobs somewhere (in this process, or in the VPC's probe function) and returns one evidence per job it
 * finished. Jobs it could not start before `deadlineAt` are left out of the result, so the caller can report them
 * as not covered; jobs it could not run at all come back with `error` set (e.g. NO_PROBER_FOR_VPC). An executor
 * that can take jobs while they run offers `open`, and the audit then streams its jobs to it.
 */
export type ProbeExecutor = ((jobs: ProbeJob[], options: { deadlineAt: number | null }) => Promise<DataPlaneEvidence[]>) & {
  open?: (options: ProbeSessionOptions) => ProbeSession;
};
