// The benchmark's text report: one table row per fleet size, then what each row is made of, then the growth.
import type { AuditInvocationResult } from '../lib/audit/invocation-result';
import type { Accuracy } from './accuracy';
import type { LowerBound } from './lower-bound';
import type { FleetShape } from './scenario';

export interface ActionFigures {
  calls: number;
  minimum: number;
  throttled: number;
}

export interface FleetRow {
  shape: FleetShape;
  /** Timer fired → the audit function returned (cold start included). */
  wallMs: number;
  /** From the audit's progress lines; null when they could not be read. */
  phases: { inventoryMs: number; probingMs: number; diagnoseAndNotifyMs: number } | null;
  lowerBound: Omit<LowerBound, 'probe'> & { probe: Omit<LowerBound['probe'], 'costs'> };
  ratio: number;
  apiCalls: Record<string, ActionFigures>;
  apiCallsTotal: number;
  apiMinimumTotal: number;
  throttled: number;
  /** Uncovered load balancers and findings whose reason is throttling: must be 0. */
  throttlingInResult: number;
  probesSent: number;
  /** Probes the diagnosis needs by the fault model (the lower bound's). */
  probesModelled: number;
  peakRssBytes: { audit: number | null; probe: number | null };
  accuracy: Accuracy;
  /** Planted faults whose modelled evidence the product interprets as another code. */
  modelMismatches: Record<string, number>;
  covered: number;
  uncovered: number;
  /** Backend entries where SLB's checker disagreed with the plan when the audit started (0 expected). */
  checkerDisagreements: number;
  settleMs: number;
  /** The machine's 1-minute load average when the audit finished (other work on the 2 cores skews the figures). */
  loadAverage: number;
  notices: { digests: number; omitted: number; delivered: number };
  fanout: AuditInvocationResult['fanout'];
  /** The on-host phase (--on-host): instances, Cloud Assistant calls per action, its time; null when off. */
  onHost: NonNullable<AuditInvocationResult['onHost']> | null;
}

export interface BenchReport {
  command: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  seed: number;
  settings: { apiConcurrency: number; jobConcurrency: number; batchSize: number; fanoutConcurrency: number; probeConcurrency: number; auditorMemoryMB: number };
  rows: FleetRow[];
}

const MB = 1024 * 1024;
/** The issue's targets, reported next to the figures (never asserted). */
const TARGETS = { wallRatio: 1.3, apiCallRatio: 1.1, peakRssMB: 256, accuracy: 1 } as const;

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function megabytes(bytes: number | null): string {
  return bytes === null ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`;
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function mark(ok: boolean): string {
  return ok ? '' : ' !';
}

function summaryRows(report: BenchReport): string[][] {
  const rows = [['LBs', 'listeners', 'backends', 'unhealthy', 'wall s', 'bound s', 'ratio', 'API calls', 'min', 'ratio', 'throttled', 'probes', 'peak RSS', 'accuracy']];
  for (const row of report.rows) {
    const apiRatio = row.apiCallsTotal / Math.max(1, row.apiMinimumTotal);
    rows.push([
      String(row.shape.loadBalancers),
      String(row.shape.listeners),
      String(row.shape.backendEntries),
      String(row.shape.unhealthyEntries),
      seconds(row.wallMs),
      seconds(row.lowerBound.ms),
      `${row.ratio.toFixed(2)}${mark(row.ratio <= TARGETS.wallRatio)}`,
      String(row.apiCallsTotal),
      String(row.apiMinimumTotal),
      `${apiRatio.toFixed(2)}${mark(apiRatio <= TARGETS.apiCallRatio)}`,
      `${row.throttled}${row.throttlingInResult > 0 ? ` (${row.throttlingInResult} in result !)` : ''}`,
      String(row.probesSent),
      `${megabytes(row.peakRssBytes.audit)}${mark(row.peakRssBytes.audit === null || row.peakRssBytes.audit <= TARGETS.peakRssMB * MB)}`,
      `${(row.accuracy.ratio * 100).toFixed(1)} %${mark(row.accuracy.ratio >= TARGETS.accuracy)}`,
    ]);
  }
  return rows;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ×${n}`).join(', ');
}

