// CloudMonitor's threshold-alert callback: a form-urlencoded POST (JSON accepted too) whose `dimensions` is either the
// non-JSON string `{userId=1, instanceId=lb-x, port=80, vip=1.2.3.4}` or a JSON array of objects
// (https://www.alibabacloud.com/help/en/cms/user-guide/use-the-alert-callback-feature-to-send-notifications-about-threshold-triggered-alerts).
// Real bodies also carry regionId, regionName, lastTime, rawMetricName, transId, groupId, productGroupName and unit,
// and their timestamp is in milliseconds. The CLB metric table gives UnhealthyServerCount the instanceId dimension
// only (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/user-guide/monitoring-and-alerting-metrics):
// without a port the whole load balancer is audited.
import type { ListenerProtocol } from '../model';
import { isJsonObject } from '../util/schema';

export type AlertState = 'ALERT' | 'OK' | 'INSUFFICIENT_DATA';

export interface AlarmCallback {
  alertState: AlertState;
  alertName: string | null;
  metricName: string | null;
  /** `metricProject` (= namespace), e.g. acs_slb_dashboard. */
  namespace: string | null;
  dimensions: Record<string, string>;
  /** When CloudMonitor raised it, epoch milliseconds; null when the body has no timestamp. */
  timestampMs: number | null;
  /** The alarming resource's region (real bodies carry it); null when absent. */
  regionId: string | null;
  /** How long the alarm has lasted, as CloudMonitor words it (e.g. "8 minutes"). */
  lastTime: string | null;
  rawMetricName: string | null;
  /** CloudMonitor's id of this notification, for the log. */
  transId: string | null;
  groupId: string | null;
  productGroupName: string | null;
  unit: string | null;
}

/** What the alarm asks us to examine: one load balancer, optionally one listener port. */
export interface AlarmScope {
  loadBalancerId: string;
  listener: { port: number; protocol?: ListenerProtocol } | null;
}

/** A request that must be answered with a 4xx: `status` and a stable `code` for the JSON body. */
export class AlarmRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AlarmRequestError';
  }
}

const LOAD_BALANCER_ID = /^lb-[a-z0-9][a-z0-9-]{2,63}$/;
const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+)+$/;
/** Below this a numeric timestamp is in seconds (older samples); real bodies use milliseconds. */
const SECONDS_BELOW = 1e11;

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** `{userId=1, instanceId=lb-x, port=80}` → { userId: '1', instanceId: 'lb-x', port: '80' }. */
function parseBraceDimensions(text: string): Record<string, string> {
  const inner = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  const dimensions: Record<string, string> = {};
  for (const pair of inner.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AlarmRequestError(400, 'DIMENSIONS_INVALID', `dimensions entry '${pair.trim()}' is not key=value`);
    dimensions[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return dimensions;
}

/** Merges `[{"userId":"1","instanceId":"lb-x"}]` (or `{"instanceId": …}`) into one map of string values. */
function parseJsonDimensions(value: unknown): Record<string, string> {
  const items = Array.isArray(value) ? value : [value];
  const dimensions: Record<string, string> = {};
  for (const item of items) {
    if (!isJsonObject(item)) throw new AlarmRequestError(400, 'DIMENSIONS_INVALID', 'dimensions must be objects of key → value');
    for (const [key, raw] of Object.entries(item)) {
      const text = scalarText(raw);
      if (text !== null) dimensions[key] = text;
    }
  }
  return dimensions;
}

export function parseDimensions(value: unknown): Record<string, string> {
  if (typeof value !== 'string') return parseJsonDimensions(value);
  const text = value.trim();
  if (text.startsWith('[') || /^\{\s*"/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AlarmRequestError(400, 'DIMENSIONS_INVALID', 'dimensions look like JSON but do not parse');
    }
    return parseJsonDimensions(parsed);
  }
  return parseBraceDimensions(text);
}

function normalizeState(raw: string | null): AlertState {
  const state = (raw ?? '').trim().toUpperCase();
  // Some CloudMonitor pages spell the firing state ALARM.
  if (state === 'ALERT' || state === 'ALARM') return 'ALERT';
  if (state === 'OK' || state === 'INSUFFICIENT_DATA') return state;
  throw new AlarmRequestError(400, 'ALERT_STATE_INVALID', `alertState must be ALERT, OK or INSUFFICIENT_DATA, got '${raw ?? ''}'`);
}

function fieldsOf(body: Buffer, contentType: string | null): Record<string, unknown> {
  const text = body.toString('utf8');
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const looksJson = type === 'application/json' || (type === '' && text.trimStart().startsWith('{'));
  if (looksJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AlarmRequestError(400, 'BODY_INVALID', 'body is declared JSON but does not parse');
    }
    if (!isJsonObject(parsed)) throw new AlarmRequestError(400, 'BODY_INVALID', 'JSON body must be an object');
    return parsed;
  }
  if (type !== '' && type !== 'application/x-www-form-urlencoded') {
    throw new AlarmRequestError(415, 'CONTENT_TYPE_UNSUPPORTED', `content-type '${type}' is not form-urlencoded or JSON`);
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) fields[key] = value;
  return fields;
}

function timestampOf(raw: string | null): number | null {
  if (raw === null || raw.trim() === '') return null;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value <= 0) {
    throw new AlarmRequestError(400, 'TIMESTAMP_INVALID', `timestamp must be epoch milliseconds, got '${raw}'`);
  }
  return value < SECONDS_BELOW ? value * 1000 : value;
}

