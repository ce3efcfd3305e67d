// The notification state document's codec: one valibot schema (lib/notify/vocabulary.ts). Anything this version did
// not write counts as corrupt, and the stores move it aside instead of guessing: a half-understood state could
// re-notify or swallow everything.
import * as v from 'valibot';
import type { StateCodec } from '../state/types';
import { issuePath } from '../util/schema';
import { issueLine } from './schema-messages';
import { NotifyStateSchema, STATE_SCHEMA_VERSION, type NotifyState } from './vocabulary';

function emptyState(): NotifyState {
  return { version: STATE_SCHEMA_VERSION, revision: 0, records: {}, pending: {} };
}

const PART_NAMES: Record<string, string> = { records: 'record', pending: 'pending digest' };

/** "record <fingerprint> has no subjectKey", "pending digest <target> has a bad items[0].at: must be …". */
function problemOf(issues: Parameters<typeof issueLine>[0]): string {
  const issue = issues[0];
  const keys = (issue?.path ?? []).map((item) => item.key);
  const part = typeof keys[0] === 'string' ? PART_NAMES[keys[0]] : undefined;
  if (!issue || !part || keys.length < 2) {
    if (keys[0] === 'version') return `unknown version ${JSON.stringify(issue?.input)}`;
    return issue ? issueLine(issues) : 'not a state document';
  }
  const field = issuePath({ ...issue, path: issue.path?.slice(2) as typeof issue.path });
  if (field === '') return `${part} ${String(keys[1])} is not an object`;
  if (issue.input === undefined) return `${part} ${String(keys[1])} has no ${field}`;
  return `${part} ${String(keys[1])} has a bad ${field}: ${issue.message}`;
}

function decode(text: string): ReturnType<StateCodec<NotifyState>['decode']> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: 'not a JSON object' };
  const result = v.safeParse(NotifyStateSchema, parsed, { abortEarly: true });
  return result.success ? { ok: true, state: result.output } : { ok: false, problem: problemOf(result.issues) };
}

export const notifyStateCodec: StateCodec<NotifyState> = { empty: emptyState, encode: (state) => JSON.stringify(state), decode };
