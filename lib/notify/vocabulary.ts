// The words the notification pipeline speaks: what it remembers about a finding, the notices it queues per target,
// and the state document they live in. The stored parts are schemas (valibot) with their types inferred from them,
// so the state codec checks exactly what the code relies on. lib/state stores the document without knowing it.
import * as v from 'valibot';
import { FINDING_CODES, SEVERITY_ORDER, type Finding, type Severity } from '../model';
import { mustBe } from './schema-messages';

/** What a digest needs to show a finding again later (the raw probe evidence is left out to keep the state small). */
export type FindingSummary = Omit<Finding, 'evidence' | 'hostCommands'> & {
  /** Backends of this finding's listener when the run knew it, so a digest can say "all N backends". */
  listenerBackends: number | null;
};

export interface TargetMentions {
  mobiles: string[];
  userIds: string[];
  all: boolean;
}

const text = v.string(mustBe('a string'));
const count = v.number(mustBe('a number'));

/**
 * A summary as stored: checked for the fields the pipeline reads (code, severity, where it is), the rest being what
 * this version wrote from a Finding.
 */
const FindingSummaryShape = v.looseObject({
  code: v.picklist(FINDING_CODES),
  severity: v.picklist(Object.keys(SEVERITY_ORDER) as Severity[]),
  subject: v.looseObject({
    regionId: text,
    loadBalancerId: text,
    listener: v.nullable(v.looseObject({ port: count, protocol: text })),
    backend: v.nullable(v.looseObject({ ip: text, port: count })),
  }),
});
const FindingSummarySchema = v.custom<FindingSummary>((value) => v.is(FindingSummaryShape, value), 'is not a finding summary (code, severity, subject)');

export const FingerprintRecordSchema = v.object({
  fingerprint: text,
  /** region/LB/listener/backend without the code: a new code on the same subject is a "changed" notice. */
  subjectKey: text,
  regionId: text,
  loadBalancerId: text,
  firstSeenAt: count,
  lastSeenAt: count,
  /** Consecutive runs that saw it (reset by an absence) and consecutive examining runs that did not (reset by a sighting). */
  presentRuns: count,
  absentRuns: count,
  /** When it held long enough to count as open (flap damping); null while it is still proving itself. */
  openedAt: v.nullable(count),
  /** Per target key: when that target was last told this finding is open (queued for it, to be exact). */
  notifiedAt: v.record(v.string(), count),
  summary: FindingSummarySchema,
});
export type FingerprintRecord = v.InferOutput<typeof FingerprintRecordSchema>;

export const DIGEST_EVENTS = ['new', 'changed', 'repeat', 'resolved'] as const;
export type DigestEvent = (typeof DIGEST_EVENTS)[number];

export const DigestItemSchema = v.object({
  /** `${runId}:${event}:${fingerprint}`: a delivered digest removes exactly the items it carried. */
  id: text,
  event: v.picklist(DIGEST_EVENTS),
  fingerprint: text,
  /** Epoch ms of the run that queued it. */
  at: count,
  /** For `changed`: the code the subject had before. */
  previousCode: v.nullable(v.picklist(FINDING_CODES)),
  summary: FindingSummarySchema,
});
export type DigestItem = v.InferOutput<typeof DigestItemSchema>;

/** The facts a digest's headline shows about the latest run of one region. */
export const RunContextSchema = v.object({
  runId: text,
  regionId: text,
  at: count,
  openBySeverity: v.object({ critical: count, error: count, warning: count, info: count }),
  loadBalancersAffected: count,
  uncovered: v.array(v.object({ loadBalancerId: text, reason: text })),
});
export type RunContext = v.InferOutput<typeof RunContextSchema>;

/**
 * A run sending a digest now. Other runs leave it alone while the owner is alive: until `until` (renewed by the
 * owner's heartbeat), and not at all once the owner is known dead (same host, its process gone). Claims written
 * before owners were recorded have pid -1 and no host: only `until` tells.
 */
export const DigestClaimSchema = v.object({
  runId: text,
  until: count,
  pid: v.optional(count, -1),
  host: v.optional(text, ''),
});
export type DigestClaim = v.InferOutput<typeof DigestClaimSchema>;

export const PendingDigestSchema = v.object({
  items: v.array(DigestItemSchema),
  /** Items dropped because a target stayed unreachable so long the queue hit its bound (shown as `+N more`). */
  overflow: count,
  queuedAt: count,
  attempts: count,
  lastError: v.nullable(text),
  claim: v.optional(v.nullable(DigestClaimSchema), null),
  /**
   * Set when a send of these items may have arrived though its outcome is unknown (interrupted mid-request, or the
   * owner died before recording it): the next send says "possible repeat" once, then this is cleared.
   */
  possibleRepeat: v.optional(v.nullable(text), null),
  contexts: v.record(v.string(), RunContextSchema),
});
export type PendingDigest = v.InferOutput<typeof PendingDigestSchema>;

/**
 * 2: a queued item whose summary is its record's leaves it out (lib/notify/state-codec.ts); 1 stored it twice. A
 * version-1 document is read as it is and written as version 2.
 */
export const STATE_SCHEMA_VERSION = 2;

export const NotifyStateSchema = v.object({
  version: v.pipe(
    v.picklist([1, STATE_SCHEMA_VERSION]),
    v.transform((): typeof STATE_SCHEMA_VERSION => STATE_SCHEMA_VERSION),
  ),
  /** Incremented by the store on every write (a diagnostic, and the file store's compare-and-swap token). */
  revision: count,
  records: v.record(v.string(), FingerprintRecordSchema),
  /** Per target key. */
  pending: v.record(v.string(), PendingDigestSchema),
});
export type NotifyState = v.InferOutput<typeof NotifyStateSchema>;
