// The typed clients against the in-memory API: paging, batching, the wire parameters, the per-action rate budget.
import { FakeApi, fakeClients, type FakeLoadBalancer } from './fake-api';
import { priorityGate } from '../../lib/inventory/call-order';
import { FakeClock, flushMicrotasks } from '../util/fake-clock';

function manyLoadBalancers(count: number, listenersEach = 1): FakeLoadBalancer[] {
  return Array.from({ length: count }, (_, i) => ({
    LoadBalancerId: `lb-${String(i).padStart(4, '0')}`,
    listeners: Array.from({ length: listenersEach }, (_, j) => ({ ListenerPort: 1000 + j, ListenerProtocol: 'tcp' as const, BackendServerPort: 80 })),
  }));
}

describe('SLB paging and batching', () => {
  it('walks DescribeLoadBalancers 100 per page until TotalCount', async () => {
    const api = new FakeApi({ loadBalancers: manyLoadBalancers(250) });
    const clients = fakeClients(api);
    const lbs = await clients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' });
    expect(lbs).toHaveLength(250);
    expect(new Set(lbs.map((lb) => lb.LoadBalancerId)).size).toBe(250);
    expect(api.calls('DescribeLoadBalancers').map((r) => [r.query.PageNumber, r.query.PageSize, r.query.RegionId])).toEqual([
      ['1', '100', 'cn-hangzhou'],
      ['2', '100', 'cn-hangzhou'],
      ['3', '100', 'cn-hangzhou'],
    ]);
  });

  it('makes one call when everything fits a page', async () => {
    const api = new FakeApi({ loadBalancers: manyLoadBalancers(100) });
    expect(await fakeClients(api).slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' })).toHaveLength(100);
    expect(api.calls('DescribeLoadBalancers')).toHaveLength(1);
  });

  it('sends tag filters as Tag.N.Key / Tag.N.Value and id filters as a comma list', async () => {
    const api = new FakeApi({
      loadBalancers: [
        { LoadBalancerId: 'lb-a', Tags: { env: 'prod', team: 'web' }, listeners: [] },
        { LoadBalancerId: 'lb-b', Tags: { env: 'dev' }, listeners: [] },
      ],
    });
    const slb = fakeClients(api).slb;
    const tagged = await slb.collectLoadBalancers({ RegionId: 'cn-hangzhou', Tag: [{ Key: 'env', Value: 'prod' }] });
    expect(tagged.map((lb) => lb.LoadBalancerId)).toEqual(['lb-a']);
    expect(tagged[0]?.Tags?.Tag).toEqual([
      { TagKey: 'env', TagValue: 'prod' },
      { TagKey: 'team', TagValue: 'web' },
    ]);
    expect(api.calls('DescribeLoadBalancers')[0]?.query).toMatchObject({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' });
    await slb.collectLoadBalancers({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-a,lb-b' });
    expect(api.calls('DescribeLoadBalancers')[1]?.query.LoadBalancerId).toBe('lb-a,lb-b');
  });

  it('pages listeners by NextToken, 100 per page, with LoadBalancerId.N', async () => {
    const api = new FakeApi({ loadBalancers: manyLoadBalancers(10, 25) });
    const clients = fakeClients(api);
    const ids = api.world.loadBalancers.map((lb) => lb.LoadBalancerId);
    const listeners = await clients.slb.collectListeners({ RegionId: 'cn-hangzhou', LoadBalancerId: ids });
    expect(listeners).toHaveLength(250);
    const calls = api.calls('DescribeLoadBalancerListeners');
    expect(calls.map((r) => [r.query.MaxResults, r.query.NextToken])).toEqual([
      ['100', undefined],
      ['100', '100'],
      ['100', '200'],
    ]);
    expect(calls[0]?.query['LoadBalancerId.1']).toBe('lb-0000');
    expect(calls[0]?.query['LoadBalancerId.10']).toBe('lb-0009');
    expect(listeners[0]).toMatchObject({ LoadBalancerId: 'lb-0000', ListenerPort: 1000, ListenerProtocol: 'tcp', BackendServerPort: 80, TCPListenerConfig: {} });
  });

  it('refuses more than 10 load balancers per listener call', () => {
    const api = new FakeApi({ loadBalancers: manyLoadBalancers(11) });
    const slb = fakeClients(api).slb;
    expect(() => slb.describeLoadBalancerListeners({ RegionId: 'cn-hangzhou', LoadBalancerId: api.world.loadBalancers.map((lb) => lb.LoadBalancerId) })).toThrow(RangeError);
    expect(api.requests).toHaveLength(0);
  });

  it('reads every per-listener attribute action with the API names', async () => {
    const api = new FakeApi({
      loadBalancers: [
        {
          LoadBalancerId: 'lb-1',
          listeners: [
            { ListenerPort: 443, ListenerProtocol: 'https', VServerGroupId: 'rsp-1', config: { HealthCheck: 'on', HealthCheckURI: '/healthz', HealthCheckTimeout: 3 } },
            { ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 53, config: { HealthCheckReq: 'ping', HealthCheckExp: 'pong' } },
          ],
        },
      ],
    });
    const slb = fakeClients(api).slb;
    const https = await slb.describeLoadBalancerHTTPSListenerAttribute({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1', ListenerPort: 443 });
    expect(https).toMatchObject({ ListenerPort: 443, VServerGroupId: 'rsp-1', HealthCheck: 'on', HealthCheckURI: '/healthz', HealthCheckTimeout: 3 });
    const udp = await slb.describeLoadBalancerUDPListenerAttribute({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1', ListenerPort: 53 });
    expect(udp).toMatchObject({ BackendServerPort: 53, HealthCheckReq: 'ping', HealthCheckExp: 'pong' });
    expect(api.requests.map((r) => r.action)).toEqual(['DescribeLoadBalancerHTTPSListenerAttribute', 'DescribeLoadBalancerUDPListenerAttribute']);
    expect(api.requests.every((r) => r.version === '2014-05-15')).toBe(true);
  });

  it('reads DescribeRegions', async () => {
    const regions = await fakeClients(new FakeApi({ loadBalancers: [] })).slb.describeRegions();
    expect(regions.Regions.Region[0]).toEqual({ RegionId: 'cn-hangzhou', LocalName: '华东 1', RegionEndpoint: 'slb.aliyuncs.com' });
  });
});

describe('ECS', () => {
  it('asks DescribeInstances for at most 100 ids at a time, as a JSON array, following NextToken', async () => {
    const instances = Array.from({ length: 230 }, (_, i) => ({ InstanceId: `i-${i}`, PrivateIp: `127.0.1.${i % 250}`, SecurityGroupIds: ['sg-1'] }));
    const api = new FakeApi({ loadBalancers: [], instances });
    const facts = await fakeClients(api).ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: [...instances.map((i) => i.InstanceId), 'i-1'] });
    expect(facts).toHaveLength(230);
    expect(facts[5]).toEqual({ instanceId: 'i-5', status: 'Running', privateIps: ['127.0.1.5'], securityGroupIds: ['sg-1'], vpcId: 'vpc-1' });
    const calls = api.calls('DescribeInstances');
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.version).toBe('2014-05-26');
      expect(call.query.RegionId).toBe('cn-hangzhou');
      expect(JSON.parse(call.query.InstanceIds ?? '[]').length).toBeLessThanOrEqual(100);
    }
  });

  it('reads ingress rules with their policy, priority and ranges normalised', async () => {
    const api = new FakeApi({
      loadBalancers: [],
      securityGroups: {
        'sg-1': [
          { Direction: 'ingress', Policy: 'Drop', Priority: '1', IpProtocol: 'tcp', PortRange: '80/80', SourceCidrIp: '100.64.0.0/10', Description: 'no slb' },
          { Direction: 'ingress', Policy: 'Accept', Priority: '100', IpProtocol: 'ALL', PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0' },
          { Direction: 'egress', Policy: 'Accept', Priority: '1', IpProtocol: 'ALL', PortRange: '-1/-1', DestCidrIp: '0.0.0.0/0' },
        ],
      },
    });
    const rules = await fakeClients(api).ecs.describeSecurityGroupAttribute({ RegionId: 'cn-hangzhou', SecurityGroupId: 'sg-1' });
    expect(rules).toEqual([
      { securityGroupId: 'sg-1', direction: 'ingress', policy: 'drop', priority: 1, ipProtocol: 'TCP', portRange: '80/80', sourceCidrIp: '100.64.0.0/10', description: 'no slb' },
      { securityGroupId: 'sg-1', direction: 'ingress', policy: 'accept', priority: 100, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0', description: '' },
    ]);
    expect(api.calls('DescribeSecurityGroupAttribute')[0]?.query).toMatchObject({ Direction: 'ingress', SecurityGroupId: 'sg-1' });
  });
});

describe('per-action rate budget', () => {
  it('spaces calls of a budgeted action on the clock and leaves other actions alone', async () => {
    const clock = new FakeClock(0, 'auto');
    const api = new FakeApi({ loadBalancers: [{ LoadBalancerId: 'lb-1', listeners: [] }] });
    const sentAt: Record<string, number[]> = {};
    api.intercept((request) => {
      (sentAt[request.action] ??= []).push(clock.now());
      return undefined;
    });
    const clients = fakeClients(api, { clock, rateLimits: { DescribeHealthStatus: { count: 2, perMs: 1000 } } });
    for (let i = 0; i < 4; i++) await clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    // Two per second in any window: the third waits until the first has left the window.
    expect(sentAt.DescribeHealthStatus).toEqual([0, 0, 1000, 1000]);
    for (let i = 0; i < 3; i++) await clients.slb.describeLoadBalancerAttribute({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(sentAt.DescribeLoadBalancerAttribute).toEqual([1000, 1000, 1000]);
  });

  it('defaults to 3000 calls per minute per action', async () => {
    const clock = new FakeClock(0, 'auto');
    const api = new FakeApi({ loadBalancers: [{ LoadBalancerId: 'lb-1', listeners: [] }] });
    const clients = fakeClients(api, { clock });
    for (let i = 0; i < 3000; i++) await clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(clock.now()).toBe(0);
    // The 3001st would make 3001 in one minute: it waits until the first call is a minute old.
    await clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(clock.now()).toBe(60_000);
  });

  it('a throttled reply pauses the action for everyone before the retry', async () => {
    const clock = new FakeClock(0, 'auto');
    const api = new FakeApi({ loadBalancers: [{ LoadBalancerId: 'lb-1', listeners: [] }] });
    const sentAt: number[] = [];
    api.intercept((request) => (request.action === 'DescribeHealthStatus' ? (sentAt.push(clock.now()), undefined) : undefined));
    api.failNext('DescribeHealthStatus', Object.assign(new Error('Throttling.Api'), { code: 'Throttling.Api', statusCode: 400 }));
    const clients = fakeClients(api, { clock, random: () => 0, rateLimits: { DescribeHealthStatus: { count: 10, perMs: 1000 } } });
    await clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(sentAt).toEqual([0, 1000]);
    expect(clients.counters.get('DescribeHealthStatus')).toEqual({ calls: 2, throttled: 1, retries: 1, failures: 0 });
  });
  it('a call waiting for its quota holds no admission slot: other actions go by meanwhile', async () => {
    const clock = new FakeClock(0, 'manual');
    const api = new FakeApi({ loadBalancers: [{ LoadBalancerId: 'lb-1', listeners: [] }] });
    const clients = fakeClients(api, { clock, rateLimits: { DescribeHealthStatus: { count: 1, perMs: 1000 } } });
    // One request in flight at a time, as an inventory's slots would allow.
    const slots = priorityGate(1);
    const slb = clients.slb.admittedBy((send) => slots('verdicts', send));
    const request = { RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' };
    await slb.describeHealthStatus(request);
    const finished: string[] = [];
    const second = slb.describeHealthStatus(request).then(() => finished.push('health'));
    const attribute = slb.describeLoadBalancerAttribute(request).then(() => finished.push('attribute'));
    await attribute;
    await flushMicrotasks();
    // The second health read waits for its window; the attribute call did not wait behind it.
    expect(finished).toEqual(['attribute']);
    await clock.advance(1000);
    await second;
    expect(finished).toEqual(['attribute', 'health']);
    expect(clients.counters.get('DescribeHealthStatus')).toMatchObject({ calls: 2, throttled: 0 });
  });
});

describe('ApiCounters', () => {
  it('sums per action and in total', async () => {
    const api = new FakeApi({ loadBalancers: manyLoadBalancers(150) });
    const clients = fakeClients(api);
    await clients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' });
    await clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-0001' });
    expect(clients.counters.calls()).toEqual({ DescribeHealthStatus: 1, DescribeLoadBalancers: 2 });
    expect(clients.counters.total()).toEqual({ calls: 3, throttled: 0, retries: 0, failures: 0 });
    expect(clients.counters.snapshot().DescribeLoadBalancers).toEqual({ calls: 2, throttled: 0, retries: 0, failures: 0 });
  });
});
