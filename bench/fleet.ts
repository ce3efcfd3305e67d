// `slb-doctor bench [--lbs N] [--json]` (`npm run bench`): a fleet audit in the sandbox, end to end. For each fleet
// size it generates a scenario (bench/scenario.ts), starts the sandbox stack (SLB/ECS/FC/OSS emulators, the fault zoo,
// SLB's own checker), waits for SLB's verdicts, fires the audit function's timer through the FC emulator (the audit
// fans out to one probe function per VPC) and measures: wall time against the scenario's lower bound
// (bench/lower-bound.ts), API calls per action against the minimum the data needs, throttled replies, probes sent,
// the auditor's peak RSS and the diagnosis accuracy against the planted faults. Targets are reported, not asserted.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { EXIT, type CliIo } from '../lib/cli/io';
import { parseFlags, parsePositiveInt, wantsHelp } from '../lib/cli/args';
import type { AuditInvocationResult } from '../lib/audit/invocation-result';
import { readEnv } from '../lib/config/env';
import { MAX_FANOUT_CONCURRENCY } from '../lib/fanout/fc-executor';
import { DEFAULT_INVENTORY_CONCURRENCY } from '../lib/inventory/collect';
import { FINDING_CODES } from '../lib/model';
import type { ApiStats } from '../lib/sandbox/cloud';
import type { Scenario } from '../lib/sandbox/scenario/types';
import { PROBE_INSTANCE_CONCURRENCY, SERVICE_NAME, startSandboxStack, type SandboxStack } from '../lib/sandbox/stack';
import { startWebhookSinks, type WebhookSinks } from '../lib/sandbox/webhooks';
import { UserFacingError, errorMessage } from '../lib/util/errors';
import { findingsFromDigests, scoreAccuracy } from './accuracy';
import { lowerBound } from './lower-bound';
import { formatReport, type ActionFigures, type BenchReport, type FleetRow } from './report';
import { runAlarmRow } from './alarm';
import { functionPeakRssBytes } from './rss';
import { measureSideBySide, measureSweep } from './sweep';
import { DEFAULT_SEED, MAX_FLEET_LOAD_BALANCERS, generateFleetScenario } from './scenario';

export const DEFAULT_FLEET_SIZES: readonly number[] = [100, 1000, 3000];
/** The fleet whose healthy backends the default run sweeps (--all). */
export const SWEEP_FLEET_SIZE = 3000;
/** FC 2.0's longest function timeout: the benchmark measures the whole audit, so it must not be cut short. */
export const BENCH_AUDIT_TIMEOUT_SECONDS = 600;
/** The memory the deploy template gives the audit function. */
export const AUDITOR_MEMORY_MB = 256;
const SETTLE_LIMIT_MS = 5 * 60_000;

/** With --on-host every unhealthy ECS backend runs the host script with bash on this machine: one fleet, 100 LBs. */
export const DEFAULT_ON_HOST_FLEET_SIZES: readonly number[] = [100];

const HELP = `usage: slb-doctor bench [--lbs N] [--all] [--alarm] [--json] [--seed N] [--functions DIR] [--batch-size N] [--fanout-concurrency N] [--on-host]

Benchmarks a fleet audit in the sandbox: the audit function runs in the FC emulator and fans out to one probe
function per VPC, against a generated fleet (5 VPCs, ~3 listeners and ~10 backends per load balancer, 5 % of them
unhealthy with faults from the whole zoo). Prints wall time against the scenario's lower bound (and the term that
binds), API calls per action against the minimum, throttled replies, probes, the most connections any backend saw,
the auditor's peak RSS and the diagnosis accuracy. Without --lbs it also measures the time from a CloudMonitor alarm
to the DingTalk notice, and the --all sweep of the ${SWEEP_FLEET_SIZE}-LB fleet in probes per CPU-second, side by side
with blackbox_exporter when it is installed.
  --lbs N           one fleet of N load balancers (1-${MAX_FLEET_LOAD_BALANCERS}); default: ${DEFAULT_FLEET_SIZES.join(', ')}
  --all             with --lbs: also sweep that fleet's healthy backends (--all audit) and measure probes per CPU-second
  --alarm           only the alarm-to-notice measurement
  --json            one JSON document instead of the table
  --seed N          the scenario generator's seed (default ${DEFAULT_SEED})
  --functions DIR   the built function bundles (default dist/fc; 'npm run build' makes them)
  --batch-size N            probe jobs per probe-function invocation (SLB_DOCTOR_PROBE_BATCH_SIZE; default its default)
  --fanout-concurrency N    probe-function invocations in flight (SLB_DOCTOR_FANOUT_CONCURRENCY; default its default)
  --on-host         also run the host script through Cloud Assistant (SLB_DOCTOR_ON_HOST=true) and report its extra
                    API calls and time; default fleet ${DEFAULT_ON_HOST_FLEET_SIZES.join(', ')} LBs (the sandbox runs every script with bash here)
`;