function rowDetail(row: FleetRow, settings: BenchReport['settings']): string {
  const lb = row.lowerBound;
  const lines = [`${row.shape.loadBalancers} LBs (${row.shape.endpoints} endpoints, ${row.shape.instances} instances, ${row.shape.vServerGroups} VServer groups):`];
  lines.push(
    `  API calls per action (made / minimum / throttled): ${Object.entries(row.apiCalls)
      .map(([action, a]) => `${action} ${a.calls}/${a.minimum}/${a.throttled}`)
      .join(', ')}`,
  );
  const apiTerm = lb.api.ms === lb.api.quotaMs ? `quota of ${lb.api.quotaAction}` : lb.api.ms === lb.api.throughputMs ? `${lb.api.calls} calls at ${lb.api.meanLatencyMs} ms, ${settings.apiConcurrency} in flight` : 'dependency chain';
  lines.push(
    `  lower bound ${seconds(lb.ms)} s = max(API ${seconds(lb.api.ms)} s [${apiTerm}], first job ${seconds(lb.firstJobMs)} s + probes ${seconds(lb.probe.ms)} s [${seconds(lb.probe.workMs)} s of work over ${lb.probe.jobConcurrency} jobs, longest ${seconds(lb.probe.longestJobMs)} s]) + ${seconds(lb.tailMs)} s; inventory-then-probe at best ${seconds(lb.serialMs)} s`,
  );
  if (row.phases) {
    lines.push(`  measured phases: inventory ${seconds(row.phases.inventoryMs)} s, probing ${seconds(row.phases.probingMs)} s, diagnosis + notification ${seconds(row.phases.diagnoseAndNotifyMs)} s`);
  }
  lines.push(
    `  probes ${row.probesSent} (model ${row.probesModelled}); fan-out ${row.fanout ? `${row.fanout.invocations} invocations (${row.fanout.retries} retried), ${row.fanout.batches} batches, ${row.fanout.leftOut} left out` : 'off'}; probe functions' peak RSS ${megabytes(row.peakRssBytes.probe)}`,
  );
  lines.push(
    `  coverage ${row.covered}/${row.covered + row.uncovered}; load average ${row.loadAverage.toFixed(1)}; SLB's checker settled in ${seconds(row.settleMs)} s with ${row.checkerDisagreements} disagreement(s); ${row.notices.delivered} findings in ${row.notices.digests} digests (${row.notices.omitted} omitted)`,
  );
  const a = row.accuracy;
  lines.push(
    `  accuracy ${a.correct}/${a.planted}; wrong code: ${counts(a.wrongCode)}; missing ${a.missing}; not covered ${a.notCovered}; unexpected findings: ${counts(a.unexpected)}`,
  );
  if (row.onHost) {
    const h = row.onHost;
    const calls = Object.entries(h.apiCalls).map(([action, n]) => `${action} ${n}`).join(', ') || 'none';
    lines.push(
      `  on-host: ${h.instances} instance(s), ${h.commanded} commanded in ${h.runCommandCalls} RunCommand call(s), ${h.pollRounds} poll round(s); extra API calls ${Object.values(h.apiCalls).reduce((n, c) => n + c, 0)} (${calls}); extra time ${seconds(h.elapsedMs)} s; refined ${h.refined}, confirmed ${h.confirmed}, disagreed ${h.disagreed}, unavailable ${h.unavailable}, still running ${h.stillRunning}`,
    );
  }
  if (Object.keys(row.modelMismatches).length > 0) lines.push(`  the diagnosis logic itself reads these planted faults as another code: ${counts(row.modelMismatches)}`);
  return lines.join('\n');
}

function growth(report: BenchReport): string | null {
  const first = report.rows[0];
  const last = report.rows[report.rows.length - 1];
  if (!first || !last || first === last) return null;
  const factor = (f: (r: FleetRow) => number): string => (f(last) / Math.max(1e-9, f(first))).toFixed(1);
  const perLb = report.rows.map((r) => `${r.shape.loadBalancers}: ${(r.wallMs / r.shape.loadBalancers).toFixed(1)} ms, ${(r.apiCallsTotal / r.shape.loadBalancers).toFixed(2)} calls, ${(r.probesSent / Math.max(1, r.shape.unhealthyEntries)).toFixed(2)} probes/unhealthy`);
  return [
    `growth ${first.shape.loadBalancers} → ${last.shape.loadBalancers} LBs (×${factor((r) => r.shape.loadBalancers)}): wall ×${factor((r) => r.wallMs)}, bound ×${factor((r) => r.lowerBound.ms)}, API calls ×${factor((r) => r.apiCallsTotal)}, probes ×${factor((r) => r.probesSent)}, auditor RSS ×${factor((r) => r.peakRssBytes.audit ?? 0)}`,
    `per LB — ${perLb.join('; ')}`,
  ].join('\n');
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const s = report.settings;
  const parts = [
    `slb-doctor bench: fleet audit through the FC emulator with fan-out to one probe function per VPC (seed ${report.seed})`,
    `machine: ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.platform}; API concurrency ${s.apiConcurrency}; probe jobs in flight ${s.jobConcurrency} (${s.fanoutConcurrency} invocations × ${Math.min(s.batchSize, s.probeConcurrency)} jobs); auditor ${s.auditorMemoryMB} MB`,
    '',
    table(summaryRows(report)),
    `('!' marks a figure outside its target: wall ≤ ${TARGETS.wallRatio}× bound, API calls ≤ ${TARGETS.apiCallRatio}× minimum, RSS ≤ ${TARGETS.peakRssMB} MB, accuracy 100 %)`,
    '',
    ...report.rows.map((row) => rowDetail(row, s)),
  ];
  const growthText = growth(report);
  if (growthText) parts.push('', growthText);
  return `${parts.join('\n')}\n`;
}
