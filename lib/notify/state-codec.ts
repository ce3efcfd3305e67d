// The notification state document's codec: one valibot schema (lib/notify/vocabulary.ts). Anything this version did
// not write counts as corrupt, and the stores move it aside instead of guessing: a half-understood state could
// re-notify or swallow everything.
//
// Each open finding's summary lives in its record and in every target queue that holds a notice of it; with dozens
// of targets the document was mostly copies. A queued item whose summary is its record's is written without it and
// read back sharing the record's object, so the document and the loaded state hold each summary once.
import { isDeepStrictEqual } from 'node:util';
import * as v from 'valibot';
import type { StateCodec } from '../state/types';
import { issuePath } from '../util/schema';
import { inPieces } from '../util/text';
import { issueLine } from './schema-messages';
import { NotifyStateSchema, STATE_SCHEMA_VERSION, type DigestItem, type FindingSummary, type NotifyState } from './vocabulary';

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
  restoreSharedSummaries(parsed as Record<string, unknown>);
  const result = v.safeParse(NotifyStateSchema, parsed, { abortEarly: true });
  if (!result.success) return { ok: false, problem: problemOf(result.issues) };
  shareSummaries(result.output);
  return { ok: true, state: result.output };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Gives each queued item written without a summary its record's, before the schema checks the document (an item
 * left without one, its record gone, is then reported as corrupt like any missing field).
 */
function restoreSharedSummaries(document: Record<string, unknown>): void {
  const { records, pending } = document;
  if (!isObject(records) || !isObject(pending)) return;
  for (const digest of Object.values(pending)) {
    if (!isObject(digest) || !Array.isArray(digest.items)) continue;
    for (const item of digest.items as unknown[]) {
      if (!isObject(item) || 'summary' in item || typeof item.fingerprint !== 'string') continue;
      const record = records[item.fingerprint];
      if (isObject(record) && 'summary' in record) item.summary = record.summary;
    }
  }
}

/** The record's summary when an item carries the same one (the same object, or an equal copy a version-1 document held). */
function recordSummaryOf(state: NotifyState, item: DigestItem): FindingSummary | null {
  const shared = state.records[item.fingerprint]?.summary;
  if (shared === undefined) return null;
  return item.summary === shared || isDeepStrictEqual(item.summary, shared) ? shared : null;
}

function shareSummaries(state: NotifyState): void {
  for (const digest of Object.values(state.pending)) {
    for (const item of digest.items) item.summary = recordSummaryOf(state, item) ?? item.summary;
  }
}

/** The item as written: without its summary when that is its record's. */
function itemOnDisk(state: NotifyState, item: DigestItem): DigestItem | Omit<DigestItem, 'summary'> {
  if (recordSummaryOf(state, item) === null) return item;
  const { summary: _shared, ...rest } = item;
  return rest;
}

/**
 * The document as `JSON.stringify({ ...state, pending })` writes it, in pieces (one record at a time). Only the queues
 * are copied (shallow) to leave shared summaries out; the records go to JSON.stringify as they are. A replacer
 * function would be called for every key of the document: at 1,000 load balancers that made each of a run's several
 * state writes cost tens of milliseconds more than the stringify itself.
 */
function encodeChunks(state: NotifyState): Iterable<string> {
  return inPieces(fragmentsOf(state));
}

function* fragmentsOf(state: NotifyState): Generator<string> {
  const { records, pending, ...rest } = state;
  const pendingOnDisk: Record<string, unknown> = {};
  for (const [key, digest] of Object.entries(pending)) pendingOnDisk[key] = { ...digest, items: digest.items.map((item) => itemOnDisk(state, item)) };
  const head = JSON.stringify(rest);
  yield `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"records":{`;
  let first = true;
  for (const [fingerprint, record] of Object.entries(records)) {
    yield `${first ? '' : ','}${JSON.stringify(fingerprint)}:${JSON.stringify(record)}`;
    first = false;
  }
  yield `},"pending":${JSON.stringify(pendingOnDisk)}}`;
}

function encode(state: NotifyState): string {
  return [...encodeChunks(state)].join('');
}

export const notifyStateCodec: StateCodec<NotifyState> = { empty: emptyState, encode, encodeChunks, decode };
