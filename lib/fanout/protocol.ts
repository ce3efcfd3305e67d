// The wire contract between the fan-out executor (caller) and the VPC probe function: one batch of probe jobs in,
// one evidence per finished job out. Both directions are validated: the probe function must not trust its caller
// (it would become a scanner), and the caller must not trust a reply it cannot use.
import type { DataPlaneEvidence, ProbeJob } from '../model';
import { UserFacingError } from '../util/errors';

/** The most jobs one invocation may carry: bounds the probe function's work and the payload size. */
export const MAX_PROBE_BATCH = 50;
/** The largest check timeout SLB allows (300 s), which bounds every job's own timeout. */
export const MAX_JOB_TIMEOUT_MS = 300_000;

export interface ProbeBatchRequest {
  jobs: ProbeJob[];
  /** Milliseconds the caller can still wait, measured when it sent the batch (relative, so clocks need not agree). */
  budgetMs: number | null;
}

export interface ProbeBatchResponse {
  evidence: DataPlaneEvidence[];
}

/** Evidence error codes produced by the executors (NO_PROBER_FOR_VPC and PROBE_FAILED are also finding codes). */
export const EVIDENCE_ERROR = {
  noProber: 'NO_PROBER_FOR_VPC',
  probeFailed: 'PROBE_FAILED',
  targetNotAllowed: 'TARGET_NOT_ALLOWED',
} as const;

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SAFE_TEXT = /^[^\r\n\0]*$/;

function text(value: Json, max: number): value is string {
  return typeof value === 'string' && value.length <= max && SAFE_TEXT.test(value);
}

