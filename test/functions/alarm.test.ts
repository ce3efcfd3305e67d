// The alarm function's logic: CloudMonitor callback parsing (form, JSON, both dimension shapes), token auth,
// size bound, and what is queued. No invocation happens for a rejected request.
import { Readable } from 'node:stream';
import { tokenMatches } from '../../lib/alarm/auth';
import { readBoundedBody } from '../../lib/alarm/body';
import { parseAlarmCallback, parseDimensions, scopeOfAlarm } from '../../lib/alarm/callback';
import { handleAlarmRequest, MAX_ALARM_BODY_BYTES, type AlarmHttpRequest } from '../../lib/alarm/handle';
import type { AuditRequest } from '../../lib/audit/request';

const TOKEN = 'a-secret-token-of-32-characters!';
const FORM = 'application/x-www-form-urlencoded';

function form(fields: Record<string, string>): Buffer {
  return Buffer.from(new URLSearchParams(fields).toString());
}

const ALERT_FIELDS = {
  alertName: 'unhealthy backends',
  alertState: 'ALERT',
  curValue: '2',
  dimensions: '{userId=1234567890, instanceId=lb-bp1abc123, port=80, vip=47.1.2.3}',
  expression: '$Maximum>=1',
  metricName: 'UnhealthyServerCount',
  metricProject: 'acs_slb_dashboard',
  namespace: 'acs_slb_dashboard',
  timestamp: '1700000000000',
  userId: '1234567890',
};
/** The callback above arrived 30 s after CloudMonitor stamped it. */
const ARRIVED_AT_MS = 1_700_000_030_000;

function recorder(outcome: 'ok' | 'fail' = 'ok') {
  const queued: AuditRequest[] = [];
  return {
    queued,
    deps: {
      expectedToken: TOKEN,
      now: () => ARRIVED_AT_MS,
      queueAudit: async (request: AuditRequest) => {
        if (outcome === 'fail') throw new Error('FC unreachable');
        queued.push(request);
        return { requestId: `req-${queued.length}` };
      },
    },
  };
}

function request(overrides: Partial<AlarmHttpRequest> = {}): AlarmHttpRequest {
  return { method: 'POST', queries: { token: TOKEN }, headers: { 'content-type': FORM }, body: form(ALERT_FIELDS), ...overrides };
}

describe('parsing', () => {
  test('a form-encoded callback with the brace dimensions string', () => {
    const alarm = parseAlarmCallback(form(ALERT_FIELDS), FORM);
    expect(alarm).toMatchObject({ alertState: 'ALERT', metricName: 'UnhealthyServerCount', namespace: 'acs_slb_dashboard' });
    expect(alarm.dimensions).toEqual({ userId: '1234567890', instanceId: 'lb-bp1abc123', port: '80', vip: '47.1.2.3' });
    expect(scopeOfAlarm(alarm)).toEqual({ loadBalancerId: 'lb-bp1abc123', listener: { port: 80 } });
  });

  test('a JSON callback with the JSON-array dimensions', () => {
    const body = Buffer.from(JSON.stringify({ ...ALERT_FIELDS, alertState: 'OK', dimensions: '[{"userId":"1","instanceId":"lb-bp1abc123"},{"port":"443"}]' }));
    const alarm = parseAlarmCallback(body, 'application/json; charset=utf-8');
    expect(alarm.alertState).toBe('OK');
    expect(scopeOfAlarm(alarm)).toEqual({ loadBalancerId: 'lb-bp1abc123', listener: { port: 443 } });
  });

  test('dimension shapes', () => {
    expect(parseDimensions([{ instanceId: 'lb-x1', port: 80 }])).toEqual({ instanceId: 'lb-x1', port: '80' });
    expect(parseDimensions('{"instanceId":"lb-x1"}')).toEqual({ instanceId: 'lb-x1' });
    expect(parseDimensions('{instanceId=lb-x1}')).toEqual({ instanceId: 'lb-x1' });
    expect(() => parseDimensions('{instanceId}')).toThrow(/not key=value/);
    expect(() => parseDimensions('[{"instanceId":')).toThrow(/do not parse/);
  });

  test('an alarm without a port scopes to the whole load balancer', () => {
    const alarm = parseAlarmCallback(form({ ...ALERT_FIELDS, dimensions: '{userId=1, instanceId=lb-bp1abc123}' }), FORM);
    expect(scopeOfAlarm(alarm)).toEqual({ loadBalancerId: 'lb-bp1abc123', listener: null });
  });
});

