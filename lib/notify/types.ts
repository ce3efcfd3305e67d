// Contracts of the notification pipeline: targets, the Channel every integration defines and the Notifier it
// becomes, options, the run's input and its report.
import type { FindingCode, NoticeFinding, Severity } from '../model';
import type { Clock } from '../util/clock';
import type { RateLimit } from '../util/rate';
import type { RetryPolicy } from '../util/retry';
import type { Digest } from './digest/model';
import type { ExaminedScope } from './scope';
import type { NotifyStateStore } from './state';
import type { DigestEvent, TargetMentions } from './vocabulary';

export type { TargetMentions } from './vocabulary';

export const TARGET_KINDS = ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

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

/**
 * `bytes`: the size of the payload posted, in UTF-8 bytes (for the run report). `interrupted`: the run's signal
 * stopped it, `before` the request left (nothing sent) or `mid-request` (it may have arrived).
 */
export type SendResult =
  | { ok: true; bytes?: number }
  | { ok: false; retryable: boolean; retryAfterMs?: number; reason: string; bytes?: number; interrupted?: 'before' | 'mid-request' };

/** One POST, ready to send. */
export interface RenderedRequest {
  url: string;
  headers: Record<string, string>;
  /** UTF-8 text, or its bytes (the generic webhook's parts, which may reach 1 MiB). */
  body: string | Buffer;
}

/** A reply as every channel sees it (the host only: the URL holds the token). */
export interface HttpReply {
  host: string;
  status: number;
  body: string;
  retryAfterMs: number | null;
}

/** One integration (lib/notify/<kind>/): how a digest becomes its request, and what its replies mean. */
export interface Channel {
  readonly kind: TargetKind;
  /** The service's published budget per webhook. */
  readonly rateLimits: RateLimit[];
  /**
   * The messages a digest takes, in order: one for the chat channels (they fold what does not fit), as many parts as
   * the payload limit needs for the generic webhook (a program wants every notice).
   */
  split(digest: Digest): Digest[];
  /** Renders one message within the channel's limits; `wallClockMs` for signatures (the service compares them with its clock). */
  render(digest: Digest, target: NotifyTarget, wallClockMs: number): RenderedRequest;
  classify(reply: HttpReply, target: NotifyTarget): SendResult;
}

/** A target bound to its channel and the shared HTTP path. `send` makes exactly one attempt and never throws. */
export interface Notifier {
  readonly target: NotifyTarget;
  split(digest: Digest): Digest[];
  render(digest: Digest): RenderedRequest;
  send(request: RenderedRequest, signal?: AbortSignal): Promise<SendResult>;
}

export interface HttpResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The subset of `fetch` the senders use: ./post's over Node's http client by default (the global fetch fits too; tests may pass their own). */
export type HttpFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string | Buffer; signal: AbortSignal },
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
  /** How often a sending run renews its claims; a claim not renewed for three of these is taken over. */
  claimHeartbeatMs: number;
}

export const DEFAULT_NOTIFY_OPTIONS: NotifyOptions = {
  repeatIntervalMs: 4 * 60 * 60 * 1000,
  flapRuns: 1,
  silences: [],
  sendTimeoutMs: 10_000,
  // Long enough to outlast DingTalk's 10-minute "send too fast" lockout once; a deadline cuts it short.
  retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 11 * 60 * 1000 },
  concurrency: 4,
  claimHeartbeatMs: 20_000,
};

export interface NotifyLogger {
  warn(message: string): void;
  info?(message: string): void;
}

export interface NotifyRunInput {
  findings: NoticeFinding[];
  regionId: string;
  runId?: string;
  /** What this run examined: only there are findings aged or resolved (absence elsewhere proves nothing). */
  examined: ExaminedScope;
  /** Backends per listener (`lbId/protocol:port`), so a digest can say "all N backends" (inhibition). */
  backendsPerListener?: Record<string, number>;
  targets: NotifyTarget[];
  store: NotifyStateStore;
  clock?: Clock;
  options?: Partial<NotifyOptions>;
  http?: HttpFetch;
  /** Epoch ms (clock time) by which notifyRun must return; retries that would pass it are left pending. */
  deadlineAt?: number | null;
  logger?: NotifyLogger;
  /** Aborted on SIGINT/SIGTERM: sending stops (in-flight requests are cut off), claims are released, the report returns. */
  signal?: AbortSignal;
}

export type TargetStatus = 'sent' | 'failed' | 'pending' | 'interrupted' | 'idle';

export interface TargetReport {
  label: string;
  kind: TargetKind;
  /**
   * sent: delivered. failed: tried and failed; the digest stays pending for the next run. pending: not tried this run
   * (another run is sending it, or no time left). interrupted: the run's signal stopped it (kept for the next run;
   * when cut off mid-request it is re-sent once as a possible repeat). idle: nothing to say.
   */
  status: TargetStatus;
  events: Record<DigestEvent, number>;
  /** Notices in the digest this run handled (its own and those carried over from failed runs). */
  items: number;
  attempts: number;
  /** Size of the last payload sent, in UTF-8 bytes. */
  bytes: number | null;
  /** Messages the digest took (the generic webhook sends a large one in parts; 0 when nothing was to be sent), and those the target accepted. */
  parts: number;
  partsSent: number;
  reason: string | null;
  /** The digest sent was marked as a possible repeat (dedup off, or an earlier delivery's outcome is unknown). */
  possibleRepeat: boolean;
}

export interface UndeliveredTarget {
  label: string;
  kind: TargetKind;
  status: 'failed' | 'pending' | 'interrupted';
  reason: string;
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
  /** Every target delivered or had nothing to say, the state was read and written, and the run was not interrupted. */
  complete: boolean;
  interrupted: boolean;
  /** off: the state could not be read, so this run's open findings went out as possible repeats (docs/notifications.md). */
  dedup: 'on' | 'off';
  undelivered: UndeliveredTarget[];
  /** One line each (state unavailable or not saved, a target not delivered, the interruption): a non-empty list is an incomplete run. */
  problems: string[];
  state: {
    location: string;
    loaded: boolean;
    saved: boolean;
    /** Recoveries (state missing or corrupt and moved aside): shown in every format, not problems by themselves. */
    warnings: string[];
    /** The state problems joined, or null. */
    error: string | null;
  };
}