type Progress = (line: string) => void;

/** The fan-out settings the audit function gets (the product's defaults unless overridden); the bound never uses them. */
function concurrencySettings(overrides: Record<string, string>): BenchReport['settings'] {
  const setting = (name: 'SLB_DOCTOR_PROBE_BATCH_SIZE' | 'SLB_DOCTOR_FANOUT_CONCURRENCY' | 'SLB_DOCTOR_PROBE_CONCURRENCY'): number => Number(readEnv(name, overrides));
  return {
    apiConcurrency: DEFAULT_INVENTORY_CONCURRENCY,
    batchSize: setting('SLB_DOCTOR_PROBE_BATCH_SIZE'),
    fanoutConcurrency: setting('SLB_DOCTOR_FANOUT_CONCURRENCY'),
    probeConcurrency: setting('SLB_DOCTOR_PROBE_CONCURRENCY'),
    probeInstanceConcurrency: PROBE_INSTANCE_CONCURRENCY,
    auditorMemoryMB: AUDITOR_MEMORY_MB,
  };
}

/** One generic-webhook target per finding code, so that no digest comes near the 1 MiB payload limit. */
function notifyTargetsFor(sinks: WebhookSinks): string {
  return JSON.stringify(
    FINDING_CODES.map((code) => ({
      name: `bench-${code.toLowerCase()}`,
      kind: 'webhook',
      url: `${sinks.urls.webhook}/${code.toLowerCase()}`,
      ...(sinks.secrets.webhook ? { secret: sinks.secrets.webhook } : {}),
      minSeverity: 'info',
      match: { codes: [code] },
    })),
  );
}

/** How long SLB's checker may take to reach a verdict everywhere: the slowest interval, thresholds plus one, and slack. */
function settleBudgetMs(scenario: Scenario): number {
  const scale = scenario.healthChecker?.intervalScale ?? 1;
  let worst = 0;
  for (const lb of scenario.loadBalancers) {
    for (const listener of lb.Listeners) {
      const check = listener.healthCheck ?? {};
      const rounds = Math.max(check.HealthyThreshold ?? 3, check.UnhealthyThreshold ?? 3) + 2;
      worst = Math.max(worst, (check.HealthCheckInterval ?? 5) * 1000 * scale * rounds);
    }
  }
  return Math.min(SETTLE_LIMIT_MS, worst + 30_000);
}

function checkerDisagreements(stack: SandboxStack): number {
  const planted = stack.cloud.scenario.expectedFindings ?? {};
  let disagreements = 0;
  for (const key of stack.cloud.checker.keys()) {
    const status = stack.cloud.checker.status(key);
    if (status !== (planted[key] === undefined ? 'normal' : 'abnormal')) disagreements++;
  }
  return disagreements;
}

function parseResult(text: string | null): AuditInvocationResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    throw new UserFacingError(`the audit function returned something that is not its JSON result: ${String(text).slice(0, 200)}`, 'BENCH_FAILED');
  }
  const result = parsed as Partial<AuditInvocationResult> | null;
  if (!result || !Array.isArray(result.covered) || !Array.isArray(result.uncovered) || typeof result.probesSent !== 'number') {
    throw new UserFacingError(`the audit function's result lacks covered/uncovered/probesSent: ${String(text).slice(0, 200)}`, 'BENCH_FAILED');
  }
  return result as AuditInvocationResult;
}