function oneOf<T extends string>(value: Json, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function port(value: Json): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Appends one line per bad field to `problems`; true when the job is valid. */
function validateJob(value: Json, path: string, problems: string[]): value is ProbeJob {
  if (!isObject(value)) {
    problems.push(`${path} must be an object`);
    return false;
  }
  const before = problems.length;
  const check = (ok: boolean, field: string, rule: string): void => {
    if (!ok) problems.push(`${path}.${field} ${rule}`);
  };
  check(text(value.id, 400) && value.id !== '', 'id', 'must be a non-empty string');
  check(value.vpcId === null || (text(value.vpcId, 100) && value.vpcId !== ''), 'vpcId', 'must be a VPC id or null');
  check(text(value.ip, 64) && value.ip !== '', 'ip', 'must be an IP address');
  check(port(value.checkPort), 'checkPort', 'must be a port from 1 to 65535');
  check(oneOf(value.checkType, ['http', 'tcp', 'udp']), 'checkType', 'must be http, tcp or udp');
  check(oneOf(value.listenerProtocol, ['http', 'https', 'tcp', 'udp']), 'listenerProtocol', 'must be http, https, tcp or udp');
  check(oneOf(value.method, ['HEAD', 'GET']), 'method', 'must be HEAD or GET');
  check(text(value.uri, 2048) && !/\s/.test(value.uri), 'uri', 'must be a path without spaces or line breaks');
  check(oneOf(value.httpVersion, ['1.0', '1.1']), 'httpVersion', "must be '1.0' or '1.1'");
  check(value.host === null || (text(value.host, 255) && !/\s/.test(value.host)), 'host', 'must be a host name or null');
  check(value.domain === null || (text(value.domain, 255) && !/\s/.test(value.domain)), 'domain', 'must be a domain or null');
  check(
    Array.isArray(value.acceptedCodes) && value.acceptedCodes.length <= 4 && value.acceptedCodes.every((c) => oneOf(c, ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'])),
    'acceptedCodes',
    'must list http_2xx … http_5xx',
  );
  check(typeof value.timeoutMs === 'number' && Number.isInteger(value.timeoutMs) && value.timeoutMs >= 1 && value.timeoutMs <= MAX_JOB_TIMEOUT_MS, 'timeoutMs', `must be a whole number of ms from 1 to ${MAX_JOB_TIMEOUT_MS}`);
  check(value.udpRequest === null || text(value.udpRequest, 500), 'udpRequest', 'must be a short string or null');
  check(value.udpExpect === null || text(value.udpExpect, 500), 'udpExpect', 'must be a short string or null');
  check(oneOf(value.slbStatus, ['normal', 'abnormal', 'unavailable', 'unknown']), 'slbStatus', 'must be normal, abnormal, unavailable or unknown');
  check(typeof value.sweep === 'boolean', 'sweep', 'must be true or false');
  return problems.length === before;
}

/** Validates a batch as the probe function receives it; throws one UserFacingError listing the first problems. */
export function parseProbeBatchRequest(raw: Json, maxBatch: number = MAX_PROBE_BATCH): ProbeBatchRequest {
  if (!isObject(raw) || !Array.isArray(raw.jobs)) {
    throw new UserFacingError('probe request must be a JSON object {"jobs": [...]}; send jobs built by lib/diagnose.', 'PROBE_REQUEST_INVALID');
  }
  if (raw.jobs.length > maxBatch) {
    throw new UserFacingError(`probe request carries ${raw.jobs.length} jobs, more than the ${maxBatch} allowed per invocation; send smaller batches.`, 'PROBE_REQUEST_INVALID');
  }
  const problems: string[] = [];
  const jobs: ProbeJob[] = [];
  raw.jobs.forEach((job, index) => {
    if (validateJob(job, `jobs[${index}]`, problems)) jobs.push(job);
  });
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) problems.push(`job id '${job.id}' appears twice`);
    ids.add(job.id);
  }
  const budget = raw.budgetMs;
  if (budget !== undefined && budget !== null && !(typeof budget === 'number' && Number.isFinite(budget) && budget >= 0)) {
    problems.push('budgetMs must be a number of milliseconds or null');
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ');
    throw new UserFacingError(`probe request is invalid: ${shown}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'PROBE_REQUEST_INVALID');
  }
  return { jobs, budgetMs: typeof budget === 'number' ? budget : null };
}

function validEvidence(value: Json): value is DataPlaneEvidence {
  if (!isObject(value)) return false;
  const replay = value.replay;
  const error = value.error;
  return (
    typeof value.jobId === 'string' &&
    isObject(replay) &&
    typeof replay.outcome === 'string' &&
    isObject(replay.request) &&
    isObject(replay.timings) &&
    Array.isArray(value.variants) &&
    value.variants.every((v) => isObject(v) && typeof v.label === 'string' && isObject(v.result) && typeof v.result.outcome === 'string') &&
    typeof value.startedAt === 'string' &&
    typeof value.durationMs === 'number' &&
    (error === null || (isObject(error) && typeof error.code === 'string' && typeof error.message === 'string'))
  );
}

/**
 * Reads the probe function's reply: evidence for the jobs that were sent, each at most once. Evidence for any other
 * job id is dropped (a reply cannot invent backends); a reply that is not `{evidence: [...]}` is an error.
 */
export function parseProbeBatchResponse(body: string, sentJobIds: ReadonlySet<string>): DataPlaneEvidence[] {
  let raw: Json;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new UserFacingError(`probe function answered with text that is not JSON: ${body.slice(0, 120)}`, 'PROBE_REPLY_INVALID');
  }
  if (!isObject(raw) || !Array.isArray(raw.evidence)) {
    throw new UserFacingError('probe function answered without an "evidence" list; deploy the probe function built from the same release.', 'PROBE_REPLY_INVALID');
  }
  const seen = new Set<string>();
  const evidence: DataPlaneEvidence[] = [];
  for (const item of raw.evidence) {
    if (!validEvidence(item)) {
      throw new UserFacingError('probe function answered with malformed evidence; deploy the probe function built from the same release.', 'PROBE_REPLY_INVALID');
    }
    if (!sentJobIds.has(item.jobId) || seen.has(item.jobId)) continue;
    seen.add(item.jobId);
    evidence.push(item);
  }
  return evidence;
}
