// The benchmark's text report: one table row per fleet size, then what each row is made of, then the growth.
import type { AuditInvocationResult } from '../lib/audit/invocation-result';
import type { Accuracy } from './accuracy';
import type { AlarmRow } from './alarm';
import type { LowerBound } from './lower-bound';
import type { SideBySide, SweepFigures } from './sweep';
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
  /** The most connections the product held open at once to any one backend (each probe instance's scheduler counts). */
  peakConnectionsPerBackend: number;
  /**
   * The same as the sandbox's servers counted it (accept to close). It can exceed the product's own count by one:
   * a server may accept the next connection before it has processed the close of the one before.
   */
  peakConnectionsSeenByBackend: number;
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
  notices: { digests: number; parts: number; omitted: number; delivered: number };
  fanout: AuditInvocationResult['fanout'];
  /** The --all sweep on this fleet, when it was measured. */
  sweep: SweepFigures | null;
  /** The on-host phase (--on-host): instances, Cloud Assistant calls per action, its time; null when off. */
  onHost: NonNullable<AuditInvocationResult['onHost']> | null;
}

export interface BenchReport {
  command: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  seed: number;
  settings: { apiConcurrency: number; batchSize: number; fanoutConcurrency: number; probeConcurrency: number; probeInstanceConcurrency: number; auditorMemoryMB: number };
  rows: FleetRow[];
  alarm: AlarmRow | null;
  sideBySide: SideBySide | null;
}

const MB = 1024 * 1024;
/** The issue's targets, reported next to the figures (never asserted). */
const TARGETS = { wallRatio: 1.3, apiCallRatio: 1.1, peakRssMB: 256, accuracy: 1, sweepPerCpuSecond: 2500, sweepOverBlackbox: 2.5 } as const;

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
  const rows = [['LBs', 'listeners', 'backends', 'unhealthy', 'wall s', 'bound s', 'ratio', 'binding term', 'API calls', 'min', 'ratio', 'throttled', 'probes', 'conn/backend', 'peak RSS', 'accuracy']];
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
      shortBinding(row.lowerBound.binding),
      String(row.apiCallsTotal),
      String(row.apiMinimumTotal),
      `${apiRatio.toFixed(2)}${mark(apiRatio <= TARGETS.apiCallRatio)}`,
      `${row.throttled}${row.throttlingInResult > 0 ? ` (${row.throttlingInResult} in result !)` : ''}`,
      String(row.probesSent),
      String(row.peakConnectionsPerBackend),
      `${megabytes(row.peakRssBytes.audit)}${mark(row.peakRssBytes.audit === null || row.peakRssBytes.audit <= TARGETS.peakRssMB * MB)}`,
      `${(row.accuracy.ratio * 100).toFixed(1)} %${mark(row.accuracy.ratio >= TARGETS.accuracy)}`,
    ]);
  }
  return rows;
}