/** Inventory, probing and the rest, from the audit's progress lines (timestamped as they arrive). */
function phasesOf(lines: readonly { at: number; line: string }[], startedAt: number | null, finishedAt: number | null): FleetRow['phases'] {
  const when = (pattern: RegExp): number | undefined => lines.find((l) => pattern.test(l.line))?.at;
  const inventoryDone = when(/backend\(s\) to probe/);
  const probingDone = when(/probed \d+\/\d+ backend/);
  if (startedAt === null || finishedAt === null || inventoryDone === undefined || probingDone === undefined) return null;
  return { inventoryMs: inventoryDone - startedAt, probingMs: probingDone - inventoryDone, diagnoseAndNotifyMs: finishedAt - probingDone };
}

/** Calls per action as the API emulators counted them (retries included), next to the minimum and the throttled replies. */
function apiFigures(stats: ApiStats, minimum: Record<string, number>): Record<string, ActionFigures> {
  const figures: Record<string, ActionFigures> = {};
  for (const action of new Set([...Object.keys(stats.actions), ...Object.keys(minimum)])) {
    const counted = stats.actions[action];
    const throttled = Object.entries(counted?.errors ?? {}).reduce((n, [code, count]) => n + (code.startsWith('Throttling') ? count : 0), 0);
    figures[action] = { calls: counted?.calls ?? 0, minimum: minimum[action] ?? 0, throttled };
  }
  return figures;
}

/** Resolves with `work`, or rejects as soon as `interrupted` does (the caller then stops what is running). */
function unlessInterrupted<T>(work: Promise<T>, interrupted: Promise<never>): Promise<T> {
  return Promise.race([work, interrupted]);
}

