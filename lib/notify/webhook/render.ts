// The generic webhook: the digest's notices as JSON for machines (schema: lib/notify/webhook/payload.schema.json,
// documented in docs/notifications.md). Not inhibited or folded: a program wants every finding. A digest larger than
// `maxBytes` is sent in as many numbered parts as it needs (`part` of `parts`), each within the limit.
import type { DigestEvent, DigestItem, FindingSummary, RunContext, TargetMentions } from '../vocabulary';
import { utf8Bytes } from '../digest/fit';
import { digestPart, type Digest } from '../digest/model';
import { inPieces } from '../../util/text';

export const WEBHOOK_SCHEMA_ID = 'slb-doctor.digest/v1';
export const WEBHOOK_MAX_BYTES = 1024 * 1024;

export interface WebhookNotice {
  event: DigestEvent;
  fingerprint: string;
  /** When the run that raised it ran (ISO 8601). */
  at: string;
  previousCode: string | null;
  finding: FindingSummary;
}

export interface WebhookPayload {
  schema: typeof WEBHOOK_SCHEMA_ID;
  title: string;
  headline: string[];
  generatedAt: string;
  regionIds: string[];
  runIds: string[];
  /** This part's notices by event. */
  counts: Record<DigestEvent, number>;
  runs: RunContext[];
  mentions: TargetMentions;
  /** 1-based; the parts of one digest share `generatedAt`, `runIds` and `title`. */
  part: number;
  parts: number;
  notices: WebhookNotice[];
  /** Notices of this digest that no part carries: dropped while the target was unreachable for long, or one notice alone larger than the limit. */
  omitted: number;
  /** Why these notices may repeat ones already delivered (dedup off, an interrupted delivery); null normally. */
  possibleRepeat: string | null;
}

function notice(item: DigestItem): WebhookNotice {
  return { event: item.event, fingerprint: item.fingerprint, at: new Date(item.at).toISOString(), previousCode: item.previousCode, finding: item.summary };
}

function payloadOf(digest: Digest, notices: WebhookNotice[], omitted: number): WebhookPayload {
  const counts: Record<DigestEvent, number> = { new: 0, changed: 0, repeat: 0, resolved: 0 };
  for (const item of notices) counts[item.event] += 1;
  return {
    schema: WEBHOOK_SCHEMA_ID,
    title: digest.title,
    headline: digest.headline,
    generatedAt: new Date(digest.generatedAt).toISOString(),
    regionIds: digest.regionIds,
    runIds: digest.runIds,
    counts,
    runs: digest.contexts,
    mentions: digest.mentions,
    part: digest.part.number,
    parts: digest.part.of,
    notices,
    omitted,
    possibleRepeat: digest.possibleRepeat,
  };
}

/**
 * The digest in parts of at most `maxBytes` each, notices in the digest's order (most important first). Sizes are
 * counted once per notice against an envelope whose numbers have their widest value, so every part fits.
 */
export function webhookParts(digest: Digest, maxBytes: number = WEBHOOK_MAX_BYTES): Digest[] {
  const widest = digest.items.length;
  const envelope = payloadOf({ ...digest, part: { number: widest, of: widest } }, [], digest.overflow + widest);
  envelope.counts = { new: widest, changed: widest, repeat: widest, resolved: widest };
  const room = maxBytes - utf8Bytes(JSON.stringify(envelope));
  const slices: DigestItem[][] = [];
  let current: DigestItem[] = [];
  let used = 0;
  let oversize = 0;
  for (const item of digest.items) {
    // One more notice costs its JSON and a comma.
    const bytes = utf8Bytes(JSON.stringify(notice(item))) + 1;
    if (bytes > room) {
      oversize++;
      continue;
    }
    if (used + bytes > room) {
      slices.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += bytes;
  }
  if (current.length > 0 || slices.length === 0) slices.push(current);
  // A notice no part can carry counts with those dropped while the target was unreachable: left out, and said so.
  return slices.map((items, index) => ({ ...digestPart(digest, items, index + 1, slices.length), overflow: digest.overflow + oversize }));
}

/** One part's payload (a digest straight from buildDigest is its own single part). */
export function webhookPayload(part: Digest): WebhookPayload {
  return payloadOf(part, part.items.map(notice), part.overflow);
}

/**
 * `JSON.stringify(webhookPayload(part))` as bytes, made one notice at a time: a part of up to 1 MiB never exists as
 * one string (such a string lives until V8's next full collection, and a large region's delivery makes dozens).
 */
export function webhookBody(part: Digest): Buffer {
  return Buffer.concat(Array.from(inPieces(bodyFragments(part)), (piece) => Buffer.from(piece, 'utf8')));
}

function* bodyFragments(part: Digest): Generator<string> {
  const { notices: _none, omitted, possibleRepeat, ...head } = payloadOf(part, [], part.overflow);
  const counts: Record<DigestEvent, number> = { new: 0, changed: 0, repeat: 0, resolved: 0 };
  for (const item of part.items) counts[item.event] += 1;
  const before = JSON.stringify({ ...head, counts });
  yield `${before.slice(0, -1)},"notices":[`;
  for (const [index, item] of part.items.entries()) yield `${index === 0 ? '' : ','}${JSON.stringify(notice(item))}`;
  yield `],${JSON.stringify({ omitted, possibleRepeat }).slice(1)}`;
}
