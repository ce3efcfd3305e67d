// `npm run demo`: the whole product end to end on one machine, no cloud account. It starts the sandbox (SLB, ECS, FC,
// OSS, chat sinks, a fault zoo across two VPCs), fires the audit's timer through FC, lets the audit fan out to one
// probe function per VPC, prints what the on-call people receive, then replays a CloudMonitor alarm.
import { join } from 'node:path';
import type { AuditInvocationResult } from '../audit/invocation-result';
import { EXIT, type CliIo } from '../cli/io';
import { parseFlags, wantsHelp } from '../cli/args';
import { clip, renderTable } from '../cli/table';
import { showHostVerdict } from './on-host-step';
import { UserFacingError } from '../util/errors';
import defaultScenario from '../sandbox/default-scenario.json';
import { loadScenario, ScenarioError, type Scenario } from '../sandbox/scenario';
import { SERVICE_NAME, startSandboxStack, type SandboxStack } from '../sandbox/stack';

const HELP = `usage: slb-doctor demo [--functions DIR] [--scenario FILE] [--quiet]

Runs the product end to end against the sandbox cloud and exits 0 when every step worked.
  --functions DIR   the built function bundles (default dist/fc; 'npm run build' makes them)
  --scenario FILE   another sandbox scenario (default: the built-in one, one faulty backend per finding code)
  --quiet           print only the summary, not the chat messages
`;

const AUDIT_WAIT_MS = 45_000;

function parseResult(text: string | null, what: string): AuditInvocationResult {
  try {
    return JSON.parse(text ?? '') as AuditInvocationResult;
  } catch {
    throw new UserFacingError(`the ${what} returned something that is not its JSON result: ${String(text).slice(0, 200)}`, 'DEMO_FAILED');
  }
}

async function awaitAudit(stack: SandboxStack, requestId: string, what: string): Promise<AuditInvocationResult> {
  const record = await stack.fc.waitForAsync(requestId, AUDIT_WAIT_MS);
  if (record.status !== 'succeeded') {
    const logs = stack.fc.logs({ service: SERVICE_NAME, name: 'audit' }).slice(-15).join('\n');
    throw new UserFacingError(`the ${what} failed: ${record.error?.errorType ?? ''} ${record.error?.errorMessage ?? ''}\n${logs}`, 'DEMO_FAILED');
  }
  return parseResult(record.result, what);
}

function summaryTable(result: AuditInvocationResult): string {
  const rows = result.findings.map((f) => [f.loadBalancerId, f.listener ?? '-', f.backend ?? '-', f.code, clip(f.cause, 90)]);
  return renderTable(['LOAD BALANCER', 'LISTENER', 'BACKEND', 'CODE', 'CAUSE'], rows);
}

function notifyLine(result: AuditInvocationResult): string {
  const report = result.notify as { targets?: { label: string; status: string; reason: string | null }[] } | null;
  if (!report?.targets) return 'notifications: off';
  return `notifications: ${report.targets.map((t) => `${t.label} ${t.status}${t.reason ? ` (${t.reason})` : ''}`).join(', ')}`;
}

