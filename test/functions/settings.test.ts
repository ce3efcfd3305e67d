// Environment + FC context → each function's options: audit events (timer or scope), the run plan (executor,
// endpoints, notify, deadline), the alarm and probe settings, and the compact invocation result.
import { readAlarmSettings } from '../../functions/alarm/settings';
import { planAuditRun } from '../../functions/audit/plan';
import { functionDeadline, type FunctionRuntime } from '../../functions/function-runtime';
import { readProbeSettings } from '../../functions/probe/settings';
import { invocationResult } from '../../lib/audit/invocation-result';
import { parseAuditEvent } from '../../lib/audit/request';
import type { AuditSummary } from '../../lib/audit/types';
import type { Finding } from '../../lib/model';
import { runtimeOf } from '../../functions/runtime';

const RUNTIME: FunctionRuntime = {
  credentials: { accessKeyId: 'STS.role', accessKeySecret: 'secret', securityToken: 'token' },
  region: 'cn-shanghai',
  accountId: '1234567890123456',
  serviceName: 'slb-doctor',
  functionName: 'audit',
  timeoutSeconds: 240,
  startedAt: 1_000_000,
};

describe('parseAuditEvent', () => {
  test('an empty event and a timer event without payload audit the default scope', () => {
    expect(parseAuditEvent(Buffer.alloc(0))).toEqual({});
    const timer = Buffer.from(JSON.stringify({ triggerTime: '2026-11-24T08:00:00Z', triggerName: 'every-5-minutes', payload: '' }));
    expect(parseAuditEvent(timer)).toEqual({ trigger: 'timer every-5-minutes' });
  });

  test('a timer payload and an async invocation carry a scope', () => {
    const payload = JSON.stringify({ regionId: 'cn-beijing', all: true, tags: { team: 'web' } });
    expect(parseAuditEvent(Buffer.from(JSON.stringify({ triggerTime: 't', triggerName: 'nightly', payload })))).toEqual({ trigger: 'timer nightly', regionId: 'cn-beijing', all: true, tags: { team: 'web' } });
    const scoped = { loadBalancerIds: ['lb-bp1abc'], listener: { port: 443, protocol: 'https' }, trigger: 'alarm ALERT' };
    expect(parseAuditEvent(Buffer.from(JSON.stringify(scoped)))).toEqual(scoped);
  });

  test.each([
    ['not JSON', 'hello', /the invocation event is not a valid audit scope: it is not JSON/],
    ['an unknown field', '{"loadBalancer":"lb-1"}', /unknown field\(s\) loadBalancer/],
    ['a bad load balancer id', '{"loadBalancerIds":["i-123"]}', /CLB ids/],
    ['a bad port', '{"listener":{"port":0}}', /listener.port/],
    ['a tag that is not a string', '{"tags":{"team":7}}', /tags\.team must be a string: tags map tag keys to string values/],
    ['a bad protocol', '{"listener":{"port":80,"protocol":"ftp"}}', /listener\.protocol must be http, https, tcp or udp/],
    ['a scope that is a list', '[1]', /the invocation event is not a valid audit scope: it must be a JSON object/],
    ['a timer payload that is not JSON', '{"triggerTime":"t","triggerName":"x","payload":"all"}', /payload of timer trigger 'x'.*not JSON/],
  ])('%s is refused with one clear line', (_label, text, message) => {
    expect(() => parseAuditEvent(Buffer.from(text))).toThrow(message);
  });
});

describe('planAuditRun', () => {
  test('without probe functions: probes in-process, audits the function\'s region, no notifications', async () => {
    const { options, fanout } = await planAuditRun({ loadBalancerIds: ['lb-bp1abc'] }, RUNTIME, {});
    expect(fanout).toBeNull();
    expect(typeof options.executor).toBe('function');
    expect(options.scope).toEqual({ regionId: 'cn-shanghai', loadBalancerIds: ['lb-bp1abc'] });
    expect(options.credentials).toEqual(RUNTIME.credentials);
    expect(options.notify).toBeNull();
    expect(options.endpoints).toEqual({});
    expect(options.deadlineAt).toBe(functionDeadline(RUNTIME.startedAt, 240));
  });

  test('with probe functions, endpoints, targets and state from the environment', async () => {
    const env = {
      SLB_DOCTOR_REGION: 'cn-hangzhou',
      SLB_DOCTOR_PROBE_FUNCTIONS: '{"vpc-a": {"service": "slb-doctor-probe", "function": "probe"}}',
      SLB_DOCTOR_SLB_ENDPOINT: 'http://127.0.0.1:7001',
      SLB_DOCTOR_FC_ENDPOINT: 'http://127.0.0.1:7004',
      SLB_DOCTOR_NOTIFY_TARGETS: '[{"kind":"webhook","url":"http://127.0.0.1:9/hook"}]',
      SLB_DOCTOR_STATE: 'oss://bucket/state.json',
      SLB_DOCTOR_REPEAT_INTERVAL: '30m',
    };
    const { options, fanout } = await planAuditRun({ regionId: 'cn-beijing' }, RUNTIME, env);
    expect(fanout?.stats.invocations).toBe(0);
    expect(options.executor).toBe(fanout);
    expect(options.scope.regionId).toBe('cn-beijing');
    expect(options.endpoints).toEqual({ slb: 'http://127.0.0.1:7001' });
    expect(options.notify).toMatchObject({ targetsSource: 'SLB_DOCTOR_NOTIFY_TARGETS', stateUrl: 'oss://bucket/state.json', options: { repeatIntervalMs: 30 * 60_000 } });
  });

  test('bad settings fail before any work, naming the variable', async () => {
    await expect(planAuditRun({}, RUNTIME, { SLB_DOCTOR_PROBE_FUNCTIONS: '{"vpc-a": "probe"}' })).rejects.toThrow(/SLB_DOCTOR_PROBE_FUNCTIONS entry 'vpc-a'/);
    await expect(planAuditRun({}, RUNTIME, { SLB_DOCTOR_PROBE_CONCURRENCY: 'many' })).rejects.toThrow(/SLB_DOCTOR_PROBE_CONCURRENCY must be a whole number from 1 to 256, got 'many'/);
    const noRole = { ...RUNTIME, credentials: null };
    await expect(planAuditRun({}, noRole, { SLB_DOCTOR_PROBE_FUNCTIONS: '{}' })).rejects.toThrow(/give its service a RAM role/);
  });
});

