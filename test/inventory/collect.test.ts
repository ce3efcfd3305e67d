import { CloudAccessError, type CallApi } from '../../lib/cloud';
import { collectInventory, priorityGate, readHealthStatus, recheckThrough } from '../../lib/inventory';
import { MAX_BATCHES_AWAITING_VERDICTS } from '../../lib/inventory/collect';
import type { Listener, LoadBalancer } from '../../lib/model';
import { FakeApi, apiError, fakeClients, type FakeWorld } from '../cloud/fake-api';

const REGION = 'cn-hangzhou';

/** Two load balancers covering the default group, a VServer group, a master-slave group and all four protocols. */
function mixedWorld(): FakeWorld {
  return {
    loadBalancers: [
      {
        LoadBalancerId: 'lb-web',
        LoadBalancerName: 'web',
        VpcId: 'vpc-1',
        Tags: { env: 'prod' },
        BackendServers: [
          { ServerId: 'i-1', ServerIp: '127.0.0.11' },
          { ServerId: 'i-2', ServerIp: '127.0.0.12', Weight: 0 },
        ],
        listeners: [
          { ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, config: { HealthCheckDomain: '$_ip', HealthCheckURI: '/health', HealthCheckTimeout: 1, HealthCheckInterval: 3 } },
          {
            ListenerPort: 443,
            ListenerProtocol: 'https',
            VServerGroupId: 'rsp-1',
            config: { HealthCheckDomain: 'www.example.test', HealthCheckMethod: 'get', HealthCheckHttpVersion: 'http1.1', HealthCheckHttpCode: 'http_2xx' },
          },
          { ListenerPort: 3306, ListenerProtocol: 'tcp', MasterSlaveServerGroupId: 'msg-1', config: { HealthCheckType: 'http', HealthCheckURI: '/ready', HealthCheckConnectPort: 9000 } },
          { ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 5353, config: { HealthCheckReq: 'ping', HealthCheckExp: 'pong' } },
        ],
      },
      {
        LoadBalancerId: 'lb-api',
        VpcId: 'vpc-1',
        BackendServers: [{ ServerId: 'i-2', ServerIp: '127.0.0.12' }],
        listeners: [{ ListenerPort: 8000, ListenerProtocol: 'tcp', BackendServerPort: 8000, config: { HealthCheckType: 'tcp', HealthCheckConnectTimeout: 5 } }],
      },
    ],
    vServerGroups: {
      'rsp-1': [
        { ServerId: 'i-1', Port: 8443, ServerIp: '127.0.0.11' },
        { ServerId: 'i-3', Port: 9443, ServerIp: '127.0.0.13' },
      ],
    },
    masterSlaveGroups: {
      'msg-1': [
        { ServerId: 'i-4', Port: 3306, ServerType: 'Master' },
        { ServerId: 'i-5', Port: 3306, ServerType: 'Slave' },
      ],
    },
    instances: [
      { InstanceId: 'i-1', PrivateIp: '127.0.0.11', SecurityGroupIds: ['sg-web'] },
      { InstanceId: 'i-2', PrivateIp: '127.0.0.12', SecurityGroupIds: ['sg-web'] },
      { InstanceId: 'i-3', PrivateIp: '127.0.0.13', SecurityGroupIds: ['sg-web'], Status: 'Stopped' },
      { InstanceId: 'i-4', PrivateIp: '127.0.0.14', SecurityGroupIds: ['sg-db'] },
      { InstanceId: 'i-5', PrivateIp: '127.0.0.15', SecurityGroupIds: ['sg-db'] },
    ],
    securityGroups: {
      'sg-web': [{ Direction: 'ingress', Policy: 'Accept', Priority: '1', IpProtocol: 'TCP', PortRange: '1/65535', SourceCidrIp: '0.0.0.0/0' }],
      'sg-db': [{ Direction: 'ingress', Policy: 'Drop', Priority: '1', IpProtocol: 'TCP', PortRange: '9000/9000', SourceCidrIp: '100.64.0.0/10' }],
    },
    status: { 'http:80/i-2:8080': 'abnormal', 'tcp:3306/i-5:3306': 'abnormal', 'https:443/i-3:9443': 'unavailable' },
  };
}

