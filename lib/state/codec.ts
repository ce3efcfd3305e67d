// Parsing the state document. Anything that is not a state this version wrote counts as corrupt: the stores move it
// aside and start afresh instead of guessing (a half-understood state could re-notify or swallow everything).
import { STATE_SCHEMA_VERSION, type NotifyState } from './types';

export function emptyState(): NotifyState {
  return { version: STATE_SCHEMA_VERSION, revision: 0, records: {}, pending: {} };
}

export function encodeState(state: NotifyState): string {
  return JSON.stringify(state);
}

export type DecodedState = { ok: true; state: NotifyState } | { ok: false; problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordProblem(key: string, value: unknown): string | null {
  if (!isObject(value)) return `record ${key} is not an object`;
  for (const field of ['fingerprint', 'subjectKey', 'regionId', 'loadBalancerId'] as const) {
    if (typeof value[field] !== 'string') return `record ${key} has no ${field}`;
  }
  for (const field of ['firstSeenAt', 'lastSeenAt', 'presentRuns', 'absentRuns'] as const) {
    if (typeof value[field] !== 'number') return `record ${key} has no ${field}`;
  }
  if (value.openedAt !== null && typeof value.openedAt !== 'number') return `record ${key} has a bad openedAt`;
  if (!isObject(value.notifiedAt)) return `record ${key} has no notifiedAt`;
  if (!isObject(value.summary) || typeof value.summary.code !== 'string') return `record ${key} has no summary`;
  return null;
}

function pendingProblem(key: string, value: unknown): string | null {
  if (!isObject(value)) return `pending digest ${key} is not an object`;
  if (!Array.isArray(value.items)) return `pending digest ${key} has no items`;
  if (value.items.some((item) => !isObject(item) || typeof item.id !== 'string' || !isObject(item.summary))) {
    return `pending digest ${key} has a malformed item`;
  }
  if (typeof value.overflow !== 'number' || typeof value.attempts !== 'number') return `pending digest ${key} has no counters`;
  if (!isObject(value.contexts)) return `pending digest ${key} has no contexts`;
  return null;
}

export function decodeState(text: string): DecodedState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isObject(parsed)) return { ok: false, problem: 'not a JSON object' };
  if (parsed.version !== STATE_SCHEMA_VERSION) return { ok: false, problem: `unknown version ${JSON.stringify(parsed.version)}` };
  if (typeof parsed.revision !== 'number') return { ok: false, problem: 'no revision' };
  if (!isObject(parsed.records) || !isObject(parsed.pending)) return { ok: false, problem: 'no records/pending maps' };
  for (const [key, value] of Object.entries(parsed.records)) {
    const problem = recordProblem(key, value);
    if (problem) return { ok: false, problem };
  }
  for (const [key, value] of Object.entries(parsed.pending)) {
    const problem = pendingProblem(key, value);
    if (problem) return { ok: false, problem };
  }
  // Every field the code reads was checked above; the rest is data this version wrote.
  return { ok: true, state: parsed as unknown as NotifyState };
}
