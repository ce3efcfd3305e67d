// The durable notification state: what every open finding looked like, who was told, and digests not yet delivered.
// Stored as one JSON document (a file on a NAS mount, or an OSS object) and changed only through conditional writes.
import type { Finding, FindingCode, Severity } from '../model';

/** What a digest needs to show a finding again later (the raw probe evidence is left out to keep the state small). */
export type FindingSummary = Omit<Finding, 'evidence' | 'hostCommands'> & {
  /** Backends of this finding's listener when the run knew it, so a digest can say "all N backends". */
  listenerBackends: number | null;
};

export interface FingerprintRecord {
  fingerprint: string;
  /** region/LB/listener/backend without the code: a new code on the same subject is a "changed" notice. */
  subjectKey: string;
  regionId: string;
  loadBalancerId: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Consecutive runs that saw it (reset by an absence) and consecutive covered runs that did not (reset by a sighting). */
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

export interface PendingDigest {
  items: DigestItem[];
  /** Items dropped because a target stayed unreachable so long the queue hit its bound (shown as `+N more`). */
  overflow: number;
  queuedAt: number;
  attempts: number;
  lastError: string | null;
  /** A run sending this digest now; other runs leave it alone until `until` (so two runs never send it twice). */
  claim: { runId: string; until: number } | null;
  contexts: Record<string, RunContext>;
}

export const STATE_SCHEMA_VERSION = 1;

export interface NotifyState {
  version: typeof STATE_SCHEMA_VERSION;
  /** Incremented on every write: the file store's compare-and-swap token, a diagnostic everywhere else. */
  revision: number;
  records: Record<string, FingerprintRecord>;
  /** Per target key. */
  pending: Record<string, PendingDigest>;
}

export interface StateStore {
  /** Where the state lives, with no secret in it (for logs and the run report). */
  readonly location: string;
  /** Recoveries so far (missing or corrupt state started afresh): reported in the run result. */
  readonly warnings: readonly string[];
  load(): Promise<NotifyState>;
  /**
   * Read-modify-write. `mutator` changes the state in place and may run more than once (on a conflicting write by
   * another process it runs again on the fresh state), so it must depend only on the state and its own inputs.
   */
  update<T>(mutator: (state: NotifyState) => T): Promise<T>;
}

export interface StateLogger {
  warn(message: string): void;
}
