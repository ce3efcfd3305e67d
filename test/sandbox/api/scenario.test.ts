// Scenario validation: a malformed scenario gets ONE error naming the bad field path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../../lib/sandbox/scenario/load';
import type { Scenario } from '../../../lib/sandbox/scenario/types';
import { ScenarioError } from '../../../lib/sandbox/scenario/validate';
import { smallScenario } from './helpers';

/** Loosely typed so a test can plant values the types forbid. */
type Loose = Record<string, any>; // parsed JSON is untyped

function errorOf(mutate: (scenario: Loose) => void): ScenarioError {
  const scenario = structuredClone(smallScenario()) as unknown as Loose;
  mutate(scenario);
  try {
    loadScenario(scenario);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioError');
}

describe('loadScenario', () => {
  it('accepts the built-in default scenario file and the test scenario', () => {
    const loaded = loadScenario(join(__dirname, '../../../lib/sandbox/default-scenario.json'));
    expect(loaded.loadBalancers.length).toBeGreaterThanOrEqual(3);
    expect(loadScenario(smallScenario())).toEqual(smallScenario());
  });

  it.each<[string, (scenario: Loose) => void, string]>([
    ['a port out of range', (s) => (s.loadBalancers[0].Listeners[1].ListenerPort = 70000), 'loadBalancers[0].Listeners[1].ListenerPort: must be an integer 1-65535'],
    ['a missing field', (s) => delete s.regionId, 'regionId: is required'],
    [
      'an unknown VServer group',
      (s) => (s.loadBalancers[0].Listeners[1].VServerGroupId = 'rsp-x'),
      "loadBalancers[0].Listeners[1].VServerGroupId: unknown VServer group 'rsp-x' (not in this load balancer's VServerGroups)",
    ],
    [
      'an unknown backend instance',
      (s) => (s.loadBalancers[0].BackendServers[1].ServerId = 'i-x'),
      "loadBalancers[0].BackendServers[1].ServerId: unknown instance 'i-x' (not in instances)",
    ],
    [
      'a backend from another VPC',
      (s) => {
        s.loadBalancers[1].BackendServers = [{ ServerId: 'i-1', Weight: 1 }];
      },
      "loadBalancers[1].BackendServers[0].ServerId: instance 'i-1' is in vpc-a, not in the load balancer's VPC vpc-b",
    ],
    ['an endpoint off loopback', (s) => (s.endpoints[0].ip = '10.0.0.1'), 'endpoints[0].ip: 10.0.0.1 is not in 127.0.0.0/8 (the sandbox uses loopback addresses only)'],
    ['an endpoint in the health-check source range', (s) => (s.endpoints[0].ip = '127.100.64.9'), "endpoints[0].ip: 127.100.64.9 is in 127.100.64.0/24, reserved for SLB's health-check source"],
    ['a VPC outside loopback', (s) => (s.vpcs[0].cidr = '10.0.0.0/8'), 'vpcs[0].cidr: 10.0.0.0/8 is not inside 127.0.0.0/8'],
    ['overlapping VPCs', (s) => (s.vpcs[1].cidr = '127.0.0.0/24'), 'vpcs[1].cidr: 127.0.0.0/24 overlaps vpcs[0].cidr 127.0.0.0/25'],
    ['a CIDR with host bits', (s) => (s.vpcs[1].cidr = '127.0.0.129/25'), 'vpcs[1].cidr: must be a CIDR such as 127.0.0.0/25 (no host bits set)'],
    ['an instance outside its VPC', (s) => (s.instances[0].privateIp = '127.0.0.200'), "instances[0].privateIp: 127.0.0.200 is not inside vpc-a's cidr 127.0.0.0/25"],
    [
      'a duplicate load balancer id',
      (s) => (s.loadBalancers[1].LoadBalancerId = 'lb-1'),
      "loadBalancers[1].LoadBalancerId: duplicate LoadBalancerId 'lb-1' (first at loadBalancers[0].LoadBalancerId)",
    ],
    ['a duplicate instance id', (s) => (s.instances[2].instanceId = 'i-1'), "instances[2].instanceId: duplicate instanceId 'i-1' (first at instances[0].instanceId)"],
    ['a Set-action field name', (s) => (s.loadBalancers[0].Listeners[3].healthCheck.HealthCheckSwitch = 'on'), 'loadBalancers[0].Listeners[3].healthCheck.HealthCheckSwitch: unknown field (the Describe API names it HealthCheck)'],
    [
      'the HTTP timeout name on a TCP listener',
      (s) => (s.loadBalancers[0].Listeners[2].healthCheck.HealthCheckTimeout = 5),
      'loadBalancers[0].Listeners[2].healthCheck.HealthCheckTimeout: unknown field (TCP and UDP listeners use HealthCheckConnectTimeout)',
    ],
    [
      'health-check fields outside healthCheck',
      (s) => (s.loadBalancers[0].Listeners[0].HealthCheckURI = '/'),
      'loadBalancers[0].Listeners[0].HealthCheckURI: unknown field (health-check fields go inside "healthCheck")',
    ],
    ['an interval out of range', (s) => (s.loadBalancers[0].Listeners[0].healthCheck.HealthCheckInterval = 0), 'loadBalancers[0].Listeners[0].healthCheck.HealthCheckInterval: must be an integer 1-50'],
    ['a threshold of 1', (s) => (s.loadBalancers[0].Listeners[0].healthCheck.UnhealthyThreshold = 1), 'loadBalancers[0].Listeners[0].healthCheck.UnhealthyThreshold: must be an integer 2-10'],
    [
      'HTTP check fields with a TCP check',
      (s) => (s.loadBalancers[0].Listeners[2].healthCheck.HealthCheckType = 'tcp'),
      'loadBalancers[0].Listeners[2].healthCheck.HealthCheckURI: only applies to an HTTP check (set HealthCheckType to "http")',
    ],
    [
      'two TCP-family listeners on one port',
      (s) => (s.loadBalancers[0].Listeners[5].ListenerPort = 80),
      'loadBalancers[0].Listeners[5].ListenerPort: port 80 is already used by loadBalancers[0].Listeners[0] (http)',
    ],
    [
      'a master-slave group on an HTTP listener',
      (s) => (s.loadBalancers[0].Listeners[6] = { ListenerPort: 8001, ListenerProtocol: 'http', MasterSlaveServerGroupId: 'rsp-ms' }),
      'loadBalancers[0].Listeners[6].MasterSlaveServerGroupId: only TCP and UDP listeners can use a master-slave server group',
    ],
    [
      'a listener without backend port or group',
      (s) => delete s.loadBalancers[0].Listeners[0].BackendServerPort,
      'loadBalancers[0].Listeners[0].BackendServerPort: is required when the listener has no VServerGroupId or MasterSlaveServerGroupId',
    ],
    [
      'a per-server port in the default group',
      (s) => (s.loadBalancers[0].BackendServers[0].Port = 80),
      "loadBalancers[0].BackendServers[0].Port: the default server group has no per-server port (the listener's BackendServerPort is used)",
    ],
    [
      'a fault on an unknown load balancer',
      (s) => (s.api = { faults: [{ action: 'DescribeHealthStatus', kind: 'http5xx', loadBalancerIds: ['lb-9'] }] }),
      "api.faults[0].loadBalancerIds[0]: unknown load balancer 'lb-9' (not in loadBalancers)",
    ],
    ['an API latency range upside down', (s) => (s.api = { latencyMs: [50, 10] }), 'api.latencyMs: min must not exceed max'],
    ['an array where an object belongs', (s) => (s.vpcs[0] = ['vpc-a']), 'vpcs[0]: must be an object'],
    ['a latency fault without latency', (s) => (s.api = { faults: [{ action: '*', kind: 'latency' }] }), 'api.faults[0].latencyMs: is required for kind "latency"'],
    ['a misspelt behaviour key', (s) => (s.endpoints[0] = { ip: '127.0.0.11', port: 80, behavior: 'healthy' }), 'endpoints[0].behavior: unknown field (spelled behaviour)'],
    ['a UDP behaviour on TCP', (s) => (s.endpoints[0].behaviour = 'udp-echo'), `endpoints[0].behaviour: 'udp-echo' is a UDP behaviour: set protocol to "udp"`],
    [
      'an STS key without a token',
      (s) => (s.api = { accessKeys: [{ accessKeyId: 'STS.abcdefgh', accessKeySecret: 'x' }] }),
      'api.accessKeys[0].securityToken: is required for an STS key (accessKeyId starting "STS.")',
    ],
    [
      'an expected finding for a missing listener',
      (s) => (s.expectedFindings = { 'lb-1/tcp:81/127.0.0.11:8080': 'PORT_CLOSED' }),
      `expectedFindings["lb-1/tcp:81/127.0.0.11:8080"]: load balancer 'lb-1' has no tcp:81 listener`,
    ],
    [
      'an expected finding for a server that is not a backend',
      (s) => (s.expectedFindings = { 'lb-1/http:80/127.0.0.13:8080': 'PORT_CLOSED' }),
      `expectedFindings["lb-1/http:80/127.0.0.13:8080"]: 127.0.0.13:8080 is not a backend of that listener (its backends: 127.0.0.11:8080, 127.0.0.12:8080)`,
    ],
    [
      'an SG rule port range for ICMP',
      (s) => {
        s.securityGroups[0].rules.push({ direction: 'ingress', policy: 'accept', priority: 1, ipProtocol: 'ICMP', portRange: '1/2', sourceCidrIp: '0.0.0.0/0' });
      },
      'securityGroups[0].rules[3].portRange: must be "-1/-1" for ICMP',
    ],
    [
      'a reply field not named like an API field',
      (s) => (s.loadBalancers[0].Listeners[0].replyFields = { healthCheck: { 'health-check': 'x' } }),
      'loadBalancers[0].Listeners[0].replyFields.healthCheck["health-check"]: must be named like an API field (PascalCase letters and digits)',
    ],
    [
      'a reply field holding an object',
      (s) => (s.loadBalancers[0].Listeners[0].replyFields = { listener: { Status: { a: 1 } } }),
      'loadBalancers[0].Listeners[0].replyFields.listener.Status: must be a string, number, boolean, or null (leave the field out)',
    ],
  ])('names the field for %s', (_label, mutate, message) => {
    const err = errorOf(mutate);
    expect(err.message).toBe(message);
    expect(message.startsWith(err.field)).toBe(true);
  });

  it('reports unreadable and non-JSON files in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, '{ "regionId": ');
      expect(() => loadScenario(file)).toThrow(new RegExp(`^scenario file ${file} is not valid JSON: `));
      expect(() => loadScenario(join(dir, 'missing.json'))).toThrow(/^cannot read scenario file .*missing\.json: ENOENT$/);
      expect(() => loadScenario(42)).toThrow(/^must be an object$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every validated field (checker settings included) and leaves omitted health-check fields omitted', () => {
    const scenario: Scenario = smallScenario();
    const loaded = loadScenario({ ...scenario, healthChecker: { intervalScale: 2, sourceIps: ['127.100.64.3'], maxInFlight: 16 } });
    expect(loaded.healthChecker).toEqual({ intervalScale: 2, sourceIps: ['127.100.64.3'], maxInFlight: 16 });
    expect(loaded.loadBalancers[0].Listeners[4]).toEqual({ ListenerPort: 5300, ListenerProtocol: 'udp', MasterSlaveServerGroupId: 'rsp-ms' });
    expect(loaded).not.toBe(scenario);
  });
});