function regionOf(raw: string | null): string | null {
  if (raw === null || raw.trim() === '') return null;
  const region = raw.trim();
  if (!REGION_ID.test(region)) throw new AlarmRequestError(400, 'REGION_INVALID', `regionId must be a region id like cn-hangzhou, got '${raw}'`);
  return region;
}

export function parseAlarmCallback(body: Buffer, contentType: string | null): AlarmCallback {
  if (body.length === 0) throw new AlarmRequestError(400, 'BODY_EMPTY', 'empty body: expected a CloudMonitor alert callback');
  const fields = fieldsOf(body, contentType);
  const text = (key: string): string | null => scalarText(fields[key]);
  if (fields.alertState === undefined) throw new AlarmRequestError(400, 'ALERT_STATE_MISSING', 'no alertState: this is not a CloudMonitor alert callback');
  if (fields.dimensions === undefined) throw new AlarmRequestError(400, 'DIMENSIONS_MISSING', 'no dimensions: cannot tell which load balancer alarmed');
  return {
    alertState: normalizeState(text('alertState')),
    alertName: text('alertName'),
    metricName: text('metricName'),
    namespace: text('metricProject') ?? text('namespace'),
    dimensions: parseDimensions(fields.dimensions),
    timestampMs: timestampOf(text('timestamp')),
    regionId: regionOf(text('regionId')),
    lastTime: text('lastTime'),
    rawMetricName: text('rawMetricName'),
    transId: text('transId'),
    groupId: text('groupId'),
    productGroupName: text('productGroupName'),
    unit: text('unit'),
  };
}

/** How far a callback's timestamp may lie from now: CloudMonitor delivers at once and retries 3 times, 5 s apart. */
export const CALLBACK_MAX_AGE_MS = 15 * 60_000;
/** Clock skew allowed the other way. */
export const CALLBACK_MAX_AHEAD_MS = 5 * 60_000;

/** Rejects a replayed (or badly clocked) callback: its timestamp must lie within the window around `nowMs`. */
export function assertFresh(alarm: AlarmCallback, nowMs: number): void {
  if (alarm.timestampMs === null) return;
  const ageMs = nowMs - alarm.timestampMs;
  if (ageMs > CALLBACK_MAX_AGE_MS || -ageMs > CALLBACK_MAX_AHEAD_MS) {
    const when = new Date(alarm.timestampMs).toISOString();
    const window = `${CALLBACK_MAX_AGE_MS / 60_000} minutes past to ${CALLBACK_MAX_AHEAD_MS / 60_000} minutes ahead`;
    throw new AlarmRequestError(
      422,
      'TIMESTAMP_OUT_OF_WINDOW',
      `timestamp ${when} is ${ageMs > 0 ? 'too old' : 'in the future'} (accepted: ${window} of now): a replayed callback, or a clock that is off`,
    );
  }
}

/** The load balancer (and port) the alarm is about, from the SLB dimensions userId/instanceId/port/vip. */
export function scopeOfAlarm(alarm: AlarmCallback): AlarmScope {
  const instanceId = alarm.dimensions.instanceId;
  if (instanceId === undefined || !LOAD_BALANCER_ID.test(instanceId)) {
    throw new AlarmRequestError(422, 'NOT_A_LOAD_BALANCER', `dimension instanceId must be a CLB id like lb-bp1…, got '${instanceId ?? ''}'; attach this callback to an acs_slb_dashboard alarm`);
  }
  const rawPort = alarm.dimensions.port;
  if (rawPort === undefined || rawPort === '') return { loadBalancerId: instanceId, listener: null };
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new AlarmRequestError(422, 'PORT_INVALID', `dimension port must be a listener port from 1 to 65535, got '${rawPort}'`);
  }
  const protocol = alarm.dimensions.protocol?.toLowerCase();
  const listener: AlarmScope['listener'] =
    protocol === 'http' || protocol === 'https' || protocol === 'tcp' || protocol === 'udp' ? { port, protocol } : { port };
  return { loadBalancerId: instanceId, listener };
}