/** The binding term's name without its figures (they are in the row's detail). */
function shortBinding(binding: string): string {
  return binding.replace(/\s*\(.*$/, '');
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ×${n}`).join(', ');
}

function rowDetail(row: FleetRow): string {
  const lb = row.lowerBound;
  const lines = [`${row.shape.loadBalancers} LBs (${row.shape.endpoints} endpoints, ${row.shape.instances} instances, ${row.shape.vServerGroups} VServer groups):`];
  lines.push(
    `  API calls per action (made / minimum / throttled): ${Object.entries(row.apiCalls)
      .map(([action, a]) => `${action} ${a.calls}/${a.minimum}/${a.throttled}`)
      .join(', ')}`,
  );
  const apiTerm = lb.api.quotaAction && lb.api.quotaMs >= lb.api.chainMs ? `quota of ${lb.api.quotaAction}` : 'dependency chain';
  const critical = lb.probe.criticalJob;
  lines.push(
    `  lower bound ${seconds(lb.ms)} s, bound by ${lb.binding}: max(API ${seconds(lb.api.ms)} s [${apiTerm}; ${lb.api.calls} calls at ${lb.api.meanLatencyMs} ms], probes ${seconds(lb.probe.ms)} s [${
      critical ? `${critical.behaviour ?? 'nothing'} chain ${seconds(critical.chainMs)} s from its LB's readiness at ${critical.readyMs.toFixed(0)} ms${critical.recheckMs > 0 ? ` + re-check ${seconds(critical.recheckMs)} s` : ''}` : 'none'
    }; longest chain ${seconds(lb.probe.longestChainMs)} s; ${seconds(lb.probe.workMs)} s of chains over ${lb.probe.capacity} at once = ${seconds(lb.probe.capacityMs)} s]) + notification ${lb.notifyMs} ms; ${lb.rechecks} re-check(s)`,
  );
  if (row.phases) {
    lines.push(`  measured phases: inventory ${seconds(row.phases.inventoryMs)} s, probing ${seconds(row.phases.probingMs)} s, diagnosis + notification ${seconds(row.phases.diagnoseAndNotifyMs)} s`);
  }
  lines.push(
    `  connections to one backend at most: ${row.peakConnectionsPerBackend} held by the probers, ${row.peakConnectionsSeenByBackend} as the backends counted them (accept to close)`,
  );
  lines.push(
    `  probes ${row.probesSent} (model ${row.probesModelled}); fan-out ${row.fanout ? `${row.fanout.invocations} invocations (${row.fanout.retries} retried), ${row.fanout.batches} batches, ${row.fanout.leftOut} left out` : 'off'}; probe functions' peak RSS ${megabytes(row.peakRssBytes.probe)}`,
  );
  lines.push(
    `  coverage ${row.covered}/${row.covered + row.uncovered}; load average ${row.loadAverage.toFixed(1)}; SLB's checker settled in ${seconds(row.settleMs)} s with ${row.checkerDisagreements} disagreement(s); ${row.notices.delivered} findings in ${row.notices.digests} digests of ${row.notices.parts} parts (${row.notices.omitted} omitted)`,
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

function alarmSection(alarm: AlarmRow): string {
  const correct = Object.entries(alarm.expected).filter(([backend, code]) => alarm.codes[backend] === code).length;
  const total = Object.keys(alarm.expected).length;
  return [
    `alarm to notice (CloudMonitor callback → alarm function → scoped audit → DingTalk sink; one listener, a hanging, a refused and a 404 backend):`,
    `  ${seconds(alarm.alarmToNoticeMs)} s, bound ${seconds(alarm.bound.ms)} s (${alarm.bound.binding}; scoped API ${seconds(alarm.bound.api.ms)} s, notification ${alarm.bound.notifyMs} ms), ratio ${alarm.ratio.toFixed(2)}${mark(alarm.ratio <= TARGETS.wallRatio)}; codes ${correct}/${total}: ${Object.entries(alarm.codes).map(([backend, code]) => `${backend} ${code}`).join(', ')}`,
  ].join('\n');
}

function sweepSection(sweep: SweepFigures, side: SideBySide | null): string {
  const perCpu = (n: number | null): string => (n === null ? 'n/a' : n.toFixed(0));
  const lines = [
    `sweep (--all over the ${sweep.loadBalancers}-LB fleet's healthy backends, through the audit and the fan-out):`,
    `  ${sweep.probes} probes in ${seconds(sweep.wallMs)} s; ${sweep.probeInstances ?? 'n/a'} probe instances, ${sweep.probeCpuMs === null ? 'n/a' : seconds(sweep.probeCpuMs)} CPU-s → ${perCpu(sweep.probesPerProbeCpuSecond)} probes per CPU-second${mark(sweep.probesPerProbeCpuSecond !== null && sweep.probesPerProbeCpuSecond >= TARGETS.sweepPerCpuSecond)}; with the auditor's ${sweep.auditorCpuMs === null ? 'n/a' : seconds(sweep.auditorCpuMs)} CPU-s: ${perCpu(sweep.probesPerCpuSecondWithAuditor)}`,
  ];
  if (side) {
    lines.push(`  side by side, ${side.probes} HEAD probes at ${side.inFlight} in flight on one loopback target: our prober alone ${side.prober.probesPerCpuSecond.toFixed(0)} per CPU-second`);
    if (side.blackbox && sweep.probesPerProbeCpuSecond !== null) {
      const lead = sweep.probesPerProbeCpuSecond / side.blackbox.probesPerCpuSecond;
      lines.push(`  blackbox_exporter ${side.blackbox.version} (scraped over keep-alive) ${side.blackbox.probesPerCpuSecond.toFixed(0)} per CPU-second; the sweep end to end is ${lead.toFixed(2)}× that${mark(lead >= TARGETS.sweepOverBlackbox)}`);
    } else if (side.note) {
      lines.push(`  ${side.note}`);
    }
  }
  return lines.join('\n');
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const s = report.settings;
  const parts = [
    `slb-doctor bench: fleet audit through the FC emulator with fan-out to one probe function per VPC (seed ${report.seed})`,
    `machine: ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.platform}; API calls in flight ${s.apiConcurrency}; ${s.fanoutConcurrency} probe invocations in flight, ${s.batchSize} unhealthy job(s) each, ${s.probeInstanceConcurrency} per probe instance, ${s.probeConcurrency} probes per instance; auditor ${s.auditorMemoryMB} MB`,
    ...(report.rows.length === 0
      ? []
      : [
          '',
          table(summaryRows(report)),
          `('!' marks a figure outside its target: wall ≤ ${TARGETS.wallRatio}× bound, API calls ≤ ${TARGETS.apiCallRatio}× minimum, RSS ≤ ${TARGETS.peakRssMB} MB, accuracy 100 %; sweep ≥ ${TARGETS.sweepPerCpuSecond} probes per CPU-second and ≥ ${TARGETS.sweepOverBlackbox}× blackbox_exporter)`,
          '',
          ...report.rows.map((row) => rowDetail(row)),
        ]),
  ];
  const growthText = growth(report);
  if (growthText) parts.push('', growthText);
  if (report.alarm) parts.push('', alarmSection(report.alarm));
  const sweepRow = report.rows.find((row) => row.sweep !== null);
  if (sweepRow?.sweep) parts.push('', sweepSection(sweepRow.sweep, report.sideBySide));
  return `${parts.join('\n')}\n`;
}
