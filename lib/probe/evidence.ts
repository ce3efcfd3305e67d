// Data-plane evidence for one backend: replay SLB's exact check first, then only the variants that can change the
// verdict (GET vs HEAD, Host, path, an extended wait, TLS, repeats). Needs no cloud access: it also runs inside the
// VPC probe function.
import type { DataPlaneEvidence, HttpProbeRequest, LabelledProbe, ProbeJob, ProbeOutcome, ProbeRequest, ProbeResult, VariantLabel } from '../model';
import type { ProbeScheduler, ReplayHandle } from './scheduler';
import { systemClock, type Clock } from '../util/clock';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import { PAUSE_GRID_MS, pauseOnGrid } from './pauses';

/** The User-Agent SLB sends when a TCP/UDP listener uses an HTTP check. */
export const L4_HTTP_CHECK_USER_AGENT = 'KeepAliveClient';
/** A common browser User-Agent, for the variant that tells "refused without a User-Agent" from "forbidden for all". */
export const COMMON_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

export interface EvidenceOptions {
  /** Extra replays to detect intermittency (default 3). */
  repeats?: number;
  /** Pause between repeats (default 200 ms; rounded up to the pause grid, pauses.ts). */
  repeatIntervalMs?: number;
  /** The grid pauses end on (default PAUSE_GRID_MS; 0: each pause exactly repeatIntervalMs). */
  pauseGridMs?: number;
  /** Upper bound of the extended wait, which is 3× the check timeout (default 30 s). */
  maxExtendedWaitMs?: number;
  clock?: Clock;
}

/** The pause before each repeat of a fast failure. */
export const DEFAULT_REPEAT_INTERVAL_MS = 200;
const DEFAULTS = { repeats: 3, repeatIntervalMs: DEFAULT_REPEAT_INTERVAL_MS, pauseGridMs: PAUSE_GRID_MS, maxExtendedWaitMs: 30_000 };

// Failures that come back fast: repeating them is cheap and tells a steady fault from an intermittent one.
// Timeouts are not repeated (each repeat would cost a whole timeout); the extended wait covers them.
const FAST_FAILURES: ReadonlySet<ProbeOutcome> = new Set<ProbeOutcome>([
  'refused',
  'reset',
  'closed_no_response',
  'malformed_response',
  'status_not_accepted',
  'udp_port_unreachable',
  'udp_unexpected_reply',
]);

/** SLB's check for this job as a probe request. */
export function replayRequest(job: ProbeJob): ProbeRequest {
  const target = { ip: job.ip, port: job.checkPort, timeoutMs: job.timeoutMs };
  switch (job.checkType) {
    case 'tcp':
      return { kind: 'tcp', ...target };
    case 'udp':
      return { kind: 'udp', ...target, payload: job.udpRequest, expect: job.udpExpect };
    case 'http': {
      const request: HttpProbeRequest = { kind: 'http', ...target, method: job.method, uri: job.uri, httpVersion: job.httpVersion, host: job.host, acceptedCodes: job.acceptedCodes };
      const l4Listener = job.listenerProtocol === 'tcp' || job.listenerProtocol === 'udp';
      return l4Listener ? { ...request, userAgent: L4_HTTP_CHECK_USER_AGENT } : request;
    }
  }
}

/** 3× the check timeout, capped; 0 when the cap leaves nothing beyond the timeout itself. */
export function extendedWaitMs(timeoutMs: number, maxExtendedWaitMs = DEFAULTS.maxExtendedWaitMs): number {
  const extended = Math.min(3 * timeoutMs, maxExtendedWaitMs);
  return extended > timeoutMs ? extended : 0;
}

/** Probing time one job may use: the slowest useful path (replay, GET and the extended wait all time out). */
export function evidenceBudgetMs(timeoutMs: number, maxExtendedWaitMs = DEFAULTS.maxExtendedWaitMs): number {
  return 2 * timeoutMs + extendedWaitMs(timeoutMs, maxExtendedWaitMs);
}

// Timer latency and repeat pauses: a variant may start when the budget is exceeded by no more than this.
const BUDGET_SLACK_MS = 1_000;

/** The longest collectEvidence can take for a job, pauses and scheduling slack included (deadline planning uses it). */
export function worstCaseEvidenceMs(timeoutMs: number, maxExtendedWaitMs = DEFAULTS.maxExtendedWaitMs): number {
  return evidenceBudgetMs(timeoutMs, maxExtendedWaitMs) + BUDGET_SLACK_MS;
}