function listener(inventory: { loadBalancers: { id: string; listeners: Listener[] }[] }, lbId: string, key: string): Listener {
  const found = inventory.loadBalancers.find((lb) => lb.id === lbId)?.listeners.find((l) => `${l.protocol}:${l.port}` === key);
  if (!found) throw new Error(`no listener ${key} on ${lbId}`);
  return found;
}

describe('collectInventory', () => {
  it('normalizes load balancers, listeners, backends and their checks', async () => {
    const inventory = await collectInventory(fakeClients(new FakeApi(mixedWorld())), { regionId: REGION });
    expect(inventory.errors).toEqual([]);
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(['lb-web', 'lb-api']);
    const web = inventory.loadBalancers[0];
    expect(web).toMatchObject({ name: 'web', regionId: REGION, vpcId: 'vpc-1', vSwitchId: 'vsw-1', networkType: 'vpc', status: 'active', tags: { env: 'prod' } });
    expect(web?.listeners.map((l) => `${l.protocol}:${l.port}`)).toEqual(['udp:53', 'http:80', 'https:443', 'tcp:3306']);

    const http = listener(inventory, 'lb-web', 'http:80');
    expect(http.healthCheck).toMatchObject({ type: 'http', method: 'HEAD', domain: null, uri: '/health', timeoutSeconds: 3, configuredTimeoutSeconds: 1 });
    expect(http.backends).toEqual([
      { serverId: 'i-1', ip: '127.0.0.11', port: 8080, checkPort: 8080, checkHost: '127.0.0.11', weight: 100, type: 'ecs', group: { kind: 'default' }, slbStatus: 'normal' },
      { serverId: 'i-2', ip: '127.0.0.12', port: 8080, checkPort: 8080, checkHost: '127.0.0.12', weight: 0, type: 'ecs', group: { kind: 'default' }, slbStatus: 'abnormal' },
    ]);

    const https = listener(inventory, 'lb-web', 'https:443');
    expect(https).toMatchObject({ vServerGroupId: 'rsp-1', backendServerPort: null });
    expect(https.healthCheck).toMatchObject({ type: 'http', method: 'GET', httpVersion: '1.1', domain: 'www.example.test', acceptedCodes: ['http_2xx'] });
    expect(https.backends.map((b) => [b.serverId, b.port, b.checkPort, b.checkHost, b.group, b.slbStatus])).toEqual([
      ['i-1', 8443, 8443, 'www.example.test', { kind: 'vserver', id: 'rsp-1' }, 'normal'],
      ['i-3', 9443, 9443, 'www.example.test', { kind: 'vserver', id: 'rsp-1' }, 'unavailable'],
    ]);

    const tcp = listener(inventory, 'lb-web', 'tcp:3306');
    expect(tcp).toMatchObject({ masterSlaveServerGroupId: 'msg-1' });
    expect(tcp.healthCheck).toMatchObject({ type: 'http', method: 'GET', uri: '/ready', connectPort: 9000 });
    expect(tcp.backends.map((b) => [b.serverId, b.ip, b.port, b.checkPort, b.checkHost, b.group, b.slbStatus])).toEqual([
      ['i-4', '127.0.0.14', 3306, 9000, '127.0.0.14', { kind: 'master-slave', id: 'msg-1', role: 'Master' }, 'normal'],
      ['i-5', '127.0.0.15', 3306, 9000, '127.0.0.15', { kind: 'master-slave', id: 'msg-1', role: 'Slave' }, 'abnormal'],
    ]);

    const udp = listener(inventory, 'lb-web', 'udp:53');
    expect(udp.healthCheck).toMatchObject({ type: 'udp', udpRequest: 'ping', udpExpect: 'pong' });
    expect(udp.backends.map((b) => [b.ip, b.port, b.checkHost])).toEqual([
      ['127.0.0.11', 5353, null],
      ['127.0.0.12', 5353, null],
    ]);

    expect(inventory.instances['i-3']).toEqual({ instanceId: 'i-3', status: 'Stopped', privateIps: ['127.0.0.13'], securityGroupIds: ['sg-web'], vpcId: 'vpc-1' });
    expect(Object.keys(inventory.instances).sort()).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    expect(inventory.securityGroupRules['sg-db']).toEqual([
      { securityGroupId: 'sg-db', direction: 'ingress', policy: 'drop', priority: 1, ipProtocol: 'TCP', portRange: '9000/9000', sourceCidrIp: '100.64.0.0/10', description: '' },
    ]);
  });

  it('makes the fewest calls: one per load balancer for health, one per group, none per listener', async () => {
    const api = new FakeApi(mixedWorld());
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION });
    expect(inventory.apiCalls).toEqual({
      DescribeLoadBalancers: 1,
      DescribeLoadBalancerListeners: 1,
      DescribeLoadBalancerAttribute: 2,
      DescribeHealthStatus: 2,
      DescribeVServerGroupAttribute: 1,
      DescribeMasterSlaveServerGroupAttribute: 1,
      DescribeInstances: 1,
      DescribeSecurityGroupAttribute: 2,
    });
    expect(api.calls('DescribeHealthStatus').map((r) => r.query.ListenerPort)).toEqual([undefined, undefined]);
    expect(api.calls('DescribeSecurityGroupAttribute').every((r) => r.query.Direction === 'ingress')).toBe(true);
  });

  it('hands each load balancer to onVerdicts once its listeners and verdicts are in, before any attribute or group call', async () => {
    const api = new FakeApi(mixedWorld());
    const early = new Map<string, { model: LoadBalancer; callsBefore: string[] }>();
    const inventory = await collectInventory(fakeClients(api), {
      regionId: REGION,
      // One call at a time, so that the order in which calls take the slot is the order they are made.
      slots: priorityGate(1),
      onVerdicts: (lb) => early.set(lb.id, { model: lb, callsBefore: api.requests.map((r) => r.action) }),
    });
    expect([...early.keys()].sort()).toEqual(['lb-api', 'lb-web']);
    for (const { callsBefore } of early.values()) {
      expect(callsBefore.slice(0, 3)).toEqual(['DescribeLoadBalancers', 'DescribeLoadBalancerListeners', 'DescribeHealthStatus']);
      expect(callsBefore.filter((action) => action !== 'DescribeHealthStatus')).toEqual(['DescribeLoadBalancers', 'DescribeLoadBalancerListeners']);
    }
    // Verdicts first, then the details, ECS last.
    const actions = api.requests.map((r) => r.action);
    const firstDetail = actions.findIndex((a) => /Attribute$/.test(a) && a !== 'DescribeSecurityGroupAttribute');
    expect(actions.lastIndexOf('DescribeHealthStatus')).toBeLessThan(firstDetail);
    expect(actions.indexOf('DescribeInstances')).toBeGreaterThan(actions.lastIndexOf('DescribeMasterSlaveServerGroupAttribute'));

    // Every backend SLB reports with an IP, with its address, check and verdict exactly as the complete model has it;
    // weight and type are SLB's defaults until the attribute and group calls tell them; master-slave backends wait.
    const web = early.get('lb-web')?.model;
    const backendsOf = (lb: LoadBalancer | undefined, key: string): unknown[] =>
      (lb?.listeners.find((l) => `${l.protocol}:${l.port}` === key)?.backends ?? []).map(({ weight: _weight, type: _type, ...rest }) => rest);
    const final = inventory.loadBalancers.find((lb) => lb.id === 'lb-web');
    for (const key of ['http:80', 'https:443', 'udp:53']) expect(backendsOf(web, key)).toEqual(backendsOf(final, key));
    expect(web?.listeners.find((l) => l.port === 80)?.backends.map((b) => [b.weight, b.type])).toEqual([[100, 'ecs'], [100, 'ecs']]);
    expect(backendsOf(web, 'tcp:3306')).toEqual([]);
    expect(web?.listeners.map((l) => l.healthCheck)).toEqual(final?.listeners.map((l) => l.healthCheck));
  });

  it('hands a load balancer complete before the ECS facts to onComplete, with the promise of its ECS facts, and keeps only the others', async () => {
    // lb-web's master-slave backends have no IP until ECS tells it (SLB lists no verdicts for it).
    const api = new FakeApi(mixedWorld()).intercept((request) =>
      request.action === 'DescribeHealthStatus' && request.query.LoadBalancerId === 'lb-web' ? { body: { BackendServers: { BackendServer: [] } } } : undefined,
    );
    const handed: Array<{ id: string; factsAt: { instance: boolean; rules: boolean; describeInstances: number } }> = [];
    const settled: Promise<void>[] = [];
    const inventory = await collectInventory(fakeClients(api), {
      regionId: REGION,
      onComplete: (lb, facts, factsRead) => {
        settled.push(
          factsRead.then(() => {
            handed.push({
              id: lb.id,
              factsAt: { instance: facts.instances['i-2'] !== undefined, rules: facts.securityGroupRules['sg-web'] !== undefined, describeInstances: api.calls('DescribeInstances').length },
            });
          }),
        );
      },
    });
    await Promise.all(settled);
    // lb-web stays in the inventory, assembled at the end; lb-api was handed over once i-2 and sg-web were read.
    expect(handed).toEqual([{ id: 'lb-api', factsAt: { instance: true, rules: true, describeInstances: 1 } }]);
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(['lb-web']);
    expect(inventory.loadBalancerIds).toEqual(['lb-web', 'lb-api']);
  });

  it('reads the verdicts of the load balancers with the longest checks first, once every listener call is done', async () => {
    // 12 load balancers (two listener calls); each one's longest effective check timeout, in listing order.
    const longest = [2, 5, 1, 3, 5, 2, 1, 4, 2, 3, 4, 1];
    const world: FakeWorld = {
      loadBalancers: longest.map((seconds, i) => ({
        LoadBalancerId: `lb-${i}`,
        BackendServers: [{ ServerId: `i-${i}`, ServerIp: `127.0.1.${i + 1}` }],
        listeners: [
          { ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080, config: { HealthCheckTimeout: seconds, HealthCheckInterval: 1 } },
          { ListenerPort: 3306, ListenerProtocol: 'tcp' as const, BackendServerPort: 3306, config: { HealthCheckConnectTimeout: 1, HealthCheckInterval: 1 } },
        ],
      })),
      instances: longest.map((_, i) => ({ InstanceId: `i-${i}`, PrivateIp: `127.0.1.${i + 1}` })),
    };
    const api = new FakeApi(world);
    // One call at a time, each answered a turn of the event loop later (as a network would), so that the calls made
    // meanwhile are all waiting for the slot when it frees.
    const overTheNetwork: CallApi = async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      return api.callApi(request);
    };
    await collectInventory(fakeClients(api, { transport: overTheNetwork }), { regionId: REGION, slots: priorityGate(1) });
    const actions = api.requests.map((r) => r.action);
    expect(actions.slice(0, 3)).toEqual(['DescribeLoadBalancers', 'DescribeLoadBalancerListeners', 'DescribeLoadBalancerListeners']);
    // Longest first; among equal ones, the order they were listed in.
    const expected = longest.map((seconds, i) => ({ seconds, id: `lb-${i}` })).sort((a, b) => b.seconds - a.seconds).map((lb) => lb.id);
    expect(api.calls('DescribeHealthStatus').map((r) => r.query.LoadBalancerId)).toEqual(expected);
  });

  it('skips DescribeLoadBalancerAttribute when no listener uses the default group', async () => {
    const world = mixedWorld();
    world.loadBalancers = [{ LoadBalancerId: 'lb-v', listeners: [{ ListenerPort: 443, ListenerProtocol: 'https', VServerGroupId: 'rsp-1', config: {} }] }];
    const inventory = await collectInventory(fakeClients(new FakeApi(world)), { regionId: REGION });
    expect(inventory.apiCalls.DescribeLoadBalancerAttribute).toBeUndefined();
    expect(listener(inventory, 'lb-v', 'https:443').backends).toHaveLength(2);
  });

  it('asks the per-listener describe only for a listener whose batched entry lacks its config', async () => {
    const world = mixedWorld();
    const tcp = world.loadBalancers[0]?.listeners.find((l) => l.ListenerPort === 3306);
    if (tcp) tcp.omitConfigInList = true;
    const api = new FakeApi(world);
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION });
    expect(api.calls('DescribeLoadBalancerTCPListenerAttribute').map((r) => [r.query.LoadBalancerId, r.query.ListenerPort])).toEqual([['lb-web', '3306']]);
    expect(inventory.apiCalls.DescribeLoadBalancerTCPListenerAttribute).toBe(1);
    const restored = listener(inventory, 'lb-web', 'tcp:3306');
    expect(restored.masterSlaveServerGroupId).toBe('msg-1');
    expect(restored.healthCheck).toMatchObject({ type: 'http', connectPort: 9000 });
    expect(restored.backends).toHaveLength(2);
  });

  it('falls back to one DescribeHealthStatus per listener when SLB answers TooManyListeners', async () => {
    const api = new FakeApi({
      loadBalancers: [
        {
          LoadBalancerId: 'lb-dns',
          tooManyListeners: true,
          BackendServers: [{ ServerId: 'i-1', ServerIp: '127.0.0.11' }],
          listeners: [
            { ListenerPort: 53, ListenerProtocol: 'tcp', BackendServerPort: 53 },
            { ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 53 },
          ],
        },
      ],
      instances: [{ InstanceId: 'i-1', PrivateIp: '127.0.0.11' }],
      status: { 'udp:53/i-1:53': 'abnormal' },
    });
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION });
    expect(api.calls('DescribeHealthStatus').map((r) => [r.query.ListenerPort, r.query.ListenerProtocol])).toEqual([
      [undefined, undefined],
      ['53', 'tcp'],
      ['53', 'udp'],
    ]);
    expect(inventory.errors).toEqual([]);
    expect(listener(inventory, 'lb-dns', 'tcp:53').backends[0]?.slbStatus).toBe('normal');
    expect(listener(inventory, 'lb-dns', 'udp:53').backends[0]?.slbStatus).toBe('abnormal');
  });

  it('takes a master-slave backend IP from ECS when SLB reports none', async () => {
    const api = new FakeApi(mixedWorld()).intercept((request) =>
      request.action === 'DescribeHealthStatus' && request.query.LoadBalancerId === 'lb-web' ? { body: { BackendServers: { BackendServer: [] } } } : undefined,
    );
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION });
    expect(listener(inventory, 'lb-web', 'tcp:3306').backends.map((b) => [b.ip, b.slbStatus])).toEqual([
      ['127.0.0.14', 'unknown'],
      ['127.0.0.15', 'unknown'],
    ]);
  });

  it('reports a backend whose IP nobody knows instead of dropping it silently', async () => {
    const world = mixedWorld();
    world.instances = world.instances?.filter((i) => i.InstanceId !== 'i-5');
    const api = new FakeApi(world);
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION });
    expect(inventory.errors).toEqual([
      expect.objectContaining({ loadBalancerId: 'lb-web', action: 'DescribeMasterSlaveServerGroupAttribute', code: 'BackendIpUnknown' }),
    ]);
    expect(listener(inventory, 'lb-web', 'tcp:3306').backends.map((b) => b.serverId)).toEqual(['i-4']);
  });
});