describe('handleAlarmRequest', () => {
  test('ALERT queues an audit scoped to the load balancer and port, and answers 202', async () => {
    const { queued, deps } = recorder();
    const response = await handleAlarmRequest(request(), deps);
    expect(response).toEqual({
      status: 202,
      body: { queued: true, requestId: 'req-1', alertState: 'ALERT', regionId: null, loadBalancerId: 'lb-bp1abc123', listenerPort: 80 },
    });
    expect(queued).toEqual([{ loadBalancerIds: ['lb-bp1abc123'], listener: { port: 80 }, trigger: "alarm ALERT 'unhealthy backends'" }]);
  });

  // A body as CloudMonitor sends it today: instanceId is UnhealthyServerCount's only dimension, the timestamp is in
  // milliseconds, and the region and bookkeeping fields come along.
  const REAL_FIELDS = {
    ...ALERT_FIELDS,
    dimensions: '{userId=1234567890, instanceId=lb-bp1abc123}',
    regionId: 'cn-shanghai',
    regionName: 'China (Shanghai)',
    lastTime: '8 minutes',
    rawMetricName: 'UnhealthyServerCount',
    transId: '0a2f1c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
    groupId: '12345678',
    productGroupName: 'web',
    unit: 'Count',
    metricName: 'Unhealthy backend servers',
  };

  test('an alarm with instanceId only audits the whole load balancer, in the region the callback names', async () => {
    const { queued, deps } = recorder();
    const response = await handleAlarmRequest(request({ body: form(REAL_FIELDS) }), deps);
    expect(response).toMatchObject({ status: 202, body: { queued: true, regionId: 'cn-shanghai', loadBalancerId: 'lb-bp1abc123', listenerPort: null } });
    expect(queued).toEqual([
      { regionId: 'cn-shanghai', loadBalancerIds: ['lb-bp1abc123'], trigger: "alarm ALERT 'unhealthy backends' (transId 0a2f1c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b)" },
    ]);
  });

  test('reads every field of a real body, the timestamp in milliseconds', () => {
    expect(parseAlarmCallback(form(REAL_FIELDS), FORM)).toMatchObject({
      timestampMs: 1_700_000_000_000,
      regionId: 'cn-shanghai',
      lastTime: '8 minutes',
      rawMetricName: 'UnhealthyServerCount',
      transId: '0a2f1c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      groupId: '12345678',
      productGroupName: 'web',
      unit: 'Count',
    });
    // Older samples stamp seconds.
    expect(parseAlarmCallback(form({ ...REAL_FIELDS, timestamp: '1700000000' }), FORM).timestampMs).toBe(1_700_000_000_000);
  });

  test.each([
    ['an hour old', String(ARRIVED_AT_MS - 3_600_000), /is too old/],
    ['ten minutes ahead', String(ARRIVED_AT_MS + 600_000), /is in the future/],
  ])('rejects a replayed callback stamped %s with 422, nothing queued', async (_label, timestamp, reason) => {
    const { queued, deps } = recorder();
    const response = await handleAlarmRequest(request({ body: form({ ...REAL_FIELDS, timestamp }) }), deps);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ queued: false, error: 'TIMESTAMP_OUT_OF_WINDOW' });
    expect(String(response.body.message)).toMatch(reason);
    expect(String(response.body.message)).toMatch(/a replayed callback, or a clock that is off/);
    expect(queued).toHaveLength(0);
  });

  test('rejects a malformed timestamp or region with 400', async () => {
    const { queued, deps } = recorder();
    expect((await handleAlarmRequest(request({ body: form({ ...REAL_FIELDS, timestamp: 'yesterday' }) }), deps)).body).toMatchObject({ error: 'TIMESTAMP_INVALID' });
    expect((await handleAlarmRequest(request({ body: form({ ...REAL_FIELDS, regionId: 'Shanghai!' }) }), deps)).body).toMatchObject({ error: 'REGION_INVALID' });
    expect(queued).toHaveLength(0);
  });

  test('OK also queues a scoped run (so findings can resolve); INSUFFICIENT_DATA queues nothing', async () => {
    const ok = recorder();
    expect((await handleAlarmRequest(request({ body: form({ ...ALERT_FIELDS, alertState: 'OK' }) }), ok.deps)).status).toBe(202);
    expect(ok.queued).toHaveLength(1);
    const noData = recorder();
    const response = await handleAlarmRequest(request({ body: form({ ...ALERT_FIELDS, alertState: 'INSUFFICIENT_DATA' }) }), noData.deps);
    expect(response.status).toBe(200);
    expect(noData.queued).toHaveLength(0);
  });

  test.each([
    ['no token', { queries: {} }],
    ['a wrong token', { queries: { token: 'a-secret-token-of-32-characters?' } }],
    ['a token prefix', { queries: { token: TOKEN.slice(0, 10) } }],
    ['two tokens', { queries: { token: [TOKEN, TOKEN] } }],
  ])('%s → 401 and nothing queued', async (_label, overrides) => {
    const { queued, deps } = recorder();
    const response = await handleAlarmRequest(request(overrides), deps);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ queued: false, error: 'UNAUTHENTICATED' });
    expect(queued).toHaveLength(0);
  });

  test.each([
    ['oversized', 413, 'BODY_TOO_LARGE', { body: 'too-large' as const }],
    ['a GET', 405, 'METHOD_NOT_ALLOWED', { method: 'GET' }],
    ['an empty body', 400, 'BODY_EMPTY', { body: Buffer.alloc(0) }],
    ['broken JSON', 400, 'BODY_INVALID', { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"alertState":') }],
    ['XML', 415, 'CONTENT_TYPE_UNSUPPORTED', { headers: { 'content-type': 'text/xml' }, body: Buffer.from('<alert/>') }],
    ['no alertState', 400, 'ALERT_STATE_MISSING', { body: form({ dimensions: '{instanceId=lb-bp1abc123}' }) }],
    ['an unknown alertState', 400, 'ALERT_STATE_INVALID', { body: form({ ...ALERT_FIELDS, alertState: 'MAYBE' }) }],
    ['an ECS alarm', 422, 'NOT_A_LOAD_BALANCER', { body: form({ ...ALERT_FIELDS, dimensions: '{userId=1, instanceId=i-bp1xyz}' }) }],
    ['a bad port', 422, 'PORT_INVALID', { body: form({ ...ALERT_FIELDS, dimensions: '{instanceId=lb-bp1abc123, port=99999}' }) }],
  ])('%s → %i %s, nothing queued', async (_label, status, error, overrides) => {
    const { queued, deps } = recorder();
    const response = await handleAlarmRequest(request(overrides as Partial<AlarmHttpRequest>), deps);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ queued: false, error });
    expect(queued).toHaveLength(0);
  });

  test('when the audit cannot be queued, answers 503 so that CloudMonitor retries', async () => {
    const { deps } = recorder('fail');
    const response = await handleAlarmRequest(request(), deps);
    expect(response).toMatchObject({ status: 503, body: { queued: false, error: 'AUDIT_NOT_QUEUED' } });
  });
});

describe('token and body', () => {
  test('tokenMatches compares whole values only', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(null, TOKEN)).toBe(false);
  });

  test('reads req.body Buffers and raw-body streams, stopping at the limit', async () => {
    expect(await readBoundedBody({ body: Buffer.from('abc') }, 10)).toEqual(Buffer.from('abc'));
    expect(await readBoundedBody({ body: Buffer.alloc(11) }, 10)).toBe('too-large');
    expect(await readBoundedBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 10)).toEqual(Buffer.from('abcd'));
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    expect(await readBoundedBody(endless, MAX_ALARM_BODY_BYTES)).toBe('too-large');
    endless.destroy();
    expect(produced).toBeLessThan(MAX_ALARM_BODY_BYTES + 64 * 1024);
  });
});
