// What the audit function is asked to do: a timer event {triggerTime, triggerName, payload} whose payload may carry a
// scope as JSON, or an asynchronous invocation (from the alarm function) whose event is the scope itself.
import * as v from 'valibot';
import type { ListenerProtocol } from '../model';
import { UserFacingError } from '../util/errors';
import { REGION_ID } from '../util/region';
import { check, isJsonObject, portNumber } from '../util/schema';

const PROTOCOLS = ['http', 'https', 'tcp', 'udp'] as const satisfies readonly ListenerProtocol[];
/** DescribeLoadBalancers takes at most 10 ids per call; a scoped run is meant to be small. */
const MAX_SCOPED_LOAD_BALANCERS = 100;
const LOAD_BALANCER_ID = /^lb-[a-z0-9][a-z0-9-]{2,63}$/;
const LOAD_BALANCER_IDS_RULE = `must be 1 to ${MAX_SCOPED_LOAD_BALANCERS} CLB ids like lb-bp1…`;
const LOAD_BALANCER_ID_RULE = `must be a CLB id (loadBalancerIds takes 1 to ${MAX_SCOPED_LOAD_BALANCERS} CLB ids like lb-bp1…)`;

// Each message reads after the field's path; the first problem found is the one reported.
const auditRequestSchema = v.strictObject(
  {
    regionId: v.optional(v.pipe(v.string('must be a region id like cn-hangzhou'), v.regex(REGION_ID, 'must be a region id like cn-hangzhou'))),
    loadBalancerIds: v.optional(
      v.pipe(
        v.array(v.pipe(v.string(LOAD_BALANCER_ID_RULE), v.regex(LOAD_BALANCER_ID, LOAD_BALANCER_ID_RULE)), LOAD_BALANCER_IDS_RULE),
        v.minLength(1, LOAD_BALANCER_IDS_RULE),
        v.maxLength(MAX_SCOPED_LOAD_BALANCERS, LOAD_BALANCER_IDS_RULE),
      ),
    ),
    listener: v.optional(
      v.object(
        {
          port: portNumber(),
          protocol: v.optional(v.picklist(PROTOCOLS, 'must be http, https, tcp or udp')),
        },
        'must be an object like {"port": 80}',
      ),
    ),
    tags: v.optional(v.record(v.string(), v.string('must be a string: tags map tag keys to string values'), 'must map tag keys to string values')),
    /** Also sweep healthy backends (TIMEOUT_RISK). */
    all: v.optional(v.boolean('must be true or false')),
    /** What asked for this run (a timer, an alarm), for the log. */
    trigger: v.optional(v.pipe(v.string('must be a short string'), v.maxLength(200, 'must be a short string'))),
  },
  'it must be a JSON object',
);

/** What the audit function is asked to do (the audit event contract), as the schema above accepts it. */
export type AuditRequest = v.InferOutput<typeof auditRequestSchema>;

const KEYS = new Set(Object.keys(auditRequestSchema.entries));

function invalid(source: string, detail: string): UserFacingError {
  return new UserFacingError(
    `${source} is not a valid audit scope: ${detail}. Expected e.g. {"loadBalancerIds": ["lb-…"], "listener": {"port": 80}}.`,
    'EVENT_INVALID',
  );
}

export function parseAuditRequest(raw: unknown, source: string): AuditRequest {
  if (!isJsonObject(raw)) throw invalid(source, 'it must be a JSON object');
  // Every unknown field is named at once (a strict object alone would stop at the first).
  const unknownKeys = Object.keys(raw).filter((key) => !KEYS.has(key));
  if (unknownKeys.length > 0) throw invalid(source, `unknown field(s) ${unknownKeys.join(', ')}`);
  const checked = check(auditRequestSchema, raw);
  if (!checked.ok) throw invalid(source, checked.problems[0] ?? 'it must be a JSON object');
  // Absent fields stay absent (not `undefined`), as callers compare and spread the request.
  return Object.fromEntries(Object.entries(checked.value).filter(([, value]) => value !== undefined)) as AuditRequest;
}

function isTimerEvent(value: unknown): value is { triggerTime: unknown; triggerName: unknown; payload?: unknown } {
  return isJsonObject(value) && 'triggerTime' in value && 'triggerName' in value;
}

/** Decodes the audit function's event (a Buffer on FC): empty → the default scope, a timer event, or a scope. */
export function parseAuditEvent(event: Buffer | string | null | undefined): AuditRequest {
  const text = (Buffer.isBuffer(event) ? event.toString('utf8') : (event ?? '')).trim();
  if (text === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('the invocation event', 'it is not JSON');
  }
  if (!isTimerEvent(raw)) return parseAuditRequest(raw, 'the invocation event');
  const triggerName = typeof raw.triggerName === 'string' ? raw.triggerName : 'timer';
  const trigger = `timer ${triggerName}`;
  const payload = raw.payload;
  if (payload === undefined || payload === null || (typeof payload === 'string' && payload.trim() === '')) return { trigger };
  if (typeof payload !== 'string') throw invalid(`the payload of timer trigger '${triggerName}'`, 'it must be a string');
  let scope: unknown;
  try {
    scope = JSON.parse(payload);
  } catch {
    throw invalid(`the payload of timer trigger '${triggerName}'`, 'it is not JSON');
  }
  return { trigger, ...parseAuditRequest(scope, `the payload of timer trigger '${triggerName}'`) };
}
