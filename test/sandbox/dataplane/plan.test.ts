import { HealthCheckConfigError, planChecks, type CheckPlan, type PlannedPair } from '../../../lib/sandbox/healthcheck';
import { ThresholdState } from '../../../lib/sandbox/healthcheck/thresholds';
import type { Scenario, ScenarioListener } from '../../../lib/sandbox/scenario/types';

function scenarioWithListeners(listeners: ScenarioListener[], extra: Partial<Scenario> = {}): Scenario {
  return {
    regionId: 'cn-sandbox',
    accountId: '1',
    vpcs: [],
    securityGroups: [],
    endpoints: [],
    instances: [
      { instanceId: 'i-a', status: 'Running', vpcId: 'vpc-1', privateIp: '127.0.43.11', securityGroupIds: [] },
      { instanceId: 'i-b', status: 'Stopped', vpcId: 'vpc-1', privateIp: '127.0.43.12', securityGroupIds: [] },
    ],
    loadBalancers: [
      {
        LoadBalancerId: 'lb-1',
        VpcId: 'vpc-1',
        BackendServers: [{ ServerId: 'i-a', Weight: 100 }],
        VServerGroups: [{ VServerGroupId: 'rsp-1', BackendServers: [{ ServerId: 'i-a', Weight: 100, Port: 8081 }, { ServerId: 'i-b', Weight: 100, Port: 8082 }] }],
        Listeners: listeners,
      },
    ],
    ...extra,
  };
}

const checkOf = (pair: PlannedPair | undefined): CheckPlan => {
  if (!pair || !('check' in pair)) throw new Error(`expected a checked pair, got ${JSON.stringify(pair)}`);
  return pair.check;
};

