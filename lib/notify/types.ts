// Contracts of the notification pipeline: targets, the Notifier every channel implements, options and the run report.
import type { Finding, FindingCode, Severity } from '../model';
import type { DigestEvent, StateStore } from '../state/types';
import type { RetryPolicy } from '../util/retry';
import type { Clock } from '../util/clock';
import type { Digest } from './digest/model';

export const TARGET_KINDS = ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetMentions {
  mobiles: string[];
  userIds: string[];
  all: boolean;
}

export interface TargetMatch {
  loadBalancerIds: string[] | null;
  /** Every listed tag must be on the load balancer with this value. */
  tags: Record<string, string> | null;
  codes: FindingCode[] | null;
}

/** A validated target (see parseTargets). */
export interface NotifyTarget {
  /** Stable state key: the configured name, else kind + a hash of the URL (never the URL: it holds the token). */
  key: string;
  /** What logs and reports call it: the configured name, else `kind#index`. */
  label: string;
  kind: TargetKind;
  url: string;
  secret: string | null;
  mentions: TargetMentions;
  minSeverity: Severity;
  match: TargetMatch;
}

/** `bytes`: the size of the payload posted, in UTF-8 bytes (for the run report). */
export type SendResult = { ok: true; bytes?: number } | { ok: false; retryable: boolean; retryAfterMs?: number; reason: string; bytes?: number };

/** One channel. `send` makes exactly one attempt; retries, budgets and state belong to the pipeline. */
export interface Notifier {
  readonly target: NotifyTarget;
  /** Renders the digest within the channel's limits and posts it. Never throws. */
  send(digest: Digest, signal?: AbortSignal): Promise<SendResult>;
}

export interface HttpResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The subset of `fetch` the senders use (Node's global fetch fits; tests may pass their own). */
export type HttpFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<HttpResponseLike>;

/** Mutes matching findings until `expiresAt`. Every field given must match. */
export interface Silence {
  loadBalancerId: string | null;
  /** `tcp:80` (or just the port, `80`). */
  listener: string | null;
  /** `ip:port` or just `ip`. */
  backend: string | null;
  code: FindingCode | null;
  expiresAt: number;
  comment: string | null;
}

export interface NotifyOptions {
  /** Re-send still-open findings after this long (Alertmanager's repeat_interval). */
  repeatIntervalMs: number;
  /** Flap damping: runs a finding must hold before it notifies, and stay gone before it resolves. */
  flapRuns: number;
  silences: Silence[];
  /** Per HTTP attempt. */
  sendTimeoutMs: number;
  /** Retries of one digest within the run; a digest still undelivered stays pending for the next run. */
  retry: Partial<RetryPolicy>;
  /** Targets sent to at once. */
  concurrency: number;
}

export const DEFAULT_NOTIFY_OPTIONS: NotifyOptions = {
  repeatIntervalMs: 4 * 60 * 60 * 1000,
  flapRuns: 1,
  silences: [],
  sendTimeoutMs: 10_000,
  // Long enough to outlast DingTalk's 10-minute "send too fast" lockout once; a deadline cuts it short.
  retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 11 * 60 * 1000 },
  concurrency: 4,
};

export interface NotifyLogger {
  warn(message: string): void;
  info?(message: string): void;
}

export interface NotifyRunInput {
  findings: Finding[];
  regionId: string;
  runId?: string;
  /** What this run examined: findings of LBs not covered are not aged (absence there proves nothing). */
  covered?: { loadBalancerIds: string[]; uncovered: { loadBalancerId: string; reason: string }[] };
  /** Backends per listener (`lbId/protocol:port`), so a digest can say "all N backends" (inhibition). */
  backendsPerListener?: Record<string, number>;
  targets: NotifyTarget[];
  store: StateStore;
  clock?: Clock;
  options?: Partial<NotifyOptions>;
  http?: HttpFetch;
  /** Epoch ms (clock time) by which notifyRun must return; retries that would pass it are left pending. */
  deadlineAt?: number | null;
  logger?: NotifyLogger;
}

export type TargetStatus = 'sent' | 'failed' | 'pending' | 'idle';

export interface TargetReport {
  label: string;
  kind: TargetKind;
  /**
   * sent: delivered. failed: tried and failed; the digest stays pending for the next run. pending: not tried this run
   * (another run is sending it, or no time left). idle: nothing to say.
   */
  status: TargetStatus;
  events: Record<DigestEvent, number>;
  /** Notices in the digest this run handled (its own and those carried over from failed runs). */
  items: number;
  attempts: number;
  /** Size of the last payload sent, in UTF-8 bytes. */
  bytes: number | null;
  reason: string | null;
}

export interface NotifyReport {
  runId: string;
  regionId: string;
  counts: {
    findings: number;
    new: number;
    changed: number;
    repeat: number;
    resolved: number;
    /** Silenced. */
    suppressed: number;
    /** Seen, but not yet for `flapRuns` consecutive runs. */
    awaitingConfirmation: number;
    stillOpen: number;
  };
  targets: TargetReport[];
  state: { location: string; warnings: string[]; error: string | null };
}
