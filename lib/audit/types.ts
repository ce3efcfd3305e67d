// The contract of one audit run, shared by the CLI and functions/audit.
import type { Finding, InventoryFilter, NoticeFinding, ProbeExecutor } from '../model';
import type { EnvironmentAccessKey, StaticCredentials } from '../cloud';
import type { OnHostReport } from '../onhost';
import type { NotifyOptions, NotifyReport } from '../notify/types';
import type { Clock } from '../util/clock';

export interface AuditScope extends InventoryFilter {
  regionId: string;
  /** Also sweep healthy backends (TIMEOUT_RISK). */
  all?: boolean;
}

export interface AuditOptions {
  scope: AuditScope;
  /** FC context credentials; null → environment, then the @alicloud/credentials default chain. */
  credentials: StaticCredentials | null;
  endpoints: { slb?: string; ecs?: string; oss?: string };
  /** How probe jobs run; default: in this process. */
  executor?: ProbeExecutor;
  /** Notification config; null → findings are only returned. */
  notify: {
    targetsJson: string | null;
    targetsSource: string;
    stateUrl: string | null;
    /** Repeat interval, flap damping, silences; defaults from lib/notify. */
    options?: Partial<NotifyOptions>;
  } | null;
  /** Epoch ms by which the run must have returned (the FC function's own deadline); null = no deadline. */
  deadlineAt: number | null;
  /** The access key the entry point read from ALIBABA_CLOUD_* (used when `credentials` is null). */
  environmentCredentials?: EnvironmentAccessKey | null;
  clock?: Clock;
  /** Progress lines for long runs (stderr on a terminal, the log on FC). */
  onProgress?: (line: string) => void;
  /** Run the host script through Cloud Assistant on the backends host facts can explain (opt-in; lib/onhost). */
  onHost?: boolean;
}

/** `F`: the findings whole (the CLI's report), or as the notification reads them (the FC audit function). */
export interface AuditSummary<F extends NoticeFinding = Finding> {
  runId: string;
  regionId: string;
  startedAt: string;
  finishedAt: string;
  /** Load balancers whose every backend was examined. */
  covered: string[];
  /** Load balancers not (fully) examined, with the reason (deadline, inventory error). */
  uncovered: { loadBalancerId: string; reason: string }[];
  findings: F[];
  countsByCode: Record<string, number>;
  countsBySeverity: Record<string, number>;
  apiCalls: Record<string, number>;
  probesSent: number;
  /** The notification report, or null when notifications are off. */
  notify: NotifyReport | null;
  /** What the on-host phase did (instances, Cloud Assistant calls, refined/confirmed findings); absent when off. */
  onHost?: OnHostReport;
}
