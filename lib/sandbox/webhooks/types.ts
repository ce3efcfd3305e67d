// The chat webhook sinks of the sandbox: stand-ins for DingTalk, Slack, Feishu, WeCom and a generic webhook that
// check what the real services check and answer what they answer. Separate code: imports nothing from the product.

export type SinkKind = 'dingtalk' | 'slack' | 'feishu' | 'wecom' | 'webhook';

export interface SinkClock {
  now(): number;
}

export interface WebhookSinkOptions {
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  port?: number;
  /** For rate windows and lockouts (signature timestamps are always checked against the wall clock). */
  clock?: SinkClock;
  dingtalk?: {
    /** Signing secret; null = the robot is not signed. Default: a generated SEC… secret. */
    secret?: string | null;
    accessToken?: string;
    /** Keyword security: every message must contain it. */
    keyword?: string | null;
    perMinute?: number;
    windowMs?: number;
    /** How long the robot stays throttled after going over the rate (real: 10 minutes). */
    lockoutMs?: number;
    maxBytes?: number;
  };
  slack?: { token?: string; perSecond?: number; burst?: number };
  feishu?: { secret?: string | null; token?: string; perSecond?: number; perMinute?: number; maxBytes?: number };
  wecom?: { key?: string; perMinute?: number; windowMs?: number; maxMarkdownBytes?: number };
  webhook?: { secret?: string | null };
}

export interface RecordedMessage {
  kind: SinkKind;
  /** Sink clock ms. */
  at: number;
  accepted: boolean;
  status: number;
  /** What the sink answered (JSON text or Slack's plain string). */
  reply: string;
  /** Request body size in bytes. */
  bytes: number;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  query: Record<string, string>;
  headers: Record<string, string>;
}

export interface WebhookSinks {
  /** Ready-to-use webhook URLs (tokens included), one per channel. */
  urls: Record<SinkKind, string>;
  /** Secrets the product must be configured with (null when that channel is not signed). */
  secrets: { dingtalk: string | null; feishu: string | null; webhook: string | null };
  /** Accepted messages, oldest first (all channels when no kind is given). */
  received(kind?: SinkKind): RecordedMessage[];
  /** Every request, accepted or refused. */
  attempts(kind?: SinkKind): RecordedMessage[];
  /** The next `count` requests to `kind` fail with HTTP `status` (a service outage). */
  failNext(kind: SinkKind, count: number, status?: number): void;
  /** Accepted messages as a person would read them in the chat, as plain text. */
  transcript(kind?: SinkKind): string;
  stop(): Promise<void>;
}