export async function runDemoCommand(argv: string[], io: CliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const { values } = parseFlags('demo', argv, { functions: { type: 'string' }, scenario: { type: 'string' }, quiet: { type: 'boolean' } });
  const started = Date.now();
  const step = (text: string): void => io.stdout(`\n[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);
  let scenario: Scenario;
  try {
    scenario = loadScenario(values.scenario ?? (defaultScenario as unknown));
  } catch (err) {
    if (err instanceof ScenarioError) throw new UserFacingError(`invalid scenario ${values.scenario ?? '(built-in)'}: ${err.message}`, 'CONFIG_INVALID');
    throw err;
  }

  step(`Starting the sandbox cloud: ${scenario.loadBalancers.length} load balancers in ${scenario.vpcs.length} VPCs, SLB/ECS/FC/OSS emulators, DingTalk and Slack sinks`);
  let stack: SandboxStack;
  try {
    stack = await startSandboxStack(scenario, { functionsDir: values.functions ?? join(process.cwd(), 'dist', 'fc') });
  } catch (err) {
    throw new UserFacingError(`the sandbox could not start: ${err instanceof Error ? err.message : String(err)}`, 'DEMO_FAILED');
  }
  try {
    const moved = stack.cloud.relocation;
    if (moved) step(`The scenario's addresses are taken (${moved.reason}; another sandbox?): serving it at ${moved.blocks.map((b) => b.to).join(', ')} instead`);
    const settled = await stack.cloud.checker.settled(30_000);
    step(`SLB's own health checker (sending from 127.100.64.0/24) ${settled ? 'has reached a verdict on every backend' : 'is still deciding on some backends'}`);

    step('Firing the audit function\'s timer trigger (FC emulator → audit → probe functions per VPC)');
    const timerRun = await awaitAudit(stack, stack.fc.fireTimer({ service: SERVICE_NAME, name: 'audit' }, { triggerName: 'every-5-minutes', payload: '' }), 'timer-triggered audit');
    io.stdout(`covered ${timerRun.covered.length} load balancer(s), ${timerRun.uncovered.length} not covered; ${timerRun.findingCount} finding(s); ${timerRun.probesSent} probes sent\n`);
    if (timerRun.fanout) io.stdout(`fan-out: ${JSON.stringify(timerRun.fanout)}\n`);
    io.stdout(`${summaryTable(timerRun)}\n${notifyLine(timerRun)}\n`);

    if (!values.quiet) {
      for (const kind of ['dingtalk', 'slack'] as const) {
        step(`What the ${kind === 'dingtalk' ? 'DingTalk' : 'Slack'} group received:`);
        io.stdout(`${stack.sinks.transcript(kind) || '(nothing)'}\n`);
      }
    }

    await showHostVerdict(stack, io, step);

    const target = timerRun.findings.find((f) => f.backend !== null);
    if (!target) throw new UserFacingError('the audit found nothing to raise an alarm about; the demo scenario should plant faults', 'DEMO_FAILED');
    // CloudMonitor's UnhealthyServerCount has the instanceId dimension only, so the callback names no port and the
    // alarm audits the whole load balancer; the timestamp is in milliseconds, and the region comes along.
    step(`CloudMonitor raises UnhealthyServerCount for ${target.loadBalancerId}: posting its callback to the alarm function`);
    const form = new URLSearchParams({
      alertName: 'slb-unhealthy-servers',
      alertState: 'ALERT',
      curValue: '1',
      dimensions: `{userId=${stack.cloud.accountId}, instanceId=${target.loadBalancerId}}`,
      expression: '$Maximum>=1',
      metricName: 'UnhealthyServerCount',
      rawMetricName: 'UnhealthyServerCount',
      metricProject: 'acs_slb_dashboard',
      namespace: 'acs_slb_dashboard',
      regionId: stack.cloud.regionId,
      lastTime: '1 minute',
      unit: 'Count',
      timestamp: String(Date.now()),
      userId: stack.cloud.accountId,
    });
    const alarmUrl = `${stack.fc.httpTriggerUrl({ service: SERVICE_NAME, name: 'alarm' })}?token=${encodeURIComponent(stack.alarmToken)}`;
    const alarmStarted = Date.now();
    const reply = await fetch(alarmUrl, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal: AbortSignal.timeout(10_000) });
    const replyBody = (await reply.json()) as { queued?: boolean; requestId?: string | null; message?: string };
    io.stdout(`alarm function answered ${reply.status} in ${Date.now() - alarmStarted} ms: ${JSON.stringify(replyBody)}\n`);
    if (reply.status !== 202 || !replyBody.requestId) throw new UserFacingError(`the alarm function did not queue an audit (HTTP ${reply.status})`, 'DEMO_FAILED');
    const scopedRun = await awaitAudit(stack, replyBody.requestId, 'alarm-triggered audit');
    step(`The scoped audit for ${target.loadBalancerId} (every listener) found ${scopedRun.findingCount} finding(s):`);
    io.stdout(`${summaryTable(scopedRun)}\n${notifyLine(scopedRun)}\n`);

    step(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Try it yourself: 'npm run sandbox' prints the endpoints; 'node bin/slb-doctor.js audit --help'.`);
    return EXIT.ok;
  } finally {
    await stack.stop();
  }
}
