// The notification state document's codec: anything this version did not write counts as corrupt, and the stores
// move it aside instead of guessing (a half-understood state could re-notify or swallow everything).
import type { StateCodec } from '../state/types';
import { STATE_SCHEMA_VERSION, type NotifyState } from './vocabulary';

function emptyState(): NotifyState {
  return { version: STATE_SCHEMA_VERSION, revision: 0, records: {}, pending: {} };
}

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
  if (value.claim !== null && value.claim !== undefined && (!isObject(value.claim) || typeof value.claim.runId !== 'string' || typeof value.claim.until !== 'number')) {
    return `pending digest ${key} has a malformed claim`;
  }
  return null;
}

function decode(text: string): ReturnType<StateCodec<NotifyState>['decode']> {
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
    // Written before claims named their owner and before possible repeats were tracked: neither was known then.
    const pending = value as Record<string, unknown>;
    pending.possibleRepeat ??= null;
    pending.claim ??= null;
  }
  // Every field the code reads was checked above; the rest is data this version wrote.
  return { ok: true, state: parsed as unknown as NotifyState };
}

export const notifyStateCodec: StateCodec<NotifyState> = { empty: emptyState, encode: (state) => JSON.stringify(state), decode };
