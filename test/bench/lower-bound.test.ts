// The lower bound's arithmetic on a scenario small enough to work out by hand: the minimum calls per action, the API
// critical path (chain, throughput, quota windows), each fault's probe chain, and how they combine.
import { apiCriticalPath, costOfJob, lowerBound, minimumApiCalls, plannedJobs, simulateProbe } from '../../bench/lower-bound';
import type { HttpProbeRequest } from '../../lib/model';
import type { Scenario } from '../../lib/sandbox/scenario/types';
import { validateScenario } from '../../lib/sandbox/scenario/validate';

const IP = (n: number): string => `127.62.0.${n}`;
const head = { HealthCheckURI: '/health', HealthCheckInterval: 2, HealthCheckTimeout: 2 };

function tinyScenario(quotas?: Record<string, { calls: number; perSeconds: number }>): Scenario {
  return validateScenario({
    regionId: 'cn-hangzhou',
    accountId: '1688000000000062',
    vpcs: [{ vpcId: 'vpc-tiny', cidr: '127.62.0.0/16', vSwitchId: 'vsw-tiny' }],
    securityGroups: ['sg-x', 'sg-y'].map((id) => ({ securityGroupId: id, vpcId: 'vpc-tiny', rules: [] })),
    instances: [10, 11, 12, 13].map((n) => ({ instanceId: `i-${n}`, status: 'Running', vpcId: 'vpc-tiny', privateIp: IP(n), securityGroupIds: [n === 13 ? 'sg-y' : 'sg-x'] })),
    endpoints: [
      { ip: IP(10), port: 8080, behaviour: 'healthy' },
      { ip: IP(11), port: 8080, behaviour: 'hang' },
      { ip: IP(12), port: 3306, behaviour: 'blackhole' },
      { ip: IP(13), port: 8443, behaviour: 'hang' },
      { ip: IP(10), port: 5353, protocol: 'udp', behaviour: 'udp-closed' },
    ],
    loadBalancers: [
      {
        LoadBalancerId: 'lb-one',
        VpcId: 'vpc-tiny',
        BackendServers: [{ ServerId: 'i-10', Weight: 100 }, { ServerId: 'i-11', Weight: 100 }],
        VServerGroups: [{ VServerGroupId: 'rsp-db', BackendServers: [{ ServerId: 'i-12', Port: 3306, Weight: 100 }] }],
        Listeners: [
          { ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: head },
          { ListenerPort: 3306, ListenerProtocol: 'tcp', VServerGroupId: 'rsp-db', healthCheck: { HealthCheckType: 'tcp', HealthCheckInterval: 1, HealthCheckConnectTimeout: 1 } },
        ],
      },
      {
        LoadBalancerId: 'lb-two',
        VpcId: 'vpc-tiny',
        VServerGroups: [{ VServerGroupId: 'rsp-api', BackendServers: [{ ServerId: 'i-13', Port: 8443, Weight: 100 }] }],
        Listeners: [
          { ListenerPort: 443, ListenerProtocol: 'https', VServerGroupId: 'rsp-api', healthCheck: { HealthCheckMethod: 'get', HealthCheckURI: '/status', HealthCheckInterval: 1, HealthCheckTimeout: 1 } },
        ],
      },
      {
        LoadBalancerId: 'lb-three',
        VpcId: 'vpc-tiny',
        BackendServers: [{ ServerId: 'i-10', Weight: 100 }],
        Listeners: [{ ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 5353, healthCheck: { HealthCheckReq: 'ping', HealthCheckExp: 'pong', HealthCheckInterval: 2, HealthCheckConnectTimeout: 2 } }],
      },
    ],
    api: { latencyMs: [20, 50], ...(quotas ? { quotas } : {}) },
    expectedFindings: {
      [`lb-one/http:80/${IP(11)}:8080`]: 'RESPONSE_TIMEOUT',
      [`lb-one/tcp:3306/${IP(12)}:3306`]: 'CONNECT_TIMEOUT',
      [`lb-two/https:443/${IP(13)}:8443`]: 'RESPONSE_TIMEOUT',
      [`lb-three/udp:53/${IP(10)}:5353`]: 'UDP_PORT_UNREACHABLE',
    },
  });
}

test('the minimum calls: one page, one listener batch, per LB health (and attribute for default groups), each group once, ECS once per 100 and per group', () => {
  expect(minimumApiCalls(tinyScenario())).toEqual({
    'slb:DescribeLoadBalancers': 1,
    'slb:DescribeLoadBalancerListeners': 1,
    'slb:DescribeHealthStatus': 3,
    'slb:DescribeLoadBalancerAttribute': 2,
    'slb:DescribeVServerGroupAttribute': 2,
    'ecs:DescribeInstances': 1,
    'ecs:DescribeSecurityGroupAttribute': 2,
  });
});

