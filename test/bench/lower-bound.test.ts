// The lower bound's arithmetic on a scenario small enough to work out by hand: the minimum calls per action, the API
// critical path (chain, quota windows), each fault's probe chain (one after another, and the shortest with concurrent
// variants), and how they combine with each load balancer's readiness, the re-checks and the notification.
import { apiCriticalPath, costOfJob, FC_INSTANCES_PER_REGION, lowerBound, minimumApiCalls, plannedJobs, simulateProbe } from '../../bench/lower-bound';
import type { HttpProbeRequest } from '../../lib/model';
import type { Scenario } from '../../lib/sandbox/scenario/types';
import { validateScenario } from '../../lib/sandbox/scenario/validate';

const IP = (n: number): string => `127.62.0.${n}`;
const head = { HealthCheckURI: '/health', HealthCheckInterval: 2, HealthCheckTimeout: 2 };

function tinyScenario(quotas?: Record<string, { calls: number; perSeconds: number }>, hangBehaviour: 'hang' | 'slb-source-blocked' = 'hang'): Scenario {
  return validateScenario({
    regionId: 'cn-hangzhou',
    accountId: '1688000000000062',
    vpcs: [{ vpcId: 'vpc-tiny', cidr: '127.62.0.0/16', vSwitchId: 'vsw-tiny' }],
    securityGroups: ['sg-x', 'sg-y'].map((id) => ({ securityGroupId: id, vpcId: 'vpc-tiny', rules: [] })),
    instances: [10, 11, 12, 13].map((n) => ({ instanceId: `i-${n}`, status: 'Running', vpcId: 'vpc-tiny', privateIp: IP(n), securityGroupIds: [n === 13 ? 'sg-y' : 'sg-x'] })),
    endpoints: [
      { ip: IP(10), port: 8080, behaviour: 'healthy' },
      { ip: IP(11), port: 8080, behaviour: hangBehaviour },
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
      [`lb-one/http:80/${IP(11)}:8080`]: hangBehaviour === 'hang' ? 'RESPONSE_TIMEOUT' : 'SLB_SOURCE_BLOCKED',
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

test('the API path is the longer of the dependency chain and the quota windows; the client\'s concurrency plays no part', () => {
  const scenario = tinyScenario();
  const minimum = minimumApiCalls(scenario);
  // 12 calls at a mean 35 ms; five dependent levels (one LB page, listeners, health/attribute/groups, instances, security groups).
  expect(apiCriticalPath(scenario, minimum)).toMatchObject({ calls: 12, meanLatencyMs: 35, chainMs: 175, quotaMs: 0, quotaAction: null, ms: 175 });
  // One DescribeHealthStatus per 10 s: the first goes out after the first page (35 ms), the third waits two windows.
  const throttled = tinyScenario({ DescribeHealthStatus: { calls: 1, perSeconds: 10 } });
  expect(apiCriticalPath(throttled, minimum)).toMatchObject({ quotaMs: 35 + 20_000 + 35, quotaAction: 'slb:DescribeHealthStatus', ms: 20_070 });
});

test('each planted fault costs the probe chain the diagnosis runs for it', async () => {
  const costs = await Promise.all(plannedJobs(tinyScenario()).map(costOfJob));
  const byId = Object.fromEntries(costs.map((c) => [c.jobId, c]));
  // HEAD that hangs: the replay's timeout, the GET variant's, then the extended wait of 3× the timeout.
  // With the variants concurrent, the extended wait of 3× the timeout is the chain (one replay waiting on serves as both).
  expect(byId[`lb-one/http:80/${IP(11)}:8080`]).toMatchObject({ probes: 3, ms: 2000 + 2000 + 6000, chainMs: 6000, predictedCode: 'RESPONSE_TIMEOUT' });
  // GET that hangs: no GET variant.
  expect(byId[`lb-two/https:443/${IP(13)}:8443`]).toMatchObject({ probes: 2, ms: 1000 + 3000, chainMs: 3000, predictedCode: 'RESPONSE_TIMEOUT' });
  expect(byId[`lb-one/tcp:3306/${IP(12)}:3306`]).toMatchObject({ probes: 1, ms: 1000, chainMs: 1000, predictedCode: 'CONNECT_TIMEOUT' });
  // A fast failure is repeated three times, 200 ms apart: the repeats stay a sequence.
  expect(byId[`lb-three/udp:53/${IP(10)}:5353`]).toMatchObject({ probes: 4, ms: 604, chainMs: 604, predictedCode: 'UDP_PORT_UNREACHABLE' });
});

test('the bound: each chain from its load balancer\'s readiness, the API path, the re-checks under their quota, one notification', async () => {
  const relaxed = await lowerBound(tinyScenario());
  // Every LB is on the first page: ready after the page, then its listeners and verdicts side by side (2 × 35 ms).
  expect(relaxed.probe).toMatchObject({ jobs: 4, probes: 10, longestChainMs: 6000, workMs: 6000 + 3000 + 1000 + 604, ms: 70 + 6000 });
  expect(relaxed.probe.criticalJob).toMatchObject({ behaviour: 'hang', readyMs: 70, chainMs: 6000, recheckMs: 0 });
  expect(relaxed.probe.capacity).toBe(FC_INSTANCES_PER_REGION * 500);
  expect(relaxed.ms).toBe(70 + 6000 + relaxed.notifyMs);
  expect(relaxed.binding).toMatch(/^probe chain \(hang 6\.0 s/);
  expect(relaxed.rechecks).toBe(0);

  const quotaBound = await lowerBound(tinyScenario({ DescribeHealthStatus: { calls: 1, perSeconds: 10 } }));
  expect(quotaBound.ms).toBe(20_070 + quotaBound.notifyMs);
  expect(quotaBound.binding).toBe('API: quota of slb:DescribeHealthStatus');
});

test('a verdict SLB must re-check costs one more DescribeHealthStatus, which waits for the quota window like any other', async () => {
  const blocked = await lowerBound(tinyScenario(undefined, 'slb-source-blocked'));
  expect(blocked.rechecks).toBe(1);
  expect(blocked.minimumCalls['slb:DescribeHealthStatus']).toBe(4);
  // The longest chain is now the GET hang on lb-two (3 s); the blocked backend's repeats and re-check end sooner.
  expect(blocked.probe.criticalJob).toMatchObject({ behaviour: 'hang', chainMs: 3000 });

  // Three health reads per 60 s: the inventory's three go at once, the re-check waits for the window to roll.
  const quota = await lowerBound(tinyScenario({ DescribeHealthStatus: { calls: 3, perSeconds: 60 } }, 'slb-source-blocked'));
  expect(quota.probe.criticalJob).toMatchObject({ behaviour: 'slb-source-blocked', recheckMs: 35 + 60_000 + 35 - (70 + 604) });
  expect(quota.ms).toBe(35 + 60_000 + 35 + quota.notifyMs);
  expect(quota.binding).toBe('re-check under the DescribeHealthStatus quota (4 calls > 3 per 60 s)');
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