export async function runFleetRow(
  loadBalancers: number,
  options: { seed: number; functionsDir: string; settings: BenchReport['settings']; auditEnv: Record<string, string>; interrupted: Promise<never>; sweep: boolean },
  progress: Progress,
): Promise<FleetRow> {
  const { scenario, shape } = generateFleetScenario({ loadBalancers, seed: options.seed });
  const bound = await lowerBound(scenario);
  progress(`${loadBalancers} LBs: ${shape.listeners} listeners, ${shape.backendEntries} backends, ${shape.unhealthyEntries} unhealthy, ${shape.endpoints} endpoints; lower bound ${(bound.ms / 1000).toFixed(1)} s (${bound.binding})`);

  const sinks = await startWebhookSinks({});
  const auditLines: { at: number; line: string }[] = [];
  let peakHeldByProber = 0;
  const starting = startSandboxStack(scenario, {
    functionsDir: options.functionsDir,
    auditTimeoutSeconds: BENCH_AUDIT_TIMEOUT_SECONDS,
    auditEnv: { ...options.auditEnv, SLB_DOCTOR_NOTIFY_TARGETS: notifyTargetsFor(sinks) },
    onFunctionLog: (fn, line) => {
      if (fn === 'audit') auditLines.push({ at: Date.now(), line });
      // Each probe instance's scheduler reports the most connections it held to one backend.
      const held = /at most (\d+) connection\(s\) to one backend/.exec(line);
      if (held) peakHeldByProber = Math.max(peakHeldByProber, Number(held[1]));
    },
  });
  let stack: SandboxStack | null = null;
  try {
    stack = await unlessInterrupted(starting, options.interrupted);
    const moved = stack.cloud.relocation;
    if (moved) progress(`${loadBalancers} LBs: ${moved.reason} (another sandbox?); serving the fleet at ${moved.blocks.map((b) => b.to).join(', ')} instead`);
    const settleStarted = Date.now();
    const settled = await unlessInterrupted(stack.cloud.checker.settled(settleBudgetMs(scenario)), options.interrupted);
    const settleMs = Date.now() - settleStarted;
    const disagreements = checkerDisagreements(stack);
    progress(`${loadBalancers} LBs: SLB's checker ${settled ? 'settled' : 'did not settle'} in ${(settleMs / 1000).toFixed(1)} s (${disagreements} disagreement(s) with the plan); firing the audit timer`);

    const requestId = stack.fc.fireTimer({ service: SERVICE_NAME, name: 'audit' }, { triggerName: 'bench' });
    const record = await unlessInterrupted(stack.fc.waitForAsync(requestId, (BENCH_AUDIT_TIMEOUT_SECONDS + 60) * 1000), options.interrupted);
    if (record.status !== 'succeeded') {
      const logs = stack.fc.logs({ service: SERVICE_NAME, name: 'audit' }).slice(-15).join('\n');
      throw new UserFacingError(`the audit of ${loadBalancers} LBs failed: ${record.error?.errorType ?? ''} ${record.error?.errorMessage ?? ''}\n${logs}`, 'BENCH_FAILED');
    }
    const result = parseResult(record.result);
    const wallMs = (record.finishedAt ?? Date.now()) - record.enqueuedAt;
    const probeFunctions = new Set(Object.values(stack.probeFunctions));
    const peakRssBytes = { audit: functionPeakRssBytes((name) => name === 'audit'), probe: functionPeakRssBytes((name) => probeFunctions.has(name)) };
    const apiCalls = apiFigures(stack.cloud.apiStats(), bound.minimumCalls);
    const delivered = findingsFromDigests(sinks.received('webhook').map((message) => message.body));
    const uncovered = new Set(result.uncovered.map((u) => u.loadBalancerId));
    // The planted faults where the sandbox serves them (moved when another sandbox holds the scenario's addresses).
    const accuracy = scoreAccuracy(stack.cloud.scenario.expectedFindings ?? {}, delivered.findings, uncovered);
    const modelMismatches: Record<string, number> = {};
    for (const cost of bound.probe.costs) {
      if (cost.predictedCode === cost.plantedCode) continue;
      const key = `${cost.behaviour ?? 'nothing'}: ${cost.plantedCode} → ${cost.predictedCode ?? 'none'}`;
      modelMismatches[key] = (modelMismatches[key] ?? 0) + 1;
    }
    const { costs: _costs, ...probeBound } = bound.probe;
    const row: FleetRow = {
      shape,
      wallMs,
      phases: phasesOf(auditLines, record.startedAt, record.finishedAt),
      lowerBound: { ...bound, probe: probeBound },
      ratio: wallMs / bound.ms,
      peakConnectionsPerBackend: peakHeldByProber,
      peakConnectionsSeenByBackend: await stack.cloud.peakProbeConnectionsToOneBackend(),
      apiCalls,
      apiCallsTotal: Object.values(apiCalls).reduce((n, a) => n + a.calls, 0),
      apiMinimumTotal: Object.values(bound.minimumCalls).reduce((n, c) => n + c, 0),
      throttled: Object.values(apiCalls).reduce((n, a) => n + a.throttled, 0),
      throttlingInResult:
        result.uncovered.filter((u) => /throttl/i.test(u.reason)).length + delivered.findings.filter((f) => /throttl/i.test(f.cause)).length,
      probesSent: result.probesSent,
      probesModelled: bound.probe.probes,
      peakRssBytes,
      accuracy,
      modelMismatches,
      covered: result.covered.length,
      uncovered: result.uncovered.length,
      checkerDisagreements: disagreements,
      settleMs,
      loadAverage: loadavg()[0] ?? 0,
      notices: { digests: delivered.digests, parts: delivered.parts, omitted: delivered.omitted, delivered: delivered.findings.length },
      fanout: result.fanout,
      sweep: null,
      onHost: result.onHost ?? null,
    };
    progress(`${loadBalancers} LBs: audit took ${(wallMs / 1000).toFixed(1)} s (${row.ratio.toFixed(2)}× the bound), ${row.apiCallsTotal} API calls, ${row.probesSent} probes, accuracy ${accuracy.correct}/${accuracy.planted}`);
    if (options.sweep) {
      progress(`${loadBalancers} LBs: sweeping every healthy backend too (--all)`);
      row.sweep = await measureSweep(stack, loadBalancers, (BENCH_AUDIT_TIMEOUT_SECONDS + 60) * 1000, options.interrupted);
      progress(`${loadBalancers} LBs: the sweep sent ${row.sweep.probes} probes in ${(row.sweep.wallMs / 1000).toFixed(1)} s, ${row.sweep.probesPerProbeCpuSecond?.toFixed(0) ?? 'n/a'} per CPU-second of the probe instances`);
    }
    return row;
  } finally {
    // Interrupted while starting: the stack may still come up, and must then be stopped too.
    const started = stack ?? (await starting.catch(() => null));
    await started?.stop();
    await sinks.stop();
  }
}

