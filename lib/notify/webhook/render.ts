// The generic webhook: the digest's notices as JSON for machines (schema: lib/notify/webhook/payload.schema.json,
// documented in docs/notifications.md). Not inhibited or folded: a program wants every finding. Kept under
// `maxBytes` by leaving out the least important notices, counted in `omitted`.
import type { DigestEvent, DigestItem, FindingSummary, RunContext, TargetMentions } from '../vocabulary';
import { utf8Bytes } from '../digest/fit';
import type { Digest } from '../digest/model';

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
  counts: Record<DigestEvent, number>;
  runs: RunContext[];
  mentions: TargetMentions;
  notices: WebhookNotice[];
  /** Notices left out to stay under the size limit (least important first) or dropped while undeliverable. */
  omitted: number;
  /** Why these notices may repeat ones already delivered (dedup off, an interrupted delivery); null normally. */
  possibleRepeat: string | null;
}

function notice(item: DigestItem): WebhookNotice {
  return { event: item.event, fingerprint: item.fingerprint, at: new Date(item.at).toISOString(), previousCode: item.previousCode, finding: item.summary };
}

export function webhookPayload(digest: Digest, maxBytes: number = WEBHOOK_MAX_BYTES): WebhookPayload {
  const counts: Record<DigestEvent, number> = { new: 0, changed: 0, repeat: 0, resolved: 0 };
  for (const item of digest.items) counts[item.event] += 1;
  const build = (kept: number): WebhookPayload => ({
    schema: WEBHOOK_SCHEMA_ID,
    title: digest.title,
    headline: digest.headline,
    generatedAt: new Date(digest.generatedAt).toISOString(),
    regionIds: digest.regionIds,
    runIds: digest.runIds,
    counts,
    runs: digest.contexts,
    mentions: digest.mentions,
    notices: digest.items.slice(0, kept).map(notice),
    omitted: digest.items.length - kept + digest.overflow,
    possibleRepeat: digest.possibleRepeat,
  });
  const fits = (payload: WebhookPayload): boolean => utf8Bytes(JSON.stringify(payload)) <= maxBytes;
  const full = build(digest.items.length);
  if (fits(full)) return full;
  // Items are sorted most important first: keep the longest prefix that fits.
  let low = 0;
  let high = digest.items.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(build(middle))) low = middle;
    else high = middle - 1;
  }
  return build(low);
}
