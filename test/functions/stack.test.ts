// The three functions as deployed: the built bundles running in the FC emulator against the sandbox cloud (default
// scenario). A timer run fans out to the VPC probe functions; a CloudMonitor callback queues a run scoped to one
// load balancer and port; the probe function refuses targets outside its VPC.
import { createFcClient } from '../../lib/cloud/fc';
import type { AuditInvocationResult } from '../../lib/audit/invocation-result';
import type { ProbeBatchResponse } from '../../lib/fanout/protocol';
import defaultScenario from '../../lib/sandbox/default-scenario.json';
import { validateScenario } from '../../lib/sandbox/scenario/validate';
import { startSandboxStack, type SandboxStack } from '../../lib/sandbox/stack';
import { buildBundles, type Bundles } from '../deploy/bundles';
import { loadTemplate } from '../deploy/descriptors';
import { job } from '../fanout/jobs';

const scenario = validateScenario(defaultScenario);
let bundles: Bundles;
let stack: SandboxStack;

beforeAll(async () => {
  bundles = buildBundles();
  stack = await startSandboxStack(scenario, { functionsDir: bundles.dir });
  // Let SLB's own checker reach its verdicts, so that the runs probe the backends it marks abnormal.
  expect(await stack.cloud.checker.settled(60_000)).toBe(true);
});

afterAll(async () => {
  await stack?.stop();
  bundles?.remove();
});

function alarmUrl(token: string): string {
  return `${stack.fc.httpTriggerUrl({ service: 'slb-doctor', name: 'alarm' })}?token=${encodeURIComponent(token)}`;
}

function callback(fields: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

async function resultOf(requestId: string): Promise<AuditInvocationResult> {
  const record = await stack.fc.waitForAsync(requestId, 120_000);
  expect(record.error).toBeNull();
  expect(record.status).toBe('succeeded');
  return JSON.parse(record.result ?? 'null') as AuditInvocationResult;
}

test('a timer run covers every load balancer through the VPC probe functions, calling only actions the role allows', async () => {
  const result = await resultOf(stack.fc.fireTimer('audit', { triggerName: 'every-5-minutes' }));
  expect(result.trigger).toBe('timer every-5-minutes');
  expect(result.covered.sort()).toEqual(scenario.loadBalancers.map((lb) => lb.LoadBalancerId).sort());
  expect(result.uncovered).toEqual([]);
  expect(result.fanout).toMatchObject({ noProber: 0, failedBatches: 0, leftOut: 0 });
  expect(result.fanout?.invocations).toBeGreaterThanOrEqual(scenario.vpcs.length);
  expect(result.countsByCode.NO_PROBER_FOR_VPC ?? 0).toBe(0);
  expect(result.countsByCode.PROBE_FAILED ?? 0).toBe(0);
  expect(result.findingCount).toBeGreaterThan(0);

  const allowed = new Set(loadTemplate().flatMap((s) => s.statements.flatMap((st) => st.actions)).map((a) => a.slice(a.indexOf(':') + 1)));
  for (const action of Object.keys(result.apiCalls)) expect(allowed).toContain(action);
});

test('a CloudMonitor ALERT queues a run scoped to the alarming load balancer and port', async () => {
  const response = await fetch(
    alarmUrl(stack.alarmToken),
    callback({
      alertName: 'web unhealthy',
      alertState: 'ALERT',
      metricName: 'UnhealthyServerCount',
      metricProject: 'acs_slb_dashboard',
      dimensions: `{userId=${scenario.accountId}, instanceId=lb-sandbox-web, port=80, vip=127.0.0.1}`,
    }),
  );
  expect(response.status).toBe(202);
  const body = (await response.json()) as { queued: boolean; requestId: string; loadBalancerId: string; listenerPort: number };
  expect(body).toMatchObject({ queued: true, loadBalancerId: 'lb-sandbox-web', listenerPort: 80 });

  const result = await resultOf(body.requestId);
  expect(result.trigger).toBe("alarm ALERT 'web unhealthy'");
  expect(result.covered).toEqual(['lb-sandbox-web']);
  expect(result.findings.length).toBeGreaterThan(0);
  for (const finding of result.findings) {
    expect(finding.loadBalancerId).toBe('lb-sandbox-web');
    expect(finding.listener === null || finding.listener.endsWith(':80')).toBe(true);
  }
});

test('a callback as CloudMonitor sends it today (instanceId only, millisecond timestamp, regionId) audits the whole load balancer', async () => {
  const response = await fetch(
    alarmUrl(stack.alarmToken),
    callback({
      alertName: 'web unhealthy',
      alertState: 'ALERT',
      metricName: 'UnhealthyServerCount',
      rawMetricName: 'UnhealthyServerCount',
      metricProject: 'acs_slb_dashboard',
      dimensions: `{userId=${scenario.accountId}, instanceId=lb-sandbox-web}`,
      regionId: scenario.regionId,
      timestamp: String(Date.now()),
      transId: 'trans-1',
      unit: 'Count',
    }),
  );
  expect(response.status).toBe(202);
  const body = (await response.json()) as { requestId: string; listenerPort: number | null };
  expect(body).toMatchObject({ queued: true, loadBalancerId: 'lb-sandbox-web', listenerPort: null, regionId: scenario.regionId });
  const result = await resultOf(body.requestId);
  expect(result.covered).toEqual(['lb-sandbox-web']);
  const listeners = new Set(result.findings.map((finding) => finding.listener).filter((listener) => listener !== null));
  expect(listeners.size).toBeGreaterThan(1);
});

test('a callback with a wrong token, or too large, is refused and queues nothing', async () => {
  const before = stack.fc.asyncResults().length;
  const fields = { alertState: 'ALERT', dimensions: '{instanceId=lb-sandbox-web, port=80}' };
  const wrong = await fetch(alarmUrl(`${stack.alarmToken}x`), callback(fields));
  expect(wrong.status).toBe(401);
  expect(await wrong.json()).toMatchObject({ queued: false, error: 'UNAUTHENTICATED' });
  const huge = await fetch(alarmUrl(stack.alarmToken), callback({ ...fields, padding: 'x'.repeat(70 * 1024) }));
  expect(huge.status).toBe(413);
  expect(stack.fc.asyncResults().length).toBe(before);
});

test('a probe function refuses a target outside its VPC instead of probing it', async () => {
  const [vpcA, vpcB] = stack.cloud.scenario.vpcs; // where the sandbox serves them (moved if another sandbox holds 127.0.0.x)
  if (!vpcA || !vpcB) throw new Error('the default scenario has two VPCs');
  const outside = vpcB.cidr.replace(/\.\d+\/\d+$/, '.140');
  const fc = createFcClient({
    accountId: stack.cloud.accountId,
    region: stack.cloud.regionId,
    credentials: { accessKeyId: stack.cloud.credentials.accessKeyId, accessKeySecret: stack.cloud.credentials.accessKeySecret },
    endpoint: stack.fc.endpoint,
  });
  const payload = JSON.stringify({ jobs: [job({ id: 'lb-x/http:80/outside', vpcId: vpcA.vpcId, ip: outside, checkPort: 8080 })], budgetMs: 10_000 });
  const reply = await fc.invokeSync('slb-doctor', stack.probeFunctions[vpcA.vpcId] ?? '', payload);
  const { evidence } = JSON.parse(reply.body) as ProbeBatchResponse;
  expect(evidence).toHaveLength(1);
  expect(evidence[0]?.error).toEqual({ code: 'TARGET_NOT_ALLOWED', message: expect.stringContaining(`outside the allowed CIDRs (${vpcA.cidr})`) });
});
