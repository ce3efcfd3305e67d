// What the audit function is asked to do: a timer event {triggerTime, triggerName, payload} whose payload may carry a
// scope as JSON, or an asynchronous invocation (from the alarm function) whose event is the scope itself.
import type { ListenerProtocol } from '../model';
import { UserFacingError } from '../util/errors';

export interface AuditRequest {
  regionId?: string;
  loadBalancerIds?: string[];
  listener?: { port: number; protocol?: ListenerProtocol };
  tags?: Record<string, string>;
  /** Also sweep healthy backends (TIMEOUT_RISK). */
  all?: boolean;
  /** What asked for this run (a timer, an alarm), for the log. */
  trigger?: string;
}

const KEYS = new Set(['regionId', 'loadBalancerIds', 'listener', 'tags', 'all', 'trigger']);
const PROTOCOLS: readonly ListenerProtocol[] = ['http', 'https', 'tcp', 'udp'];
/** DescribeLoadBalancers takes at most 10 ids per call; a scoped run is meant to be small. */
const MAX_SCOPED_LOAD_BALANCERS = 100;

function invalid(source: string, detail: string): UserFacingError {
  return new UserFacingError(
    `${source} is not a valid audit scope: ${detail}. Expected e.g. {"loadBalancerIds": ["lb-…"], "listener": {"port": 80}}.`,
    'EVENT_INVALID',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseAuditRequest(raw: unknown, source: string): AuditRequest {
  if (!isRecord(raw)) throw invalid(source, 'it must be a JSON object');
  const unknownKeys = Object.keys(raw).filter((key) => !KEYS.has(key));
  if (unknownKeys.length > 0) throw invalid(source, `unknown field(s) ${unknownKeys.join(', ')}`);
  const request: AuditRequest = {};
  if (raw.regionId !== undefined) {
    if (typeof raw.regionId !== 'string' || !/^[a-z]{2,}(-[a-z0-9]+)+$/.test(raw.regionId)) throw invalid(source, 'regionId must be a region id like cn-hangzhou');
    request.regionId = raw.regionId;
  }
  if (raw.loadBalancerIds !== undefined) {
    const ids = raw.loadBalancerIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_SCOPED_LOAD_BALANCERS || !ids.every((id) => typeof id === 'string' && /^lb-[a-z0-9][a-z0-9-]{2,63}$/.test(id))) {
      throw invalid(source, `loadBalancerIds must be 1 to ${MAX_SCOPED_LOAD_BALANCERS} CLB ids like lb-bp1…`);
    }
    request.loadBalancerIds = ids as string[];
  }
  if (raw.listener !== undefined) {
    const listener = raw.listener;
    if (!isRecord(listener) || typeof listener.port !== 'number' || !Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
      throw invalid(source, 'listener.port must be a port from 1 to 65535');
    }
    if (listener.protocol !== undefined && !PROTOCOLS.includes(listener.protocol as ListenerProtocol)) {
      throw invalid(source, 'listener.protocol must be http, https, tcp or udp');
    }
    request.listener = listener.protocol === undefined ? { port: listener.port } : { port: listener.port, protocol: listener.protocol as ListenerProtocol };
  }
  if (raw.tags !== undefined) {
    if (!isRecord(raw.tags) || !Object.values(raw.tags).every((v) => typeof v === 'string')) throw invalid(source, 'tags must map tag keys to string values');
    request.tags = raw.tags as Record<string, string>;
  }
  if (raw.all !== undefined) {
    if (typeof raw.all !== 'boolean') throw invalid(source, 'all must be true or false');
    request.all = raw.all;
  }
  if (raw.trigger !== undefined) {
    if (typeof raw.trigger !== 'string' || raw.trigger.length > 200) throw invalid(source, 'trigger must be a short string');
    request.trigger = raw.trigger;
  }
  return request;
}

function isTimerEvent(value: unknown): value is { triggerTime: unknown; triggerName: unknown; payload?: unknown } {
  return isRecord(value) && 'triggerTime' in value && 'triggerName' in value;
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
