// The words the notification pipeline speaks: what it remembers about a finding, the notices it queues per target,
// and the state document they live in. lib/state stores this document without knowing what it means.
import type { Finding, FindingCode, Severity } from '../model';

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

export interface FingerprintRecord {
  fingerprint: string;
  /** region/LB/listener/backend without the code: a new code on the same subject is a "changed" notice. */
  subjectKey: string;
  regionId: string;
  loadBalancerId: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Consecutive runs that saw it (reset by an absence) and consecutive examining runs that did not (reset by a sighting). */
  presentRuns: number;
  absentRuns: number;
  /** When it held long enough to count as open (flap damping); null while it is still proving itself. */
  openedAt: number | null;
  /** Per target key: when that target was last told this finding is open (queued for it, to be exact). */
  notifiedAt: Record<string, number>;
  summary: FindingSummary;
}

export type DigestEvent = 'new' | 'changed' | 'repeat' | 'resolved';

export interface DigestItem {
  /** `${runId}:${event}:${fingerprint}`: a delivered digest removes exactly the items it carried. */
  id: string;
  event: DigestEvent;
  fingerprint: string;
  /** Epoch ms of the run that queued it. */
  at: number;
  /** For `changed`: the code the subject had before. */
  previousCode: FindingCode | null;
  summary: FindingSummary;
}

/** The facts a digest's headline shows about the latest run of one region. */
export interface RunContext {
  runId: string;
  regionId: string;
  at: number;
  openBySeverity: Record<Severity, number>;
  loadBalancersAffected: number;
  uncovered: { loadBalancerId: string; reason: string }[];
}

/**
 * A run sending a digest now. Other runs leave it alone while the owner is alive: until `until` (renewed by the
 * owner's heartbeat), and not at all once the owner is known dead (same host, its process gone).
 */
export interface DigestClaim {
  runId: string;
  until: number;
  pid: number;
  host: string;
}

export interface PendingDigest {
  items: DigestItem[];
  /** Items dropped because a target stayed unreachable so long the queue hit its bound (shown as `+N more`). */
  overflow: number;
  queuedAt: number;
  attempts: number;
  lastError: string | null;
  claim: DigestClaim | null;
  /**
   * Set when a send of these items may have arrived though its outcome is unknown (interrupted mid-request, or the
   * owner died before recording it): the next send says "possible repeat" once, then this is cleared.
   */
  possibleRepeat: string | null;
  contexts: Record<string, RunContext>;
}

export const STATE_SCHEMA_VERSION = 1;

export interface NotifyState {
  version: typeof STATE_SCHEMA_VERSION;
  /** Incremented by the store on every write (a diagnostic, and the file store's compare-and-swap token). */
  revision: number;
  records: Record<string, FingerprintRecord>;
  /** Per target key. */
  pending: Record<string, PendingDigest>;
}