/** Evidence for a job that could not be probed at all (e.g. NO_PROBER_FOR_VPC from a fan-out executor). */
export function errorEvidence(job: ProbeJob, code: string, message: string, clock: Clock = systemClock): DataPlaneEvidence {
  const replay: ProbeResult = {
    request: replayRequest(job),
    outcome: 'error',
    requestLine: null,
    statusCode: null,
    statusLine: null,
    location: null,
    bytesRead: 0,
    timings: { connectMs: null, firstByteMs: null, totalMs: 0 },
    detail: message,
  };
  return { jobId: job.id, target: job.target, replay, variants: [], startedAt: new Date(clock.now()).toISOString(), durationMs: 0, error: { code, message } };
}

export async function collectEvidence(job: ProbeJob, scheduler: ProbeScheduler, options: EvidenceOptions = {}): Promise<DataPlaneEvidence> {
  const clock = options.clock ?? systemClock;
  const maxExtendedWaitMs = options.maxExtendedWaitMs ?? DEFAULTS.maxExtendedWaitMs;
  const startedAt = new Date(clock.now()).toISOString();
  const started = performance.now();
  const variants: LabelledProbe[] = [];
  let held: ReplayHandle | null = null;
  try {
    // An HTTP replay keeps waiting past the check's timeout, so that it is the extended wait too if one is needed.
    const request = replayRequest(job);
    held = await scheduler.runReplay(request, request.kind === 'http' ? extendedWaitMs(job.timeoutMs, maxExtendedWaitMs) : 0);
    const replay = held.result;
    // A passing replay is the whole evidence unless SLB disagrees (the sweep's healthy backends: nearly every job), so
    // the variants' machinery is set up only for the jobs that need it.
    if (replay.outcome !== 'ok' || repeatsWhenPassing(job)) await collectVariants(job, held, scheduler, { ...DEFAULTS, ...options, clock }, variants);
    return { jobId: job.id, target: job.target, replay, variants, startedAt, durationMs: Math.round(performance.now() - started), error: null };
  } catch (err) {
    return { ...errorEvidence(job, 'PROBE_FAILED', errorMessage(err), clock), variants, startedAt };
  } finally {
    // The extended wait was not needed (or is over): its connection closes now.
    held?.release();
  }
}

/** The variants that can change the verdict after `held`'s replay, appended to `variants` as they finish. */
async function collectVariants(
  job: ProbeJob,
  held: ReplayHandle,
  scheduler: ProbeScheduler,
  settings: typeof DEFAULTS & { clock: Clock },
  variants: LabelledProbe[],
): Promise<void> {
  const replay = held.result;
  // Time spent probing (not queueing), so that no backend, however odd, holds a job beyond its budget.
  const budgetMs = worstCaseEvidenceMs(job.timeoutMs, settings.maxExtendedWaitMs);
  let spentMs = replay.timings.totalMs;
  // Concurrent jobs' pauses end together on the pause grid, so their repeats share the instance's wake-ups.
  const pause = async (ms: number): Promise<void> => {
    spentMs += await pauseOnGrid(settings.clock, ms, settings.pauseGridMs);
  };
  const probe = async (label: VariantLabel, request: ProbeRequest): Promise<ProbeResult | null> => {
    if (spentMs + request.timeoutMs > budgetMs) return null;
    const result = await scheduler.run(request);
    spentMs += result.timings.totalMs;
    variants.push({ label, result });
    return result;
  };
  const extendedWait = async (extendedMs: number): Promise<void> => {
    if (spentMs + extendedMs > budgetMs) return;
    const result = await held.extend();
    if (result === null) return;
    spentMs += result.timings.totalMs;
    variants.push({ label: 'extended-wait', result });
  };
  await runVariants(job, replay, probe, pause, settings, extendedWait);
}

/** SLB says abnormal, we say fine: repeats tell a host firewall against SLB's source (all pass) from flapping. */
function repeatsWhenPassing(job: ProbeJob): boolean {
  return !job.sweep && job.slbStatus === 'abnormal';
}

/** Runs one variant; null when the job's probing budget has no room left for it. */
type Probe = (label: VariantLabel, request: ProbeRequest) => Promise<ProbeResult | null>;

