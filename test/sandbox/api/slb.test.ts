// The SLB emulator's answers: real JSON shapes, filters, paging and errors, called through openapi-client.
import { callError, callRpc, fixedHealth, fleetScenario, smallScenario, startApis, type ApiFixture, type KeyPair } from './helpers';

// Parsed API bodies are untyped JSON by nature.
type Json = Record<string, any>;

describe('SLB emulator', () => {
  let api: ApiFixture;
  let key: KeyPair;
  const slb = (action: string, query: Record<string, unknown> = {}): Promise<Json> => callRpc(api.slb.endpoint, key, action, query);

  beforeAll(async () => {
    api = await startApis(smallScenario(), {
      health: fixedHealth({
        'lb-1/http:80/127.0.0.11:8080': 'normal',
        'lb-1/http:80/127.0.0.12:8080': 'abnormal',
        'lb-1/udp:53/127.0.0.11:8053': 'abnormal',
        'lb-1/tcp:8000/127.0.0.11:8080': 'normal',
        'lb-1/http:8001/127.0.0.11:8080': 'normal',
      }),
    });
    key = { accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret };
  });
  afterAll(() => api.stop());

  it('DescribeRegions lists the sandbox region with its own endpoint', async () => {
    const body = await slb('DescribeRegions', { AcceptLanguage: 'en-US' });
    expect(body.Regions.Region).toEqual([{ RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)', RegionEndpoint: api.slb.endpoint }]);
  });

  describe('DescribeLoadBalancers', () => {
    it('answers the wrapped list with paging fields and tags', async () => {
      const body = await slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou' });
      expect(body).toMatchObject({ PageNumber: 1, PageSize: 10, TotalCount: 2 });
      const [first] = body.LoadBalancers.LoadBalancer;
      expect(first).toMatchObject({
        LoadBalancerId: 'lb-1',
        LoadBalancerName: 'one',
        Address: '127.0.0.1',
        AddressType: 'intranet',
        NetworkType: 'vpc',
        VpcId: 'vpc-a',
        VSwitchId: 'vsw-a',
        LoadBalancerStatus: 'active',
        RegionId: 'cn-hangzhou',
        Tags: { Tag: [{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'web' }] },
      });
      expect(typeof first.CreateTimeStamp).toBe('number');
    });

    it('filters by id list, tag, VPC and region', async () => {
      const ids = async (query: Record<string, unknown>) =>
        (await slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou', ...query })).LoadBalancers.LoadBalancer.map((lb: Json) => lb.LoadBalancerId);
      expect(await ids({ LoadBalancerId: 'lb-2,lb-1' })).toEqual(['lb-1', 'lb-2']);
      expect(await ids({ Tag: [{ Key: 'env', Value: 'prod' }] })).toEqual(['lb-1']);
      expect(await ids({ Tag: [{ Key: 'env' }] })).toEqual(['lb-1', 'lb-2']);
      expect(await ids({ Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'test' }]) })).toEqual(['lb-2']);
      expect(await ids({ VpcId: 'vpc-b' })).toEqual(['lb-2']);
      expect(await ids({ ServerId: 'i-3' })).toEqual(['lb-1']);
      expect(await ids({ RegionId: 'cn-beijing' })).toEqual([]);
    });

    it('rejects more than 10 ids, PageSize over 100 and a missing RegionId', async () => {
      const eleven = Array.from({ length: 11 }, (_, index) => `lb-${index}`).join(',');
      expect(await callError(slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou', LoadBalancerId: eleven }))).toMatchObject({
        code: 'InvalidParameter',
        statusCode: 400,
      });
      expect((await callError(slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou', PageSize: 101 }))).code).toBe('InvalidParameter');
      expect((await callError(slb('DescribeLoadBalancers'))).code).toBe('MissingParameter');
    });
  });

  it('DescribeLoadBalancerAttribute lists ports with protocols and the default group with ServerIp', async () => {
    const body = await slb('DescribeLoadBalancerAttribute', { RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(body.ListenerPorts.ListenerPort).toEqual([53, 53, 80, 443, 5300, 8000, 8001]);
    expect(body.ListenerPortsAndProtocol.ListenerPortAndProtocol).toContainEqual({ ListenerPort: 443, ListenerProtocol: 'https' });
    expect(body.ListenerPortsAndProtocal.ListenerPortAndProtocal).toContainEqual({ ListenerPort: 443, ListenerProtocal: 'https' });
    expect(body.BackendServers.BackendServer).toEqual([
      { ServerId: 'i-1', Weight: 100, Type: 'ecs', ServerIp: '127.0.0.11' },
      { ServerId: 'i-2', Weight: 0, Type: 'ecs', ServerIp: '127.0.0.12', Description: 'drained' },
    ]);
    const missing = await callError(slb('DescribeLoadBalancerAttribute', { LoadBalancerId: 'lb-nope' }));
    expect(missing).toMatchObject({ code: 'InvalidLoadBalancerId.NotFound', statusCode: 400 });
  });

  describe('DescribeLoadBalancerListeners', () => {
    const listeners = async (query: Record<string, unknown> = {}): Promise<Json[]> =>
      (await slb('DescribeLoadBalancerListeners', { RegionId: 'cn-hangzhou', LoadBalancerId: ['lb-1'], ...query })).Listeners;

    it('answers a bare Listeners array with one config object per protocol and SLB defaults applied', async () => {
      const all = await listeners();
      const byKey = new Map(all.map((listener) => [`${listener.ListenerProtocol}:${listener.ListenerPort}`, listener]));
      expect(byKey.get('http:80')).toMatchObject({
        LoadBalancerId: 'lb-1',
        Status: 'running',
        BackendServerPort: 8080,
        Tags: [],
        HTTPListenerConfig: {
          HealthCheck: 'on',
          HealthCheckType: 'http',
          HealthCheckDomain: '$_ip',
          HealthCheckURI: '/healthz',
          HealthCheckHttpCode: 'http_2xx,http_3xx',
          HealthCheckMethod: 'head',
          HealthCheckHttpVersion: 'http1.0',
          HealthCheckInterval: 2,
          HealthCheckTimeout: 3,
          HealthyThreshold: 3,
          UnhealthyThreshold: 3,
        },
      });
      const https = byKey.get('https:443');
      expect(https).toMatchObject({ VServerGroupId: 'rsp-1', HTTPSListenerConfig: { HealthCheckMethod: 'get', HealthCheckHttpVersion: 'http1.1', HealthCheckURI: '/' } });
      expect(https).not.toHaveProperty('BackendServerPort');
      expect(byKey.get('tcp:53')?.TCPListenerConfig).toMatchObject({
        HealthCheckType: 'http',
        HealthCheckURI: '/ping',
        HealthCheckMethod: 'get',
        HealthCheckConnectTimeout: 5,
        ProxyProtocolV2Enabled: 'false',
      });
      expect(byKey.get('udp:53')?.UDPListenerConfig).toMatchObject({
        HealthCheckReq: 'ping',
        HealthCheckExp: 'pong',
        HealthCheckInterval: 5,
        HealthCheckConnectTimeout: 10,
      });
      expect(byKey.get('udp:5300')?.UDPListenerConfig).toMatchObject({ MasterSlaveServerGroupId: 'rsp-ms' });
      expect(byKey.get('http:8001')?.HTTPListenerConfig).toMatchObject({ HealthCheck: 'off' });
      expect(byKey.get('http:8001')?.HTTPListenerConfig).not.toHaveProperty('HealthCheckURI');
      expect(byKey.get('tcp:8000')).toMatchObject({ Status: 'stopped', TCPListenerConfig: { HealthCheckType: 'tcp' } });
      expect(byKey.get('tcp:8000')?.TCPListenerConfig).not.toHaveProperty('HealthCheckURI');
    });

    it('filters by port and protocol', async () => {
      expect((await listeners({ ListenerPort: 53 })).map((item) => item.ListenerProtocol)).toEqual(['tcp', 'udp']);
      expect((await listeners({ ListenerProtocol: 'udp' })).map((item) => item.ListenerPort)).toEqual([53, 5300]);
    });

    it('rejects more than 10 LoadBalancerId.N and MaxResults over 100', async () => {
      const eleven = Array.from({ length: 11 }, (_, index) => `lb-${index}`);
      expect(await callError(listeners({ LoadBalancerId: eleven }))).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
      expect((await callError(listeners({ MaxResults: 101 }))).code).toBe('InvalidParameter');
      expect((await callError(listeners({ NextToken: 'bogus' }))).code).toBe('InvalidParameter');
    });
  });

  describe('per-listener attribute actions', () => {
    it('answer flat fields named as each action names them', async () => {
      const http = await slb('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: 'lb-1', ListenerPort: 80 });
      expect(http).toMatchObject({ ListenerPort: 80, HealthCheck: 'on', HealthCheckURI: '/healthz', HealthCheckTimeout: 3, ListenerForward: 'off' });
      expect(http).not.toHaveProperty('HealthCheckType');
      expect(http).not.toHaveProperty('HealthCheckHttpVersion');
      const https = await slb('DescribeLoadBalancerHTTPSListenerAttribute', { LoadBalancerId: 'lb-1', ListenerPort: 443 });
      expect(https).toMatchObject({ VServerGroupId: 'rsp-1', HealthCheckMethod: 'get' });
      const tcp = await slb('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: 'lb-1', ListenerPort: 53 });
      expect(tcp).toMatchObject({ HealthCheckType: 'http', HealthCheckConnectTimeout: 5, BackendServerPort: 8053, ProxyProtocolV2Enabled: false });
      const udp = await slb('DescribeLoadBalancerUDPListenerAttribute', { LoadBalancerId: 'lb-1', ListenerPort: 53 });
      expect(udp).toMatchObject({ HealthCheckReq: 'ping', HealthCheckExp: 'pong', HealthCheckConnectTimeout: 10 });
      expect(udp).not.toHaveProperty('HealthCheckSwitch');
    });

    it('fail for a port without a listener of that protocol, or a missing port', async () => {
      expect((await callError(slb('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: 'lb-1', ListenerPort: 53 }))).code).toBe('InvalidParameter');
      expect((await callError(slb('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: 'lb-1' }))).code).toBe('MissingParameter');
      expect((await callError(slb('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: 'lb-1', ListenerPort: 70000 }))).code).toBe('InvalidParameter');
    });
  });

  describe('DescribeHealthStatus', () => {
    const statuses = async (query: Record<string, unknown>): Promise<Json[]> =>
      (await slb('DescribeHealthStatus', { LoadBalancerId: 'lb-1', ...query })).BackendServers.BackendServer;

    it('reports the checker verdict per listener and backend', async () => {
      expect(await statuses({ ListenerPort: 80 })).toEqual([
        { ServerId: 'i-1', ServerIp: '127.0.0.11', Port: 8080, ListenerPort: 80, Protocol: 'http', Type: 'ecs', ServerHealthStatus: 'normal' },
        { ServerId: 'i-2', ServerIp: '127.0.0.12', Port: 8080, ListenerPort: 80, Protocol: 'http', Type: 'ecs', ServerHealthStatus: 'abnormal' },
      ]);
      const vServer = await statuses({ ListenerPort: 443 });
      expect(vServer.map((entry) => `${entry.ServerIp}:${entry.Port}`)).toEqual(['127.0.0.11:8081', '127.0.0.13:9091']);
    });

    it('answers TooManyListeners when a port has two protocols and none is given', async () => {
      expect(await callError(statuses({ ListenerPort: 53 }))).toMatchObject({ code: 'TooManyListeners', statusCode: 400 });
      expect(await statuses({ ListenerPort: 53, ListenerProtocol: 'udp' })).toEqual([
        expect.objectContaining({ ServerIp: '127.0.0.11', Port: 8053, Protocol: 'udp', ServerHealthStatus: 'abnormal' }),
        expect.objectContaining({ ServerIp: '127.0.0.12', Port: 8053, Protocol: 'udp', ServerHealthStatus: 'unavailable' }),
      ]);
    });

    it('reports unavailable for a stopped listener or a disabled check, whatever the checker says', async () => {
      expect((await statuses({ ListenerPort: 8000 })).map((entry) => entry.ServerHealthStatus)).toEqual(['unavailable', 'unavailable']);
      expect((await statuses({ ListenerPort: 8001 })).map((entry) => entry.ServerHealthStatus)).toEqual(['unavailable', 'unavailable']);
    });

    it('covers every listener when no port is given', async () => {
      // 80, 53/tcp, 53/udp, 8000, 8001: 2 default-group servers each; 443: 2 VServer servers; 5300: master + slave.
      expect(await statuses({})).toHaveLength(5 * 2 + 2 + 2);
    });
  });

  it('DescribeVServerGroups / DescribeVServerGroupAttribute / DescribeMasterSlaveServerGroupAttribute', async () => {
    const groups = await slb('DescribeVServerGroups', { RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1', IncludeListener: true });
    expect(groups.VServerGroups.VServerGroup).toEqual([
      expect.objectContaining({
        VServerGroupId: 'rsp-1',
        VServerGroupName: 'api',
        ServerCount: 2,
        AssociatedObjects: { Listeners: { Listener: [{ Port: 443, Protocol: 'https' }] } },
      }),
    ]);
    const attribute = await slb('DescribeVServerGroupAttribute', { RegionId: 'cn-hangzhou', VServerGroupId: 'rsp-1' });
    expect(attribute).toMatchObject({ LoadBalancerId: 'lb-1', VServerGroupName: 'api' });
    expect(attribute.BackendServers.BackendServer).toEqual([
      { ServerId: 'i-1', Port: 8081, Weight: 100, Type: 'ecs', ServerIp: '127.0.0.11', Description: '' },
      { ServerId: 'i-3', Port: 9091, Weight: 50, Type: 'eni', ServerIp: '127.0.0.13', Description: '' },
    ]);
    const masterSlave = await slb('DescribeMasterSlaveServerGroupAttribute', { RegionId: 'cn-hangzhou', MasterSlaveServerGroupId: 'rsp-ms' });
    expect(masterSlave.MasterSlaveBackendServers.MasterSlaveBackendServer).toEqual([
      { ServerId: 'i-1', Port: 5300, Weight: 100, Type: 'ecs', ServerType: 'Master', Description: '' },
      { ServerId: 'i-3', Port: 5300, Weight: 100, Type: 'ecs', ServerType: 'Slave', Description: '' },
    ]);
    expect((await callError(slb('DescribeVServerGroupAttribute', { RegionId: 'cn-hangzhou', VServerGroupId: 'rsp-nope' }))).code).toBe('InvalidParameter');
    expect((await callError(slb('DescribeVServerGroups', { LoadBalancerId: 'lb-1' }))).code).toBe('MissingParameter');
  });
});

describe('SLB emulator paging over a fleet', () => {
  let api: ApiFixture;
  let key: KeyPair;
  const slb = (action: string, query: Record<string, unknown> = {}): Promise<Json> => callRpc(api.slb.endpoint, key, action, query);

  beforeAll(async () => {
    api = await startApis(fleetScenario(120, 3));
    key = { accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret };
  });
  afterAll(() => api.stop());

  it('pages 120 load balancers with PageSize 100', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 5 && seen.length < 120; page += 1) {
      const body = await slb('DescribeLoadBalancers', { RegionId: 'cn-hangzhou', PageNumber: page, PageSize: 100 });
      expect(body.TotalCount).toBe(120);
      seen.push(...body.LoadBalancers.LoadBalancer.map((lb: Json) => lb.LoadBalancerId));
    }
    expect(new Set(seen).size).toBe(120);
  });

  it('pages 360 listeners with MaxResults 100 and NextToken', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const body = await slb('DescribeLoadBalancerListeners', { RegionId: 'cn-hangzhou', MaxResults: 100, ...(nextToken && { NextToken: nextToken }) });
      expect(body).toMatchObject({ TotalCount: 360, MaxResults: 100 });
      seen.push(...body.Listeners.map((listener: Json) => `${listener.LoadBalancerId}/${listener.ListenerPort}`));
      nextToken = body.NextToken || undefined;
      pages += 1;
    } while (nextToken && pages < 10);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(360);
  });

  it('defaults to 20 listeners per page for 10 load balancers', async () => {
    const ids = Array.from({ length: 10 }, (_, index) => `lb-fleet-${String(index).padStart(4, '0')}`);
    const first = await slb('DescribeLoadBalancerListeners', { RegionId: 'cn-hangzhou', LoadBalancerId: ids });
    expect(first.Listeners).toHaveLength(20);
    expect(first.TotalCount).toBe(30);
    const second = await slb('DescribeLoadBalancerListeners', { RegionId: 'cn-hangzhou', LoadBalancerId: ids, NextToken: first.NextToken });
    expect(second.Listeners).toHaveLength(10);
    expect(second.NextToken).toBe('');
  });
});
