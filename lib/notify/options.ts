// Noise-control settings from the environment: repeat interval, flap damping and silences (one valibot schema per
// silence). Pure: the entry point passes its environment object once.
import * as v from 'valibot';
import { FINDING_CODES, type FindingCode } from '../model';
import { readEnv } from '../config/env';
import { errorMessage } from '../util/errors';
import { issueLine } from './schema-messages';
import type { NotifyOptions, Silence } from './types';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `4h`, `30m`, `90s`, `1500ms`, or a plain number of milliseconds; null when it is none of those. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
}

const SILENCE_FIELDS = ['loadBalancerId', 'listener', 'backend', 'code', 'expiresAt', 'comment'];

const matcher = v.optional(v.nullable(v.pipe(v.string('must be a non-empty string'), v.trim(), v.nonEmpty('must be a non-empty string'))));

/** One silence (docs/notifications.md); every matcher given must match, and it always expires. */
const SilenceSchema = v.pipe(
  v.strictObject(
    {
      loadBalancerId: matcher,
      listener: v.pipe(
        matcher,
        v.check((listener) => !listener || /^((https?|tcp|udp):)?\d{1,5}$/i.test(listener), 'must look like tcp:80 (or just 80)'),
      ),
      backend: v.pipe(
        matcher,
        v.check((backend) => !backend || /^[\d.]+(:\d{1,5})?$/.test(backend), 'must look like 10.0.0.1:80 (or just 10.0.0.1)'),
      ),
      code: v.pipe(
        matcher,
        v.check(
          (code) => !code || (FINDING_CODES as readonly string[]).includes(code),
          (issue) => `${String(issue.input)} is not a finding code (see docs/findings.md)`,
        ),
      ),
      expiresAt: v.optional(v.unknown()),
      comment: matcher,
    },
    (issue) => (issue.expected === 'never' ? `is not a known field (${SILENCE_FIELDS.join(', ')})` : 'is not an object'),
  ),
  v.check((entry) => Boolean(entry.loadBalancerId || entry.listener || entry.backend || entry.code), 'names nothing to silence (give loadBalancerId, listener, backend or code)'),
  v.check(
    (entry) => typeof entry.expiresAt === 'string' && !Number.isNaN(Date.parse(entry.expiresAt)),
    'expiresAt must be an ISO date such as 2030-01-31T18:00:00Z (silences always expire)',
  ),
);

function parseSilence(entry: unknown): Silence | string {
  const parsed = v.safeParse(SilenceSchema, entry, { abortEarly: true });
  if (!parsed.success) return issueLine(parsed.issues);
  const { loadBalancerId, listener, backend, code, comment, expiresAt } = parsed.output;
  return {
    loadBalancerId: loadBalancerId || null,
    listener: listener ? listener.toLowerCase() : null,
    backend: backend || null,
    code: (code || null) as FindingCode | null,
    expiresAt: Date.parse(expiresAt as string),
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