async function runVariants(
  job: ProbeJob,
  replay: ProbeResult,
  probe: Probe,
  pause: (ms: number) => Promise<void>,
  settings: typeof DEFAULTS,
  extendedWait: (extendedMs: number) => Promise<void>,
): Promise<void> {
  const base = replay.request;
  const passed = replay.outcome === 'ok';
  // Every repeat runs: one disagreement proves intermittency, and the whole sequence tells a rate limit (refusals
  // in bursts) and a dead round-robin member (alternating answers) from random failures. Fast checks only.
  const repeatUntilDisagreement = async (): Promise<boolean> => {
    let disagreed = false;
    for (let i = 1; i <= settings.repeats; i++) {
      await pause(settings.repeatIntervalMs);
      const repeat = await probe(`repeat-${i}`, base);
      if (repeat === null) return disagreed;
      if ((repeat.outcome === 'ok') !== passed) disagreed = true;
    }
    return disagreed;
  };

  // A passing replay comes here only when its repeats are due (repeatsWhenPassing).
  if (passed) {
    await repeatUntilDisagreement();
    return;
  }
  if (FAST_FAILURES.has(replay.outcome) && (await repeatUntilDisagreement())) return;
  if (base.kind !== 'http') return;

  const tls = (): Promise<ProbeResult | null> => probe('tls-handshake', { kind: 'tls', ip: base.ip, port: base.port, timeoutMs: base.timeoutMs, serverName: job.domain });
  const getWorks = async (): Promise<boolean> => base.method === 'HEAD' && (await probe('get', { ...base, method: 'GET' }))?.outcome === 'ok';
  const hostVariantWorks = async (): Promise<boolean> => {
    const candidates: Array<[VariantLabel, HttpProbeRequest]> = [];
    if (job.domain !== null) candidates.push(['http11-domain-host', { ...base, httpVersion: '1.1', host: job.domain }]);
    candidates.push(['http11-ip-host', { ...base, httpVersion: '1.1', host: job.ip }]);
    if (base.host !== null) candidates.push(['no-host', { ...base, host: null }]);
    for (const [label, request] of candidates) {
      if (request.httpVersion === base.httpVersion && request.host === base.host) continue; // the replay itself
      if ((await probe(label, request))?.outcome === 'ok') return true;
    }
    return false;
  };

  switch (replay.outcome) {
    case 'tls_on_plain_port':
      await tls(); // confirms, and names the certificate
      return;
    case 'reset':
    case 'closed_no_response':
      if ((await tls())?.outcome === 'ok') return;
      if (await getWorks()) return;
      await hostVariantWorks();
      return;
    case 'response_timeout': {
      // The GET runs while the replay's own connection waits on: the two cannot disturb each other.
      if (await getWorks()) return;
      const extended = extendedWaitMs(job.timeoutMs, settings.maxExtendedWaitMs);
      if (extended > 0) await extendedWait(extended);
      return;
    }
    case 'status_not_accepted':
      // nginx and Apache answer plain HTTP on a TLS port with 400 ("The plain HTTP request was sent to HTTPS port").
      if (replay.statusCode === 400 && (await tls())?.outcome === 'ok') return;
      if (await getWorks()) return;
      if (await hostVariantWorks()) return;
      if ((replay.statusCode === 404 || replay.statusCode === 410) && base.uri !== '/') await probe('root-path', { ...base, uri: '/' });
      // Refused without a User-Agent (SLB's HTTP/HTTPS checks send none), or forbidden for everyone?
      if ((replay.statusCode === 401 || replay.statusCode === 403) && base.userAgent === undefined) await probe('user-agent', { ...base, userAgent: COMMON_USER_AGENT });
      return;
    case 'error':
      await probe('tcp-connect', { kind: 'tcp', ip: base.ip, port: base.port, timeoutMs: base.timeoutMs });
      return;
    default:
      // refused, connect_timeout, malformed_response: the replay and its repeats already decide.
      return;
  }
}

export interface FleetEvidenceOptions extends EvidenceOptions {
  /** Jobs not started by this epoch ms are left out, so the caller can report them as not covered. */
  deadlineAt?: number | null;
}

/** Evidence for many jobs with the scheduler's concurrency; results keep the order of `jobs` minus those left out. */
export async function collectEvidenceForJobs(jobs: readonly ProbeJob[], scheduler: ProbeScheduler, options: FleetEvidenceOptions = {}): Promise<DataPlaneEvidence[]> {
  const clock = options.clock ?? systemClock;
  const results = await mapLimit(jobs, scheduler.concurrency, async (job) => {
    if (options.deadlineAt != null && clock.now() >= options.deadlineAt) return null;
    return collectEvidence(job, scheduler, options);
  });
  return results.filter((e): e is DataPlaneEvidence => e !== null);
}
