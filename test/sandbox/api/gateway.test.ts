// Gateway behaviour shared by every product: RAM denials, per-action rolling quotas, scenario faults, call counts.
import * as $Ecs from '@alicloud/ecs20140526';
import { callError, callRpc, ecsClient, smallScenario, startApis, type ApiFixture, type KeyPair } from './helpers';

const LIMITED_KEY = { accessKeyId: 'LTAIlimitedKey00000001', accessKeySecret: 'limited-secret', deny: ['ecs:*'] };

describe('RAM permissions and quotas', () => {
  let api: ApiFixture;
  let key: KeyPair;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    api = await startApis(
      {
        ...smallScenario(),
        api: {
          denyActions: ['slb:DescribeHealthStatus'],
          accessKeys: [LIMITED_KEY],
          quotas: { 'slb:DescribeRegions': { calls: 3, perSeconds: 60 }, 'ecs:DescribeInstances': { calls: 1, perSeconds: 60 } },
        },
      },
      { now: () => Date.now() + clockOffsetMs },
    );
    key = { accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret };
  });
  afterAll(() => api.stop());

  it('answers 403 Forbidden.RAM naming the RAM action for a denied action', async () => {
    const err = await callError(callRpc(api.slb.endpoint, key, 'DescribeHealthStatus', { LoadBalancerId: 'lb-1' }));
    expect(err).toMatchObject({ code: 'Forbidden.RAM', statusCode: 403 });
    expect(err.message).toContain("User not authorized to operate on the specified resource, or this API doesn't support RAM.");
    expect(err.data?.AccessDeniedDetail).toMatchObject({ AuthAction: 'slb:DescribeHealthStatus', NoPermissionType: 'ImplicitDeny' });
    const viaSts = await callError(callRpc(api.slb.endpoint, api.credentials.sts, 'DescribeHealthStatus', { LoadBalancerId: 'lb-1' }));
    expect(viaSts.code).toBe('Forbidden.RAM');
  });

  it('applies a scenario key’s own deny list (product wildcard included)', async () => {
    const limited = { accessKeyId: LIMITED_KEY.accessKeyId, accessKeySecret: LIMITED_KEY.accessKeySecret };
    await expect(callRpc(api.slb.endpoint, limited, 'DescribeHealthStatus', { LoadBalancerId: 'lb-1' })).resolves.toHaveProperty('BackendServers');
    const ecs = await callError(ecsClient(api.ecs.endpoint, limited).describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou' })));
    expect(ecs).toMatchObject({ name: 'ClientError', code: 'Forbidden.RAM', statusCode: 403 });
  });

  it('throttles an action beyond its rolling quota with Throttling.User, per action, until the window moves on', async () => {
    for (let call = 0; call < 3; call += 1) await callRpc(api.slb.endpoint, key, 'DescribeRegions');
    expect(await callError(callRpc(api.slb.endpoint, key, 'DescribeRegions'))).toMatchObject({ code: 'Throttling.User', statusCode: 400 });
    await expect(callRpc(api.slb.endpoint, key, 'DescribeLoadBalancers', { RegionId: 'cn-hangzhou' })).resolves.toHaveProperty('TotalCount');
    clockOffsetMs = 61_000;
    await expect(callRpc(api.slb.endpoint, key, 'DescribeRegions')).resolves.toHaveProperty('Regions');
    clockOffsetMs = 0;
  });

  it('gives openapi-core a ThrottlingError with retryAfter', async () => {
    const client = ecsClient(api.ecs.endpoint, key);
    const request = new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou' });
    await client.describeInstances(request);
    const err = (await callError(client.describeInstances(request))) as { name: string; code?: string; retryAfter?: number };
    expect(err).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User' });
    expect(err.retryAfter).toBeGreaterThan(0);
  });

  it('counts calls per action with their outcomes', () => {
    const stats = api.policy.stats();
    expect(stats.actions['slb:DescribeRegions']).toEqual({ calls: 5, ok: 4, errors: { 'Throttling.User': 1 } });
    expect(stats.actions['slb:DescribeHealthStatus']).toEqual({ calls: 3, ok: 1, errors: { 'Forbidden.RAM': 2 } });
    expect(stats.total).toBeGreaterThanOrEqual(12);
  });
});

