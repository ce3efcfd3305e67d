// Alarm to notice: the time from CloudMonitor's callback reaching the alarm function to the DingTalk sink receiving
// the message, for a one-listener alarm on a load balancer with a hanging, a refused and a 404 backend. The alarm
// function queues an audit scoped to that listener; the audit fans out to the VPC's probe function and notifies.
// Its bound (bench/lower-bound.ts on this one-LB scenario): the scoped API calls, the longest evidence chain among
// the three faults, and the notification round trip.
import { validateScenario } from '../lib/sandbox/scenario/validate';
import type { Scenario } from '../lib/sandbox/scenario/types';
import { SERVICE_NAME, startSandboxStack, type SandboxStack } from '../lib/sandbox/stack';
import type { AuditInvocationResult } from '../lib/audit/invocation-result';
import { UserFacingError } from '../lib/util/errors';
import { lowerBound, type LowerBound } from './lower-bound';

const LB = 'lb-alarm';
const NET = '127.66.0';
/** SLB's defaults for an HTTP check (HealthCheckTimeout 5 s, interval 2 s): the alarm an unchanged listener raises. */
const CHECK = { HealthCheckURI: '/health', HealthCheckTimeout: 5, HealthCheckInterval: 2 };
const NOTICE_LIMIT_MS = 120_000;

export interface AlarmRow {
  /** Callback sent → the DingTalk sink accepted the notice. */
  alarmToNoticeMs: number;
  bound: LowerBound;
  ratio: number;
  /** The codes the scoped audit found, by backend `ip:port`. */
  codes: Record<string, string>;
  expected: Record<string, string>;
}

export function alarmScenario(): Scenario {
  const ip = (n: number): string => `${NET}.${n}`;
  const backends = [
    { n: 11, behaviour: 'hang' as const, code: 'RESPONSE_TIMEOUT' },
    { n: 12, behaviour: 'refused' as const, code: 'PORT_CLOSED' },
    { n: 13, behaviour: 'not-found' as const, code: 'PATH_NOT_FOUND' },
  ];
  return validateScenario({
    regionId: 'cn-hangzhou',
    accountId: '1688000000000066',
    vpcs: [{ vpcId: 'vpc-alarm', cidr: `${NET.split('.').slice(0, 2).join('.')}.0.0/16`, vSwitchId: 'vsw-alarm' }],
    securityGroups: [{ securityGroupId: 'sg-alarm', vpcId: 'vpc-alarm', rules: [] }],
    instances: backends.map(({ n }) => ({ instanceId: `i-alarm-${n}`, status: 'Running', vpcId: 'vpc-alarm', privateIp: ip(n), securityGroupIds: ['sg-alarm'] })),
    endpoints: backends.map(({ n, behaviour }) => ({ ip: ip(n), port: 8080, behaviour })),
    loadBalancers: [
      {
        LoadBalancerId: LB,
        VpcId: 'vpc-alarm',
        BackendServers: backends.map(({ n }) => ({ ServerId: `i-alarm-${n}`, Weight: 100 })),
        Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: CHECK }],
      },
    ],
    api: { latencyMs: [20, 50] },
    expectedFindings: Object.fromEntries(backends.map(({ n, code }) => [`${LB}/http:80/${ip(n)}:8080`, code])),
  });
}

/** The first DingTalk message accepted at or after `after` (polled: the sink keeps its log, it has no hook). */
async function waitForNotice(stack: SandboxStack, after: number): Promise<{ at: number }> {
  const deadline = Date.now() + NOTICE_LIMIT_MS;
  while (Date.now() < deadline) {
    const message = stack.sinks.received('dingtalk').find((m) => m.at >= after);
    if (message) return { at: message.at };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new UserFacingError(`no DingTalk notice arrived within ${NOTICE_LIMIT_MS / 1000} s of the alarm`, 'BENCH_FAILED');
}

export async function runAlarmRow(options: { functionsDir: string; interrupted: Promise<never> }, progress: (line: string) => void): Promise<AlarmRow> {
  const scenario = alarmScenario();
  const bound = await lowerBound(scenario);
  const stack = await startSandboxStack(scenario, { functionsDir: options.functionsDir, notify: ['dingtalk'] });
  try {
    const settled = await Promise.race([stack.cloud.checker.settled(60_000), options.interrupted]);
    if (!settled) throw new UserFacingError("SLB's checker did not reach a verdict for the alarm scenario within 60 s", 'BENCH_FAILED');
    progress(`alarm: SLB's checker settled; posting CloudMonitor's UnhealthyServerCount callback for ${LB} port 80`);
    const form = new URLSearchParams({
      alertName: 'slb-unhealthy-servers',
      alertState: 'ALERT',
      curValue: '3',
      dimensions: `{userId=${stack.cloud.accountId}, instanceId=${LB}, port=80, vip=${NET}.1}`,
      expression: '$Maximum>=1',
      metricName: 'UnhealthyServerCount',
      metricProject: 'acs_slb_dashboard',
      namespace: 'acs_slb_dashboard',
      // CloudMonitor sends epoch milliseconds.
      timestamp: String(Date.now()),
      userId: stack.cloud.accountId,
    });
    const url = `${stack.fc.httpTriggerUrl({ service: SERVICE_NAME, name: 'alarm' })}?token=${encodeURIComponent(stack.alarmToken)}`;
    const sentAt = Date.now();
    const reply = await fetch(url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal: AbortSignal.timeout(30_000) });
    const body = (await reply.json()) as { requestId?: string | null };
    if (reply.status !== 202 || !body.requestId) throw new UserFacingError(`the alarm function did not queue an audit (HTTP ${reply.status})`, 'BENCH_FAILED');
    const notice = await Promise.race([waitForNotice(stack, sentAt), options.interrupted]);
    const alarmToNoticeMs = notice.at - sentAt;
    // What the notice is about: the scoped audit's own result.
    const record = await Promise.race([stack.fc.waitForAsync(body.requestId, NOTICE_LIMIT_MS), options.interrupted]);
    const result = JSON.parse(record.result ?? '{}') as Partial<AuditInvocationResult>;
    const codes = Object.fromEntries((result.findings ?? []).map((f) => [f.backend ?? '', f.code]));
    const expected = Object.fromEntries(Object.entries(scenario.expectedFindings ?? {}).map(([key, code]) => [stack.cloud.actual(key.slice(key.lastIndexOf('/') + 1)), code]));
    progress(`alarm: the DingTalk notice arrived ${(alarmToNoticeMs / 1000).toFixed(1)} s after the callback (${(alarmToNoticeMs / bound.ms).toFixed(2)}× the bound)`);
    return { alarmToNoticeMs, bound, ratio: alarmToNoticeMs / bound.ms, codes, expected };
  } finally {
    await stack.stop();
  }
}