test('the deadline keeps a margin to return the result', () => {
  expect(functionDeadline(0, 240)).toBe(240_000 - 24_000);
  expect(functionDeadline(0, 600)).toBe(600_000 - 30_000);
  expect(functionDeadline(0, 10)).toBe(10_000 - 2_000);
  expect(functionDeadline(0, 3)).toBe(3_000 - 1_500);
});

test('alarm settings: a strong token is required; the audit target defaults to the same service', () => {
  const runtime = { ...RUNTIME, functionName: 'alarm' };
  expect(() => readAlarmSettings(runtime, {})).toThrow(/SLB_DOCTOR_ALARM_TOKEN must be set/);
  expect(() => readAlarmSettings(runtime, { SLB_DOCTOR_ALARM_TOKEN: 'short' })).toThrow(/at least 24 characters/);
  const token = 'x'.repeat(24);
  expect(readAlarmSettings(runtime, { SLB_DOCTOR_ALARM_TOKEN: token })).toEqual({ token, audit: { service: 'slb-doctor', function: 'audit' } });
  expect(readAlarmSettings(runtime, { SLB_DOCTOR_ALARM_TOKEN: token, SLB_DOCTOR_AUDIT_FUNCTION: 'other/run' }).audit).toEqual({ service: 'other', function: 'run' });
  expect(() => readAlarmSettings(runtime, { SLB_DOCTOR_ALARM_TOKEN: token, SLB_DOCTOR_AUDIT_FUNCTION: 'a/b/c' })).toThrow(/'function' or 'service\/function'/);
});

test('probe settings: the allowed CIDRs are required', () => {
  expect(() => readProbeSettings(RUNTIME, {})).toThrow(/SLB_DOCTOR_PROBE_ALLOWED_CIDRS is not set/);
  const settings = readProbeSettings(RUNTIME, { SLB_DOCTOR_PROBE_ALLOWED_CIDRS: '10.0.0.0/16' });
  expect(settings).toMatchObject({ concurrency: 32, allowedCidrs: [{ text: '10.0.0.0/16', prefixLength: 16 }] });
});

test('the FC context is narrowed: no usable credentials means none', () => {
  const context = { requestId: 'r', function: { name: 'audit', timeout: 60 }, service: { name: 's' }, region: 'cn-hangzhou', accountId: '1' };
  expect(runtimeOf({ ...context, credentials: { accessKeyId: '', accessKeySecret: '' } }, 5).credentials).toBeNull();
  expect(runtimeOf({ ...context, credentials: { accessKeyId: 'STS.a', accessKeySecret: 'b', securityToken: 'c' } }, 5)).toMatchObject({
    credentials: { accessKeyId: 'STS.a', accessKeySecret: 'b', securityToken: 'c' },
    timeoutSeconds: 60,
    startedAt: 5,
  });
});

test('the invocation result summarizes the run without the evidence', () => {
  const finding = {
    code: 'PORT_CLOSED',
    severity: 'error',
    subject: { regionId: 'cn-hangzhou', loadBalancerId: 'lb-a', loadBalancerName: 'a', vpcId: null, tags: {}, listener: { port: 80, protocol: 'http' }, backend: { serverId: 'i-1', ip: '10.0.0.1', port: 8080, checkPort: 8080 } },
    cause: 'refused',
    evidence: [{ label: 'replay' }],
  } as unknown as Finding;
  const summary: AuditSummary = {
    runId: 'run-1',
    regionId: 'cn-hangzhou',
    startedAt: 'a',
    finishedAt: 'b',
    covered: ['lb-a'],
    uncovered: [],
    findings: [finding],
    countsByCode: { PORT_CLOSED: 1 },
    countsBySeverity: { error: 1 },
    apiCalls: { DescribeHealthStatus: 1 },
    probesSent: 3,
    notify: null,
  };
  const result = invocationResult(summary, { trigger: 'timer t' }, null);
  expect(result.findings).toEqual([{ code: 'PORT_CLOSED', severity: 'error', loadBalancerId: 'lb-a', listener: 'http:80', backend: '10.0.0.1:8080', cause: 'refused' }]);
  expect(result).toMatchObject({ runId: 'run-1', trigger: 'timer t', findingCount: 1, probesSent: 3, fanout: null });
  expect(JSON.stringify(result)).not.toContain('replay');
});