describe('partial failure', () => {
  it('turns one load balancer whose calls keep failing into an InventoryError and completes the rest', async () => {
    const api = new FakeApi(mixedWorld()).intercept((request) =>
      request.action === 'DescribeHealthStatus' && request.query.LoadBalancerId === 'lb-api' ? { throw: apiError('InternalError', 500, 'The request processing has failed.') } : undefined,
    );
    const clients = fakeClients(api, { retry: { maxAttempts: 3 } });
    const inventory = await collectInventory(clients, { regionId: REGION });
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(['lb-web']);
    expect(inventory.errors).toEqual([
      {
        loadBalancerId: 'lb-api',
        action: 'DescribeHealthStatus',
        code: 'InternalError',
        message: expect.stringMatching(/^SLB DescribeHealthStatus failed after 3 attempts: InternalError \(HTTP 500\)/),
      },
    ]);
    expect(clients.counters.get('DescribeHealthStatus')).toMatchObject({ calls: 4, retries: 2, failures: 1 });
  });

  it('isolates the load balancer that spoils a listener batch', async () => {
    const world: FakeWorld = {
      loadBalancers: Array.from({ length: 12 }, (_, i) => ({
        LoadBalancerId: i === 3 ? 'lb-bad' : `lb-${i}`,
        BackendServers: [{ ServerId: `i-${i}`, ServerIp: `127.0.0.${20 + i}` }],
        listeners: [{ ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 80 }],
      })),
    };
    const api = new FakeApi(world).intercept((request) =>
      request.action === 'DescribeLoadBalancerListeners' && Object.values(request.query).includes('lb-bad') ? { throw: apiError('ServiceUnavailable', 503) } : undefined,
    );
    const inventory = await collectInventory(fakeClients(api, { retry: { maxAttempts: 2 } }), { regionId: REGION });
    expect(inventory.loadBalancers).toHaveLength(11);
    expect(inventory.errors.map((e) => [e.loadBalancerId, e.action, e.code])).toEqual([['lb-bad', 'DescribeLoadBalancerListeners', 'ServiceUnavailable']]);
    expect(inventory.loadBalancers.every((lb) => lb.listeners.length === 1)).toBe(true);
  });

  it('keeps the load balancers when ECS fails, and reports the ECS failure', async () => {
    const api = new FakeApi(mixedWorld()).failNext('DescribeInstances', apiError('InternalError', 500), 10);
    const inventory = await collectInventory(fakeClients(api, { retry: { maxAttempts: 2 } }), { regionId: REGION });
    expect(inventory.loadBalancers).toHaveLength(2);
    expect(inventory.instances).toEqual({});
    expect(inventory.errors.map((e) => [e.loadBalancerId, e.action, e.code])).toEqual([[null, 'DescribeInstances', 'InternalError']]);
    // Master-slave IPs still come from SLB's health status.
    expect(listener(inventory, 'lb-web', 'tcp:3306').backends.map((b) => b.ip)).toEqual(['127.0.0.14', '127.0.0.15']);
  });

  it('throws a permission error instead of reporting a partial inventory', async () => {
    const api = new FakeApi(mixedWorld()).failNext('DescribeVServerGroupAttribute', apiError('Forbidden.RAM', 403), 10);
    const clients = fakeClients(api);
    await expect(collectInventory(clients, { regionId: REGION })).rejects.toThrow(CloudAccessError);
    await expect(collectInventory(clients, { regionId: REGION })).rejects.toThrow(/slb:DescribeVServerGroupAttribute/);
  });
});