test('the API path is the longest of the dependency chain, the calls over the concurrency, and the quota windows', () => {
  const scenario = tinyScenario();
  const minimum = minimumApiCalls(scenario);
  // 12 calls at a mean 35 ms; five dependent levels (ids, listeners/health/attribute, groups, instances, security groups).
  expect(apiCriticalPath(scenario, minimum, 4)).toMatchObject({ calls: 12, meanLatencyMs: 35, chainMs: 175, throughputMs: 105, quotaMs: 0, ms: 175 });
  expect(apiCriticalPath(scenario, minimum, 1)).toMatchObject({ throughputMs: 420, ms: 420 });
  // One DescribeHealthStatus per 10 s: the third call waits two windows.
  const throttled = tinyScenario({ DescribeHealthStatus: { calls: 1, perSeconds: 10 } });
  expect(apiCriticalPath(throttled, minimum, 4)).toMatchObject({ quotaMs: 20_035, quotaAction: 'slb:DescribeHealthStatus', ms: 20_035 });
});

test('each planted fault costs the probe chain the diagnosis runs for it', async () => {
  const costs = await Promise.all(plannedJobs(tinyScenario()).map(costOfJob));
  const byId = Object.fromEntries(costs.map((c) => [c.jobId, c]));
  // HEAD that hangs: the replay's timeout, the GET variant's, then the extended wait of 3× the timeout.
  expect(byId[`lb-one/http:80/${IP(11)}:8080`]).toMatchObject({ probes: 3, ms: 2000 + 2000 + 6000, predictedCode: 'RESPONSE_TIMEOUT' });
  // GET that hangs: no GET variant.
  expect(byId[`lb-two/https:443/${IP(13)}:8443`]).toMatchObject({ probes: 2, ms: 1000 + 3000, predictedCode: 'RESPONSE_TIMEOUT' });
  expect(byId[`lb-one/tcp:3306/${IP(12)}:3306`]).toMatchObject({ probes: 1, ms: 1000, predictedCode: 'CONNECT_TIMEOUT' });
  // A fast failure is repeated three times, 200 ms apart.
  expect(byId[`lb-three/udp:53/${IP(10)}:5353`]).toMatchObject({ probes: 4, ms: 604, predictedCode: 'UDP_PORT_UNREACHABLE' });
});

test('the bound combines the API path with the probe path (longest job, or the work over the job concurrency)', async () => {
  const relaxed = await lowerBound(tinyScenario(), { apiConcurrency: 4, jobConcurrency: 2 });
  expect(relaxed.probe).toMatchObject({ jobs: 4, probes: 10, longestJobMs: 10_000, workMs: 15_604, ms: 10_000 });
  expect(relaxed.firstJobMs).toBe(70);
  expect(relaxed.ms).toBe(70 + 10_000);
  expect(relaxed.serialMs).toBe(175 + 10_000);

  const narrow = await lowerBound(tinyScenario(), { apiConcurrency: 4, jobConcurrency: 1 });
  expect(narrow.probe.ms).toBe(15_604);

  const quotaBound = await lowerBound(tinyScenario({ DescribeHealthStatus: { calls: 1, perSeconds: 10 } }), { apiConcurrency: 4, jobConcurrency: 2 });
  expect(quotaBound.ms).toBe(20_035);
});

test('the fault model answers as the zoo does', () => {
  const request: HttpProbeRequest = { kind: 'http', ip: IP(1), port: 80, method: 'HEAD', uri: '/health', httpVersion: '1.0', host: 'shop.example', acceptedCodes: ['http_2xx'], timeoutMs: 2000 };
  expect(simulateProbe('default-server', { domain: 'SHOP.example' }, request)).toMatchObject({ outcome: 'ok', statusCode: 200 });
  expect(simulateProbe('default-server', { domain: 'other.example' }, request)).toMatchObject({ outcome: 'status_not_accepted', statusCode: 404 });
  expect(simulateProbe('head-refused', {}, request)).toMatchObject({ statusCode: 405 });
  expect(simulateProbe('head-refused', {}, { ...request, method: 'GET' })).toMatchObject({ outcome: 'ok' });
  expect(simulateProbe('slow', { delayMs: 3000 }, request)).toMatchObject({ outcome: 'response_timeout', ms: 2000 });
  expect(simulateProbe('slow', { delayMs: 3000 }, { ...request, timeoutMs: 6000 })).toMatchObject({ outcome: 'ok', ms: 3000 });
  expect(simulateProbe(null, {}, request)).toMatchObject({ outcome: 'refused' });
  expect(simulateProbe('tls-only', {}, { kind: 'tls', ip: IP(1), port: 80, timeoutMs: 2000, serverName: null })).toMatchObject({ outcome: 'ok' });
});