describe('planChecks: what SLB sends, with its documented defaults', () => {
  it('HTTP listener: HEAD / HTTP/1.0, Host = backend IP, no User-Agent, 2xx/3xx, timeout max(5, 2) s, every 2 s, 3/3', () => {
    const [pair] = planChecks(scenarioWithListeners([{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080 }]));
    const check = checkOf(pair);
    expect(check.key).toBe('lb-1/http:80/127.0.43.11:8080');
    expect(check.probe).toEqual({ kind: 'http', ip: '127.0.43.11', port: 8080, timeoutMs: 5000, payload: 'HEAD / HTTP/1.0\r\nHost: 127.0.43.11\r\n\r\n' });
    expect(check).toMatchObject({ acceptedClasses: [2, 3], intervalMs: 2000, healthyThreshold: 3, unhealthyThreshold: 3 });
    expect(check.description).toContain('HTTP HEAD / HTTP/1.0 Host 127.0.43.11');
  });

  it('HTTPS listener with domain, GET, HTTP/1.1, codes and check port; the interval is the wait when it exceeds the timeout', () => {
    const [pair] = planChecks(
      scenarioWithListeners([
        {
          ListenerPort: 443,
          ListenerProtocol: 'https',
          BackendServerPort: 8080,
          healthCheck: {
            HealthCheckDomain: 'shop.example.com',
            HealthCheckMethod: 'get',
            HealthCheckHttpVersion: 'http1.1',
            HealthCheckURI: '/health?deep=1',
            HealthCheckHttpCode: 'http_2xx',
            HealthCheckConnectPort: 9000,
            HealthCheckTimeout: 2,
            HealthCheckInterval: 4,
          },
        },
      ]),
    );
    const check = checkOf(pair);
    expect(check.probe).toMatchObject({ kind: 'http', port: 9000, timeoutMs: 4000 });
    expect(check.probe.payload).toBe('GET /health?deep=1 HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n');
    expect(check.acceptedClasses).toEqual([2]);
    expect(check.key).toBe('lb-1/https:443/127.0.43.11:8080');
  });

  it('TCP listener: a TCP connect by default; an HTTP check (type http or a URI) sends GET with UA KeepAliveClient', () => {
    const pairs = planChecks(
      scenarioWithListeners([
        { ListenerPort: 3306, ListenerProtocol: 'tcp', BackendServerPort: 3306 },
        { ListenerPort: 81, ListenerProtocol: 'tcp', BackendServerPort: 80, healthCheck: { HealthCheckURI: '/ping', HealthCheckDomain: '$_ip' } },
      ]),
    );
    expect(checkOf(pairs[0]).probe).toEqual({ kind: 'tcp', ip: '127.0.43.11', port: 3306, timeoutMs: 5000, payload: '' });
    expect(checkOf(pairs[1]).probe.payload).toBe('GET /ping HTTP/1.0\r\nHost: 127.0.43.11\r\nUser-Agent: KeepAliveClient\r\n\r\n');
  });

  it('UDP listener: default payload, silence healthy, timeout 10 s, interval 5 s; Req/Exp when set', () => {
    const pairs = planChecks(
      scenarioWithListeners([
        { ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 53 },
        { ListenerPort: 54, ListenerProtocol: 'udp', BackendServerPort: 54, healthCheck: { HealthCheckReq: 'ping', HealthCheckExp: 'pong' } },
      ]),
    );
    expect(checkOf(pairs[0])).toMatchObject({ probe: { kind: 'udp', timeoutMs: 10000, payload: 'slb-health-check' }, intervalMs: 5000 });
    expect(checkOf(pairs[0]).expect).toBeUndefined();
    expect(checkOf(pairs[1])).toMatchObject({ probe: { payload: 'ping' }, expect: 'pong' });
  });

  it('VServer groups use each server’s port; a stopped instance is checked and cannot answer', () => {
    const pairs = planChecks(scenarioWithListeners([{ ListenerPort: 80, ListenerProtocol: 'http', VServerGroupId: 'rsp-1' }]));
    expect(pairs.map((pair) => pair.key)).toEqual(['lb-1/http:80/127.0.43.11:8081', 'lb-1/http:80/127.0.43.12:8082']);
    expect(checkOf(pairs[1]).instanceDown).toBe('instance i-b is Stopped: nothing answers at 127.0.43.12');
  });

  it('checks off, a stopped listener or an inactive LB are not checked', () => {
    const pairs = planChecks(
      scenarioWithListeners([
        { ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 80, healthCheck: { HealthCheck: 'off' } },
        { ListenerPort: 81, ListenerProtocol: 'tcp', BackendServerPort: 80, Status: 'stopped' },
      ]),
    );
    expect(pairs).toEqual([
      { key: 'lb-1/http:80/127.0.43.11:80', notChecked: 'health check is off' },
      { key: 'lb-1/tcp:81/127.0.43.11:80', notChecked: 'listener is stopped' },
    ]);
  });

  it('scales intervals by healthChecker.intervalScale', () => {
    const scenario = scenarioWithListeners([{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 80 }], {
      healthChecker: { intervalScale: 0.25 },
    });
    expect(checkOf(planChecks(scenario)[0])).toMatchObject({ intervalMs: 500, probe: { timeoutMs: 5000 } });
  });

  it('rejects settings SLB would reject, naming the listener and the field', () => {
    const bad = (healthCheck: ScenarioListener['healthCheck']): (() => unknown) => () =>
      planChecks(scenarioWithListeners([{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 80, healthCheck }]));
    expect(bad({ HealthCheckHttpCode: 'http_200' })).toThrow(/lb-1 http:80: HealthCheckHttpCode/);
    expect(bad({ HealthCheckDomain: 'evil\r\nX: 1' })).toThrow(/HealthCheckDomain/);
    expect(bad({ HealthCheckURI: 'health' })).toThrow(/HealthCheckURI/);
    expect(bad({ HealthyThreshold: 0 })).toThrow(/HealthyThreshold/);
    // Thresholds start at 2 and UDP request/expect strings are 1-64 characters (current CreateLoadBalancer*Listener docs).
    expect(bad({ UnhealthyThreshold: 1 })).toThrow(/UnhealthyThreshold must be a whole number 2–10, got 1/);
    const udp = (healthCheck: ScenarioListener['healthCheck']): (() => unknown) => () =>
      planChecks(scenarioWithListeners([{ ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 53, healthCheck }]));
    expect(udp({ HealthCheckReq: 'a'.repeat(65) })).toThrow(/HealthCheckReq must be 1–64 characters/);
    expect(udp({ HealthCheckReq: 'a'.repeat(64), HealthCheckExp: 'b'.repeat(64) })).not.toThrow();
    expect(bad({ HealthCheckInterval: -1 })).toThrow(HealthCheckConfigError);
    expect(() => planChecks(scenarioWithListeners([{ ListenerPort: 80, ListenerProtocol: 'http' }]))).toThrow(/BackendServerPort/);
    expect(() => planChecks(scenarioWithListeners([{ ListenerPort: 80, ListenerProtocol: 'http', VServerGroupId: 'rsp-9' }]))).toThrow(/rsp-9/);
  });
});

describe('ThresholdState', () => {
  it('stays unavailable until a threshold of consecutive results is reached, then needs the other threshold to flip', () => {
    const state = new ThresholdState(3, 2);
    const results = [true, false, true, true, true, false, true, false, false];
    const seen = results.map((ok, index) => {
      state.record(ok, index);
      return state.status;
    });
    expect(seen).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable', 'normal', 'normal', 'normal', 'normal', 'abnormal']);
    expect(state.transitions).toEqual([
      { to: 'normal', afterChecks: 5, at: 4 },
      { to: 'abnormal', afterChecks: 9, at: 8 },
    ]);
  });
});