describe('filters', () => {
  it('asks for the requested load balancers 10 ids per call and reports the ones that do not exist', async () => {
    const world: FakeWorld = {
      loadBalancers: Array.from({ length: 30 }, (_, i) => ({ LoadBalancerId: `lb-${i}`, listeners: [] })),
    };
    const api = new FakeApi(world);
    const wanted = [...Array.from({ length: 11 }, (_, i) => `lb-${i}`), 'lb-missing'];
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION, filter: { loadBalancerIds: wanted } });
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(wanted.slice(0, 11));
    expect(api.calls('DescribeLoadBalancers').map((r) => r.query.LoadBalancerId?.split(',').length)).toEqual([10, 2]);
    expect(inventory.errors).toEqual([
      { loadBalancerId: 'lb-missing', action: 'DescribeLoadBalancers', code: 'InvalidLoadBalancerId.NotFound', message: expect.stringMatching(/lb-missing was not found in region cn-hangzhou/) },
    ]);
  });

  it('passes tag filters to DescribeLoadBalancers', async () => {
    const api = new FakeApi(mixedWorld());
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION, filter: { tags: { env: 'prod' } } });
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(['lb-web']);
    expect(api.calls('DescribeLoadBalancers')[0]?.query).toMatchObject({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' });
  });

  it('narrows listeners and health status to the requested listener', async () => {
    const api = new FakeApi(mixedWorld());
    const inventory = await collectInventory(fakeClients(api), {
      regionId: REGION,
      filter: { loadBalancerIds: ['lb-web', 'lb-api'], listener: { port: 443, protocol: 'https' } },
    });
    expect(api.calls('DescribeLoadBalancerListeners')[0]?.query).toMatchObject({ ListenerPort: '443', ListenerProtocol: 'https' });
    expect(api.calls('DescribeHealthStatus').map((r) => [r.query.LoadBalancerId, r.query.ListenerPort, r.query.ListenerProtocol])).toEqual([['lb-web', '443', 'https']]);
    expect(inventory.loadBalancers.map((lb) => [lb.id, lb.listeners.map((l) => l.port)])).toEqual([['lb-web', [443]]]);
    expect(inventory.errors).toEqual([expect.objectContaining({ loadBalancerId: 'lb-api', code: 'ListenerNotFound' })]);
    expect(inventory.apiCalls.DescribeLoadBalancerAttribute).toBeUndefined();
  });
});