describe('scenario API faults', () => {
  let api: ApiFixture;
  let key: KeyPair;
  let randomValue = 0.9;

  beforeAll(async () => {
    api = await startApis(
      {
        ...smallScenario(),
        api: {
          faults: [
            { action: 'DescribeLoadBalancerAttribute', kind: 'http5xx', loadBalancerIds: ['lb-2'] },
            { action: 'slb:DescribeVServerGroups', kind: 'internal-error', count: 1 },
            { action: 'DescribeLoadBalancerListeners', kind: 'throttle-burst', count: 2 },
            { action: 'DescribeRegions', kind: 'malformed-body', count: 1 },
            { action: 'DescribeMasterSlaveServerGroupAttribute', kind: 'malformed-body', variant: 'html-502', count: 1 },
            { action: 'DescribeHealthStatus', kind: 'latency', latencyMs: 3000, count: 1 },
            { action: 'DescribeLoadBalancers', kind: 'http5xx', probability: 0.5 },
          ],
        },
      },
      { random: () => randomValue },
    );
    key = { accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret };
  });
  afterAll(() => api.stop());

  const slb = (action: string, query: Record<string, unknown> = {}, readTimeoutMs?: number) =>
    callRpc(api.slb.endpoint, key, action, query, readTimeoutMs === undefined ? {} : { readTimeoutMs });

  it('http5xx scoped to one load balancer: 503 ServiceUnavailable for it, normal answers for others', async () => {
    expect(await callError(slb('DescribeLoadBalancerAttribute', { LoadBalancerId: 'lb-2' }))).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
    await expect(slb('DescribeLoadBalancerAttribute', { LoadBalancerId: 'lb-1' })).resolves.toHaveProperty('LoadBalancerId', 'lb-1');
  });

  it('internal-error and throttle-burst affect exactly `count` calls', async () => {
    const query = { RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' };
    expect(await callError(slb('DescribeVServerGroups', query))).toMatchObject({ code: 'InternalError', statusCode: 500 });
    await expect(slb('DescribeVServerGroups', query)).resolves.toHaveProperty('VServerGroups');
    for (let call = 0; call < 2; call += 1) {
      expect((await callError(slb('DescribeLoadBalancerListeners', { RegionId: 'cn-hangzhou' }))).code).toBe('Throttling.User');
    }
    await expect(slb('DescribeLoadBalancerListeners', { RegionId: 'cn-hangzhou' })).resolves.toHaveProperty('Listeners');
  });

  it('malformed-body: a 200 with truncated JSON, or a 502 HTML page (the client cannot parse either)', async () => {
    const truncated = await callError(slb('DescribeRegions'));
    expect(truncated.name).toBe('SyntaxError');
    await expect(slb('DescribeRegions')).resolves.toHaveProperty('Regions');
    const html = await callError(slb('DescribeMasterSlaveServerGroupAttribute', { RegionId: 'cn-hangzhou', MasterSlaveServerGroupId: 'rsp-ms' }));
    expect(html.name).toBe('SyntaxError');
    expect(api.policy.stats().actions['slb:DescribeMasterSlaveServerGroupAttribute'].errors).toEqual({ BadGatewayHtml: 1 });
  });

  it('latency holds the answer back (the client times out), for `count` calls only', async () => {
    const slow = await callError(slb('DescribeHealthStatus', { LoadBalancerId: 'lb-1' }, 300));
    expect(slow.name).toBe('RequestTimeoutError');
    await expect(slb('DescribeHealthStatus', { LoadBalancerId: 'lb-1' }, 2000)).resolves.toHaveProperty('BackendServers');
  });

  it('probability decides per call', async () => {
    randomValue = 0.9;
    await expect(slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou' })).resolves.toHaveProperty('TotalCount');
    randomValue = 0.1;
    expect((await callError(slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou' }))).code).toBe('ServiceUnavailable');
    randomValue = 0.9;
  });
});
