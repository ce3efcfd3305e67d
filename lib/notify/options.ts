// Noise-control settings from the environment: repeat interval, flap damping and silences.
import { FINDING_CODES, type FindingCode } from '../model';
import { readEnv } from '../config/env';
import { errorMessage } from '../util/errors';
import type { NotifyOptions, Silence } from './types';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `4h`, `30m`, `90s`, `1500ms`, or a plain number of milliseconds; null when it is none of those. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SILENCE_FIELDS = ['loadBalancerId', 'listener', 'backend', 'code', 'expiresAt', 'comment'];

function parseSilence(entry: unknown): Silence | string {
  if (!isObject(entry)) return 'is not an object';
  const unknown = Object.keys(entry).find((key) => !SILENCE_FIELDS.includes(key));
  if (unknown) return `${unknown} is not a known field (${SILENCE_FIELDS.join(', ')})`;
  const text = (field: string): string | null | false => {
    const value = entry[field];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : false;
  };
  const loadBalancerId = text('loadBalancerId');
  const listener = text('listener');
  const backend = text('backend');
  const code = text('code');
  const comment = text('comment');
  for (const [field, value] of Object.entries({ loadBalancerId, listener, backend, code, comment })) {
    if (value === false) return `${field} must be a non-empty string`;
  }
  if (listener && !/^((https?|tcp|udp):)?\d{1,5}$/i.test(listener)) return 'listener must look like tcp:80 (or just 80)';
  if (backend && !/^[\d.]+(:\d{1,5})?$/.test(backend)) return 'backend must look like 10.0.0.1:80 (or just 10.0.0.1)';
  if (code && !(FINDING_CODES as readonly string[]).includes(code)) return `code ${code} is not a finding code (see docs/findings.md)`;
  if (!loadBalancerId && !listener && !backend && !code) return 'names nothing to silence (give loadBalancerId, listener, backend or code)';
  const expires = typeof entry.expiresAt === 'string' ? Date.parse(entry.expiresAt) : NaN;
  if (Number.isNaN(expires)) return 'expiresAt must be an ISO date such as 2030-01-31T18:00:00Z (silences always expire)';
  return {
    loadBalancerId: loadBalancerId || null,
    listener: listener ? listener.toLowerCase() : null,
    backend: backend || null,
    code: (code || null) as FindingCode | null,
    expiresAt: expires,
    comment: comment || null,
  };
}

export function parseSilences(json: string, source: string): { silences: Silence[]; errors: string[] } {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (err) {
    return { silences: [], errors: [`${source}: silences are not valid JSON (${errorMessage(err)})`] };
  }
  if (!Array.isArray(document)) return { silences: [], errors: [`${source}: silences must be a JSON list`] };
  const silences: Silence[] = [];
  const errors: string[] = [];
  document.forEach((entry: unknown, index) => {
    const parsed = parseSilence(entry);
    if (typeof parsed === 'string') errors.push(`${source}: silence #${index}: ${parsed}`);
    else silences.push(parsed);
  });
  return { silences, errors };
}

/** SLB_DOCTOR_REPEAT_INTERVAL, SLB_DOCTOR_FLAP_RUNS and SLB_DOCTOR_SILENCES; a bad value keeps the default and says so. */
export function notifyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { options: Partial<NotifyOptions>; errors: string[] } {
  const options: Partial<NotifyOptions> = {};
  const errors: string[] = [];
  const repeat = readEnv('SLB_DOCTOR_REPEAT_INTERVAL', env);
  if (repeat !== undefined) {
    const ms = parseDuration(repeat);
    if (ms === null || ms < 60_000) errors.push(`SLB_DOCTOR_REPEAT_INTERVAL "${repeat}" must be a duration of at least 1m, e.g. 4h`);
    else options.repeatIntervalMs = ms;
  }
  const flap = readEnv('SLB_DOCTOR_FLAP_RUNS', env);
  if (flap !== undefined) {
    const runs = Number(flap);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) errors.push(`SLB_DOCTOR_FLAP_RUNS "${flap}" must be a whole number from 1 to 20`);
    else options.flapRuns = runs;
  }
  const silences = readEnv('SLB_DOCTOR_SILENCES', env);
  if (silences !== undefined) {
    const parsed = parseSilences(silences, 'SLB_DOCTOR_SILENCES');
    options.silences = parsed.silences;
    errors.push(...parsed.errors);
  }
  return { options, errors };
}
