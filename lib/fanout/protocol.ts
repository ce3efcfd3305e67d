// The wire contract between the fan-out executor (caller) and the VPC probe function: one batch of probe jobs in,
// one evidence per finished job out. Both directions are validated: the probe function must not trust its caller
// (it would become a scanner), and the caller must not trust a reply it cannot use.
import * as v from 'valibot';
import type { BackendTarget, DataPlaneEvidence, ProbeJob, ProbeOutcome, ProbeResult, VariantLabel } from '../model';
import { UserFacingError } from '../util/errors';
import { check, integerIn, isJsonObject, portNumber, type Checked } from '../util/schema';

/** The most jobs one invocation may carry: bounds the probe function's work and the payload size (100–140 KB each way at 200). */
export const MAX_PROBE_BATCH = 200;
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

const SAFE_TEXT = /^[^\r\n\0]*$/;

/** A string of at most `max` characters without line breaks or NUL (nothing that could split a request line). */
function safeText(max: number, message: string) {
  return v.pipe(v.string(message), v.maxLength(max, message), v.regex(SAFE_TEXT, message));
}

function nonEmptyText(max: number, message: string) {
  return v.pipe(safeText(max, message), v.minLength(1, message));
}

/** No whitespace at all (a URI path or a Host header value). */
function token(max: number, message: string) {
  return v.pipe(safeText(max, message), v.regex(/^\S*$/, message));
}

const LISTENER_PROTOCOLS = ['http', 'https', 'tcp', 'udp'] as const;
const HTTP_CODE_CLASSES = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'] as const;

const targetSchema: v.GenericSchema<unknown, BackendTarget> = v.object(
  {
    loadBalancerId: nonEmptyText(200, 'must be a load balancer id'),
    listener: v.object(
      { protocol: v.picklist(LISTENER_PROTOCOLS, 'must be http, https, tcp or udp'), port: portNumber() },
      'must be {protocol, port}',
    ),
    backend: v.object({ ip: nonEmptyText(64, 'must be an IP address'), port: portNumber() }, 'must be {ip, port}'),
  },
  'must be {loadBalancerId, listener, backend}',
);

/** One job as the probe function accepts it: the schema must produce exactly a ProbeJob (the compiler checks it). */
const probeJobSchema: v.GenericSchema<unknown, ProbeJob> = v.object(
  {
    id: nonEmptyText(400, 'must be a non-empty string'),
    target: targetSchema,
    vpcId: v.nullable(nonEmptyText(100, 'must be a VPC id or null')),
    ip: nonEmptyText(64, 'must be an IP address'),
    checkPort: portNumber(),
    checkType: v.picklist(['http', 'tcp', 'udp'], 'must be http, tcp or udp'),
    listenerProtocol: v.picklist(LISTENER_PROTOCOLS, 'must be http, https, tcp or udp'),
    method: v.picklist(['HEAD', 'GET'], 'must be HEAD or GET'),
    uri: token(2048, 'must be a path without spaces or line breaks'),
    httpVersion: v.picklist(['1.0', '1.1'], "must be '1.0' or '1.1'"),
    host: v.nullable(token(255, 'must be a host name or null')),
    domain: v.nullable(token(255, 'must be a domain or null')),
    acceptedCodes: v.pipe(v.array(v.picklist(HTTP_CODE_CLASSES, 'must list http_2xx … http_5xx'), 'must list http_2xx … http_5xx'), v.maxLength(4, 'must list http_2xx … http_5xx')),
    timeoutMs: integerIn(1, MAX_JOB_TIMEOUT_MS, `must be a whole number of ms from 1 to ${MAX_JOB_TIMEOUT_MS}`),
    udpRequest: v.nullable(safeText(500, 'must be a short string or null')),
    udpExpect: v.nullable(safeText(500, 'must be a short string or null')),
    slbStatus: v.picklist(['normal', 'abnormal', 'unavailable', 'unknown'], 'must be normal, abnormal, unavailable or unknown'),
    sweep: v.boolean('must be true or false'),
  },
  'must be an object',
);

const jobsEnvelopeSchema = v.object({ jobs: v.array(v.unknown()) });

const batchRequestSchema = v.object({
  jobs: v.array(v.unknown()),
  budgetMs: v.optional(v.nullable(v.pipe(v.number(), v.finite(), v.minValue(0)))),
});