function machine(): BenchReport['machine'] {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** A promise that rejects at the first SIGINT/SIGTERM, and a function that stops listening. */
function interruption(): { interrupted: Promise<never>; dispose: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = (signal) => reject(new UserFacingError(`interrupted by ${signal}; the sandbox was stopped`, 'INTERRUPTED'));
  });
  // Nobody may be racing it when the signal comes: never let that surface as an unhandled rejection.
  interrupted.catch(() => undefined);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    interrupted,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export async function runBenchCommand(argv: string[], io: CliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const { values } = parseFlags('bench', argv, {
    lbs: { type: 'string' },
    json: { type: 'boolean' },
    seed: { type: 'string' },
    functions: { type: 'string' },
    'batch-size': { type: 'string' },
    'fanout-concurrency': { type: 'string' },
    all: { type: 'boolean' },
    alarm: { type: 'boolean' },
    'on-host': { type: 'boolean' },
  });
  const onHost = values['on-host'] ?? false;
  // The default run measures everything; --lbs, --alarm and --on-host each measure what they name.
  const everything = values.lbs === undefined && !values.alarm && !onHost;
  const defaultSizes = onHost ? DEFAULT_ON_HOST_FLEET_SIZES : DEFAULT_FLEET_SIZES;
  const sizes = values.alarm ? [] : values.lbs === undefined ? defaultSizes : [parsePositiveInt('lbs', values.lbs, 1, MAX_FLEET_LOAD_BALANCERS)];
  const sweeps = (size: number): boolean => (everything ? size === SWEEP_FLEET_SIZE : values.all === true);
  const seed = parsePositiveInt('seed', values.seed, DEFAULT_SEED, 2 ** 32 - 1);
  const functionsDir = values.functions ?? join(process.cwd(), 'dist', 'fc');
  const auditEnv: Record<string, string> = {};
  if (values['batch-size'] !== undefined) auditEnv.SLB_DOCTOR_PROBE_BATCH_SIZE = String(parsePositiveInt('batch-size', values['batch-size'], 1, 50));
  if (values['fanout-concurrency'] !== undefined) auditEnv.SLB_DOCTOR_FANOUT_CONCURRENCY = String(parsePositiveInt('fanout-concurrency', values['fanout-concurrency'], 1, MAX_FANOUT_CONCURRENCY));
  if (onHost) auditEnv.SLB_DOCTOR_ON_HOST = 'true';
  const settings = concurrencySettings(auditEnv);
  const report: BenchReport = { command: `slb-doctor bench ${argv.join(' ')}`.trim(), machine: machine(), seed, settings, rows: [], alarm: null, sideBySide: null };
  const progress: Progress = (line) => io.stderr(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

  const { interrupted, dispose } = interruption();
  try {
    for (const size of sizes) {
      try {
        report.rows.push(await runFleetRow(size, { seed, functionsDir, settings, auditEnv, interrupted, sweep: sweeps(size) }, progress));
      } catch (err) {
        if (err instanceof UserFacingError) throw err;
        throw new UserFacingError(`the ${size}-LB run failed: ${errorMessage(err)}`, 'BENCH_FAILED', { cause: err });
      }
    }
    if (everything || values.alarm) report.alarm = await runAlarmRow({ functionsDir, interrupted }, progress);
    if (report.rows.some((row) => row.sweep !== null)) report.sideBySide = await measureSideBySide(progress);
  } finally {
    dispose();
  }
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return EXIT.ok;
}
