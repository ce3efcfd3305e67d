// The fleet generator: deterministic, the proportions, a valid scenario, and planted faults that match their
// endpoints exactly (each fault reaches exactly the one backend entry that expects it).
import { LISTENER_PROFILES, generateFleetScenario, type FleetScenario } from '../../bench/scenario';
import type { Scenario, ScenarioEndpoint } from '../../lib/sandbox/scenario/types';
import { validateScenario } from '../../lib/sandbox/scenario/validate';

const fleet = generateFleetScenario({ loadBalancers: 200 });

/** Every backend entry as `lbId/protocol:port/ip:port` with the endpoint that answers it. */
function entries(scenario: Scenario): { key: string; endpoint: ScenarioEndpoint | undefined; profile: string }[] {
  const ips = new Map(scenario.instances.map((i) => [i.instanceId, i.privateIp]));
  const endpoints = new Map(scenario.endpoints.map((e) => [`${e.protocol ?? 'tcp'}://${e.ip}:${e.port}`, e]));
  const result: { key: string; endpoint: ScenarioEndpoint | undefined; profile: string }[] = [];
  for (const lb of scenario.loadBalancers) {
    for (const listener of lb.Listeners) {
      const servers = listener.VServerGroupId
        ? (lb.VServerGroups ?? []).find((g) => g.VServerGroupId === listener.VServerGroupId)?.BackendServers ?? []
        : lb.BackendServers ?? [];
      for (const server of servers) {
        const address = `${ips.get(server.ServerId)}:${server.Port ?? listener.BackendServerPort}`;
        const scheme = listener.ListenerProtocol === 'udp' ? 'udp' : 'tcp';
        result.push({ key: `${lb.LoadBalancerId}/${listener.ListenerProtocol}:${listener.ListenerPort}/${address}`, endpoint: endpoints.get(`${scheme}://${address}`), profile: listener.Description ?? '' });
      }
    }
  }
  return result;
}

test('the same options give the same scenario; another seed gives another', () => {
  expect(generateFleetScenario({ loadBalancers: 200 })).toEqual(fleet);
  expect(generateFleetScenario({ loadBalancers: 200, seed: 7 }).scenario.expectedFindings).not.toEqual(fleet.scenario.expectedFindings);
});

test('the fleet has the issue proportions and is a valid sandbox scenario', () => {
  const { scenario, shape }: FleetScenario = fleet;
  expect(() => validateScenario(scenario)).not.toThrow();
  expect(shape.loadBalancers).toBe(200);
  expect(scenario.vpcs).toHaveLength(5);
  expect(shape.listeners / 200).toBeGreaterThan(2.7);
  expect(shape.listeners / 200).toBeLessThan(3.3);
  expect(shape.backendEntries / 200).toBeGreaterThan(9);
  expect(shape.backendEntries / 200).toBeLessThan(11);
  expect(shape.unhealthyEntries).toBe(Math.round(0.05 * shape.backendEntries));
  expect(Object.values(shape.listenersByProtocol).every((n) => n > 0)).toBe(true);
  expect(shape.vServerGroups).toBeGreaterThan(0);
  expect(scenario.api).toEqual({ latencyMs: [20, 50], quotas: { '*': { calls: 3000, perSeconds: 60 } } });
});

test('addresses stay clear of the default scenario and of the stand-in for SLB\'s health-check source', () => {
  const addresses = [...fleet.scenario.instances.map((i) => i.privateIp), ...fleet.scenario.endpoints.map((e) => e.ip)];
  for (const ip of addresses) {
    expect(ip).toMatch(/^127\.[1-5]\./);
    expect(ip.startsWith('127.100.64.')).toBe(false);
  }
});

test('each planted fault is the one entry whose endpoint misbehaves, with a code its listener produces', () => {
  const planted = fleet.scenario.expectedFindings ?? {};
  const all = entries(fleet.scenario);
  expect(all).toHaveLength(fleet.shape.backendEntries);
  for (const entry of all) {
    expect(entry.endpoint).toBeDefined(); // nothing is refused by accident
    const profile = LISTENER_PROFILES[entry.profile as keyof typeof LISTENER_PROFILES];
    const behaviour = entry.endpoint && 'behaviour' in entry.endpoint ? entry.endpoint.behaviour : undefined;
    if (planted[entry.key] === undefined) {
      expect(behaviour).toBe(profile.healthy.behaviour);
    } else {
      const fault = profile.faults.find((f) => f.behaviour === behaviour);
      expect(fault?.code).toBe(planted[entry.key]);
    }
  }
  // No faulty endpoint is shared with another entry.
  const faultyAddresses = Object.keys(planted).map((key) => key.slice(key.lastIndexOf('/') + 1));
  expect(new Set(faultyAddresses).size).toBe(faultyAddresses.length);
});

test('the planted faults cover the zoo, including hangs, and can be narrowed to some behaviours', () => {
  const big = generateFleetScenario({ loadBalancers: 1000 });
  // Healthy entries share a few hundred sockets: far fewer endpoints than entries.
  expect(big.shape.endpoints).toBeLessThan(big.shape.backendEntries / 4);
  for (const behaviour of ['hang', 'slow', 'refused', 'blackhole', 'not-found', 'head-refused', 'default-server', 'redirect', 'status', 'tls-only', 'reset', 'garbage', 'slb-source-blocked', 'udp-closed']) {
    expect(big.shape.faultsByBehaviour[behaviour] ?? 0).toBeGreaterThan(0);
  }
  const hangsOnly = generateFleetScenario({ loadBalancers: 50, behaviours: ['hang'] });
  expect(Object.keys(hangsOnly.shape.faultsByBehaviour)).toEqual(['hang']);
  expect(new Set(Object.values(hangsOnly.scenario.expectedFindings ?? {}))).toEqual(new Set(['RESPONSE_TIMEOUT']));
});

test('bad sizes are refused', () => {
  expect(() => generateFleetScenario({ loadBalancers: 0 })).toThrow(RangeError);
  expect(() => generateFleetScenario({ loadBalancers: 10, unhealthyShare: 2 })).toThrow(RangeError);
});