/** Validates a batch as the probe function receives it; throws one UserFacingError listing the first problems. */
export function parseProbeBatchRequest(raw: Json, maxBatch: number = MAX_PROBE_BATCH): ProbeBatchRequest {
  if (!v.is(jobsEnvelopeSchema, raw)) {
    throw new UserFacingError('probe request must be a JSON object {"jobs": [...]}; send jobs built by lib/diagnose.', 'PROBE_REQUEST_INVALID');
  }
  if (raw.jobs.length > maxBatch) {
    throw new UserFacingError(`probe request carries ${raw.jobs.length} jobs, more than the ${maxBatch} allowed per invocation; send smaller batches.`, 'PROBE_REQUEST_INVALID');
  }
  const problems: string[] = [];
  const jobs: ProbeJob[] = [];
  raw.jobs.forEach((job, index) => {
    const checked: Checked<ProbeJob> = isJsonObject(job) ? check(probeJobSchema, job, `jobs[${index}]`) : { ok: false, problems: [`jobs[${index}] must be an object`] };
    if (checked.ok) jobs.push(checked.value);
    else problems.push(...checked.problems);
  });
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) problems.push(`job id '${job.id}' appears twice`);
    ids.add(job.id);
  }
  const batch = v.safeParse(batchRequestSchema, raw);
  if (!batch.success) problems.push('budgetMs must be a number of milliseconds or null');
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ');
    throw new UserFacingError(`probe request is invalid: ${shown}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'PROBE_REQUEST_INVALID');
  }
  return { jobs, budgetMs: batch.success ? (batch.output.budgetMs ?? null) : null };
}

const timingsSchema = v.object({
  connectMs: v.nullable(v.number()),
  firstByteMs: v.nullable(v.number()),
  headersMs: v.optional(v.nullable(v.number())),
  totalMs: v.number(),
});

const probeRequestSchema = v.variant('kind', [
  v.object({
    kind: v.literal('http'),
    ip: v.string(),
    port: v.number(),
    method: v.picklist(['HEAD', 'GET']),
    uri: v.string(),
    httpVersion: v.picklist(['1.0', '1.1']),
    host: v.nullable(v.string()),
    acceptedCodes: v.array(v.picklist(HTTP_CODE_CLASSES)),
    timeoutMs: v.number(),
    userAgent: v.optional(v.string()),
  }),
  v.object({ kind: v.literal('tcp'), ip: v.string(), port: v.number(), timeoutMs: v.number() }),
  v.object({ kind: v.literal('udp'), ip: v.string(), port: v.number(), timeoutMs: v.number(), payload: v.nullable(v.string()), expect: v.nullable(v.string()) }),
  v.object({ kind: v.literal('tls'), ip: v.string(), port: v.number(), timeoutMs: v.number(), serverName: v.nullable(v.string()) }),
]);

const PROBE_OUTCOMES = [
  'ok', 'refused', 'connect_timeout', 'reset', 'closed_no_response', 'response_timeout', 'malformed_response', 'tls_on_plain_port',
  'status_not_accepted', 'udp_port_unreachable', 'udp_unexpected_reply', 'udp_no_reply', 'tls_handshake_failed', 'error',
] as const satisfies readonly ProbeOutcome[];

const probeResultSchema: v.GenericSchema<unknown, ProbeResult> = v.object({
  request: probeRequestSchema,
  outcome: v.picklist(PROBE_OUTCOMES),
  requestLine: v.nullable(v.string()),
  statusCode: v.nullable(v.number()),
  statusLine: v.nullable(v.string()),
  location: v.nullable(v.string()),
  bytesRead: v.number(),
  timings: timingsSchema,
  detail: v.nullable(v.string()),
});

const VARIANT_LABEL = /^(replay|get|head|http11-domain-host|http11-ip-host|no-host|root-path|extended-wait|tcp-connect|tls-handshake|user-agent|repeat-\d+)$/;

const evidenceEnvelopeSchema = v.object({ evidence: v.array(v.unknown()) });

/** Evidence as the caller accepts it from a probe function (our own code on the far side, still checked whole). */
const evidenceSchema: v.GenericSchema<unknown, DataPlaneEvidence> = v.object({
  jobId: v.string(),
  target: targetSchema,
  replay: probeResultSchema,
  variants: v.array(v.object({ label: v.custom<VariantLabel>((label) => typeof label === 'string' && VARIANT_LABEL.test(label)), result: probeResultSchema })),
  startedAt: v.string(),
  durationMs: v.number(),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
});

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
  if (!v.is(evidenceEnvelopeSchema, raw)) {
    throw new UserFacingError('probe function answered without an "evidence" list; deploy the probe function built from the same release.', 'PROBE_REPLY_INVALID');
  }
  const seen = new Set<string>();
  const evidence: DataPlaneEvidence[] = [];
  for (const entry of raw.evidence) {
    const checked = check(evidenceSchema, entry, 'evidence');
    if (!checked.ok) {
      throw new UserFacingError(`probe function answered with malformed evidence (${checked.problems[0] ?? 'unreadable'}); deploy the probe function built from the same release.`, 'PROBE_REPLY_INVALID');
    }
    const item = checked.value;
    if (!sentJobIds.has(item.jobId) || seen.has(item.jobId)) continue;
    seen.add(item.jobId);
    evidence.push(item);
  }
  return evidence;
}