describe('recheckThrough', () => {
  it('sends a re-check made during the inventory through its call slots, after every verdict and before the details', async () => {
    const world: FakeWorld = {
      loadBalancers: Array.from({ length: 12 }, (_, i) => ({
        LoadBalancerId: `lb-${i}`,
        BackendServers: [{ ServerId: `i-${i}`, ServerIp: `127.0.1.${i + 1}` }],
        listeners: [{ ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080 }],
      })),
      instances: Array.from({ length: 12 }, (_, i) => ({ InstanceId: `i-${i}`, PrivateIp: `127.0.1.${i + 1}` })),
    };
    const api = new FakeApi(world);
    // Each call answered a turn of the event loop later, so that the calls made meanwhile wait for the one slot.
    const overTheNetwork: CallApi = async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      return api.callApi(request);
    };
    const clients = fakeClients(api, { transport: overTheNetwork });
    const slots = priorityGate(1);
    const recheck = recheckThrough(slots, clients, REGION);
    const rechecks: Array<Promise<unknown>> = [];
    const rechecked = { id: '' };
    // The first load balancer whose verdicts are in is re-checked at once, as one whose probes all ended would be.
    const onVerdicts = (lb: LoadBalancer): void => {
      if (rechecks.length > 0) return;
      rechecked.id = lb.id;
      rechecks.push(recheck(lb.id));
    };
    await collectInventory(clients, { regionId: REGION, slots, onVerdicts });
    const [statuses] = await Promise.all(rechecks);
    expect(statuses).toEqual(new Map([[`http:80/127.0.1.${Number(rechecked.id.slice(3)) + 1}:8080`, 'normal']]));
    // The re-check is the load balancer's second DescribeHealthStatus: after all 12 verdicts, before any attribute call.
    const asked = api.requests.map((r) => `${r.action} ${r.query.LoadBalancerId ?? ''}`);
    const recheckAt = asked.lastIndexOf(`DescribeHealthStatus ${rechecked.id}`);
    expect(asked.indexOf(`DescribeHealthStatus ${rechecked.id}`)).toBeLessThan(recheckAt);
    expect(asked.slice(0, recheckAt).filter((call) => call.startsWith('DescribeHealthStatus '))).toHaveLength(12);
    expect(asked.findIndex((call) => call.startsWith('DescribeLoadBalancerAttribute '))).toBeGreaterThan(recheckAt);
  });
});

describe('readHealthStatus', () => {
  it('maps protocol:listenerPort/ip:port to SLB status with one call', async () => {
    const api = new FakeApi(mixedWorld());
    const statuses = await readHealthStatus(fakeClients(api), REGION, 'lb-web');
    expect(statuses.get('http:80/127.0.0.12:8080')).toBe('abnormal');
    expect(statuses.get('http:80/127.0.0.11:8080')).toBe('normal');
    expect(statuses.get('tcp:3306/127.0.0.15:3306')).toBe('abnormal');
    expect(statuses.get('https:443/127.0.0.13:9443')).toBe('unavailable');
    expect(statuses.size).toBe(8);
    expect(api.requests.map((r) => r.action)).toEqual(['DescribeHealthStatus']);
  });

  it('asks per listener after TooManyListeners', async () => {
    const api = new FakeApi({
      loadBalancers: [
        {
          LoadBalancerId: 'lb-dns',
          tooManyListeners: true,
          BackendServers: [{ ServerId: 'i-1', ServerIp: '127.0.0.11' }],
          listeners: [
            { ListenerPort: 53, ListenerProtocol: 'tcp', BackendServerPort: 53 },
            { ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 53 },
          ],
        },
      ],
      status: { 'tcp:53/i-1:53': 'abnormal' },
    });
    const statuses = await readHealthStatus(fakeClients(api), REGION, 'lb-dns');
    expect([...statuses]).toEqual([
      ['tcp:53/127.0.0.11:53', 'abnormal'],
      ['udp:53/127.0.0.11:53', 'normal'],
    ]);
    expect(api.requests.map((r) => r.action)).toEqual(['DescribeHealthStatus', 'DescribeLoadBalancerListeners', 'DescribeHealthStatus', 'DescribeHealthStatus']);
  });
});

describe('fleet scale', () => {
  it('collects 1,000 load balancers with 10,000 backends in a bounded number of calls', async () => {
    const world: FakeWorld = {
      loadBalancers: Array.from({ length: 1000 }, (_, i) => ({
        LoadBalancerId: `lb-${i}`,
        BackendServers: Array.from({ length: 10 }, (_, j) => ({ ServerId: `i-${i}-${j}`, ServerIp: `127.1.${i % 250}.${j + 1}` })),
        listeners: [{ ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080 }],
      })),
      instances: Array.from({ length: 10_000 }, (_, n) => ({
        InstanceId: `i-${Math.floor(n / 10)}-${n % 10}`,
        PrivateIp: `127.1.${Math.floor(n / 10) % 250}.${(n % 10) + 1}`,
        SecurityGroupIds: [`sg-${n % 4}`],
      })),
      securityGroups: { 'sg-0': [], 'sg-1': [], 'sg-2': [], 'sg-3': [] },
    };
    const inventory = await collectInventory(fakeClients(new FakeApi(world)), { regionId: REGION });
    expect(inventory.errors).toEqual([]);
    expect(inventory.loadBalancers.reduce((sum, lb) => sum + (lb.listeners[0]?.backends.length ?? 0), 0)).toBe(10_000);
    expect(inventory.apiCalls).toEqual({
      DescribeLoadBalancers: 10,
      DescribeLoadBalancerListeners: 100,
      DescribeLoadBalancerAttribute: 1000,
      DescribeHealthStatus: 1000,
      DescribeInstances: 100,
      DescribeSecurityGroupAttribute: 4,
    });
  });

  it('reads the listeners of a bounded number of batches while their verdicts wait for their quota', async () => {
    const count = (MAX_BATCHES_AWAITING_VERDICTS + 50) * 10;
    const api = new FakeApi({
      loadBalancers: Array.from({ length: count }, (_, i) => ({
        LoadBalancerId: `lb-${i}`,
        BackendServers: [{ ServerId: `i-${i}`, ServerIp: `127.2.${Math.floor(i / 250)}.${(i % 250) + 1}` }],
        listeners: [{ ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080 }],
      })),
    });
    // Every DescribeHealthStatus waits, as the ones beyond a quota window do, until released; with call slots for all
    // of them, only the inventory's own bound holds the listener calls back.
    let releaseVerdicts = (): void => undefined;
    const verdictsHeld = new Promise<void>((resolve) => (releaseVerdicts = resolve));
    const transport: CallApi = async (request) => {
      if (request.action === 'DescribeHealthStatus') await verdictsHeld;
      return api.callApi(request);
    };
    const collecting = collectInventory(fakeClients(api, { transport }), { regionId: REGION, slots: priorityGate(count * 2) });
    for (let turn = 0; turn < 500; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(api.calls('DescribeLoadBalancers')).toHaveLength(count / 100);
    expect(api.calls('DescribeLoadBalancerListeners')).toHaveLength(MAX_BATCHES_AWAITING_VERDICTS);
    releaseVerdicts();
    const inventory = await collecting;
    expect(inventory.errors).toEqual([]);
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(Array.from({ length: count }, (_, i) => `lb-${i}`));
    expect(api.calls('DescribeLoadBalancerListeners')).toHaveLength(count / 10);
  });

  it('gives the listeners that check alike one health-check object, and a listener\'s backends one group object', async () => {
    const api = new FakeApi({
      loadBalancers: Array.from({ length: 3 }, (_, i) => ({
        LoadBalancerId: `lb-${i}`,
        BackendServers: [
          { ServerId: `i-${i}-a`, ServerIp: `127.3.${i}.1` },
          { ServerId: `i-${i}-b`, ServerIp: `127.3.${i}.2` },
        ],
        listeners: [
          { ListenerPort: 80, ListenerProtocol: 'http' as const, BackendServerPort: 8080, config: { HealthCheckURI: '/health' } },
          { ListenerPort: 81, ListenerProtocol: 'http' as const, BackendServerPort: 8081, config: { HealthCheckURI: i === 2 ? '/other' : '/health' } },
        ],
      })),
    });
    const inventory = await collectInventory(fakeClients(api), { regionId: REGION });
    const listeners = inventory.loadBalancers.flatMap((lb) => lb.listeners);
    const checks = new Set(listeners.map((listener) => listener.healthCheck));
    expect(checks.size).toBe(2);
    expect([...checks].map((check) => check.uri).sort()).toEqual(['/health', '/other']);
    for (const listener of listeners) {
      expect(listener.backends).toHaveLength(2);
      expect(listener.backends[0]?.group).toBe(listener.backends[1]?.group);
    }
  });
});
