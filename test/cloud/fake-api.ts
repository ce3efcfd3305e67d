// An in-memory SLB + ECS that answers the `CallApi` seam with the APIs' own JSON (PascalCase, wrapped lists, paging),
// so the clients and the inventory run exactly as against the service. Test-only; it keeps every request it saw.
import { createCloudClients, type ApiRequest, type CallApi, type CloudClientOptions, type CloudClients } from '../../lib/cloud';
import { FakeClock } from '../util/fake-clock';

type Json = Record<string, unknown>;

export interface FakeServer {
  ServerId: string;
  Weight?: number;
  Type?: 'ecs' | 'eni' | 'eci';
  /** Default group and VServer groups carry it; master-slave groups never do. */
  ServerIp?: string;
}

export interface FakeListener {
  ListenerPort: number;
  ListenerProtocol: 'http' | 'https' | 'tcp' | 'udp';
  Status?: string;
  BackendServerPort?: number;
  VServerGroupId?: string;
  MasterSlaveServerGroupId?: string;
  /** Health-check fields as the API names them. */
  config?: Json;
  /** The batched DescribeLoadBalancerListeners entry leaves out its config object (forces the per-listener describe). */
  omitConfigInList?: boolean;
}

export interface FakeLoadBalancer {
  LoadBalancerId: string;
  LoadBalancerName?: string;
  VpcId?: string;
  Address?: string;
  Tags?: Record<string, string>;
  BackendServers?: FakeServer[];
  listeners: FakeListener[];
  /** DescribeHealthStatus without a ListenerPort answers TooManyListeners. */
  tooManyListeners?: boolean;
}

export interface FakeInstance {
  InstanceId: string;
  Status?: string;
  PrivateIp: string;
  SecurityGroupIds?: string[];
  VpcId?: string;
}

export interface FakeWorld {
  regionId?: string;
  loadBalancers: FakeLoadBalancer[];
  vServerGroups?: Record<string, (FakeServer & { Port: number })[]>;
  masterSlaveGroups?: Record<string, (FakeServer & { Port: number; ServerType: 'Master' | 'Slave' })[]>;
  instances?: FakeInstance[];
  securityGroups?: Record<string, Json[]>;
  /** SLB's verdicts keyed `${protocol}:${listenerPort}/${serverId}:${port}`; default normal. */
  status?: Record<string, 'normal' | 'abnormal' | 'unavailable'>;
}

/** An error shaped like the ones @alicloud/openapi-client throws for a 4xx/5xx JSON reply. */
export function apiError(code: string, statusCode: number, message = `${code} happened`): Error {
  return Object.assign(new Error(`${code}: code: ${statusCode}, ${message} request id: req-${code}`), {
    code,
    statusCode,
    data: { Code: code, Message: message, RequestId: `req-${code}`, statusCode },
  });
}

/** Decides for one request: throw this, answer this body instead, or undefined to answer normally. */
export type Interceptor = (request: ApiRequest) => { throw: unknown } | { body: unknown } | undefined;

export class FakeApi {
  readonly requests: ApiRequest[] = [];
  private readonly interceptors: Interceptor[] = [];
  private readonly byId: Map<string, FakeLoadBalancer>;
  private readonly instancesById: Map<string, FakeInstance>;

  constructor(readonly world: FakeWorld) {
    this.byId = new Map(world.loadBalancers.map((lb) => [lb.LoadBalancerId, lb]));
    this.instancesById = new Map((world.instances ?? []).map((instance) => [instance.InstanceId, instance]));
  }

  intercept(interceptor: Interceptor): this {
    this.interceptors.push(interceptor);
    return this;
  }

  /** The next `times` calls of `action` throw `error`, then it answers normally. */
  failNext(action: string, error: unknown, times = 1): this {
    let left = times;
    return this.intercept((request) => (request.action === action && left-- > 0 ? { throw: error } : undefined));
  }

  calls(action: string): ApiRequest[] {
    return this.requests.filter((request) => request.action === action);
  }

  readonly callApi: CallApi = async (request) => {
    this.requests.push(request);
    for (const interceptor of this.interceptors) {
      const outcome = interceptor(request);
      if (outcome && 'throw' in outcome) throw outcome.throw;
      if (outcome) return outcome.body;
    }
    return this.answer(request);
  };

  private answer(request: ApiRequest): Json {
    const q = request.query;
    switch (request.action) {
      case 'DescribeRegions':
        return { RequestId: 'r', Regions: { Region: [{ RegionId: 'cn-hangzhou', LocalName: '华东 1', RegionEndpoint: 'slb.aliyuncs.com' }] } };
      case 'DescribeLoadBalancers':
        return this.describeLoadBalancers(q);
      case 'DescribeLoadBalancerAttribute':
        return this.describeLoadBalancerAttribute(q);
      case 'DescribeLoadBalancerListeners':
        return this.describeListeners(q);
      case 'DescribeLoadBalancerHTTPListenerAttribute':
      case 'DescribeLoadBalancerHTTPSListenerAttribute':
      case 'DescribeLoadBalancerTCPListenerAttribute':
      case 'DescribeLoadBalancerUDPListenerAttribute':
        return this.describeListenerAttribute(request.action, q);
      case 'DescribeHealthStatus':
        return this.describeHealthStatus(q);
      case 'DescribeVServerGroupAttribute':
        return this.describeGroup(q, 'VServerGroupId');
      case 'DescribeMasterSlaveServerGroupAttribute':
        return this.describeGroup(q, 'MasterSlaveServerGroupId');
      case 'DescribeInstances':
        return this.describeInstances(q);
      case 'DescribeSecurityGroupAttribute':
        return this.describeSecurityGroup(q);
      default:
        throw apiError('InvalidAction.NotFound', 400, `Specified api ${request.action} is not found`);
    }
  }

  private loadBalancer(id: string | undefined): FakeLoadBalancer {
    const lb = id === undefined ? undefined : this.byId.get(id);
    if (!lb) throw apiError('InvalidLoadBalancerId.NotFound', 400, `The specified load balancer ${id} does not exist`);
    return lb;
  }

  private describeLoadBalancers(q: Record<string, string>): Json {
    const pageSize = Number(q.PageSize ?? 10);
    const pageNumber = Number(q.PageNumber ?? 1);
    if (pageSize > 100) throw apiError('InvalidParameter', 400, 'PageSize must be 1-100');
    const ids = q.LoadBalancerId ? q.LoadBalancerId.split(',') : null;
    if (ids && ids.length > 10) throw apiError('InvalidParameter', 400, 'at most 10 LoadBalancerId');
    const tags: [string, string][] = [];
    for (let n = 1; q[`Tag.${n}.Key`] !== undefined; n++) tags.push([q[`Tag.${n}.Key`] as string, q[`Tag.${n}.Value`] ?? '']);
    const matching = (ids ? ids.map((id) => this.byId.get(id)).filter((lb): lb is FakeLoadBalancer => lb !== undefined) : this.world.loadBalancers).filter(
      (lb) => tags.every(([key, value]) => lb.Tags?.[key] === value),
    );
    const page = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      RequestId: 'r',
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: matching.length,
      LoadBalancers: { LoadBalancer: page.map((lb) => this.summary(lb)) },
    };
  }

  private summary(lb: FakeLoadBalancer): Json {
    return {
      LoadBalancerId: lb.LoadBalancerId,
      LoadBalancerName: lb.LoadBalancerName ?? lb.LoadBalancerId,
      Address: lb.Address ?? '127.0.0.200',
      AddressType: 'intranet',
      NetworkType: 'vpc',
      VpcId: lb.VpcId ?? 'vpc-1',
      VSwitchId: 'vsw-1',
      LoadBalancerStatus: 'active',
      RegionId: this.world.regionId ?? 'cn-hangzhou',
      Tags: { Tag: Object.entries(lb.Tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) },
    };
  }

  private describeLoadBalancerAttribute(q: Record<string, string>): Json {
    const lb = this.loadBalancer(q.LoadBalancerId);
    return {
      RequestId: 'r',
      ...this.summary(lb),
      ListenerPortsAndProtocol: { ListenerPortAndProtocol: lb.listeners.map((l) => ({ ListenerPort: l.ListenerPort, ListenerProtocol: l.ListenerProtocol })) },
      BackendServers: { BackendServer: (lb.BackendServers ?? []).map((server) => ({ Weight: 100, Type: 'ecs', ...server })) },
    };
  }

  private configKey(protocol: FakeListener['ListenerProtocol']): string {
    return `${protocol.toUpperCase()}ListenerConfig`;
  }

  private listenerEntry(lb: FakeLoadBalancer, listener: FakeListener): Json {
    const config = { ...listener.config, ...(listener.MasterSlaveServerGroupId ? { MasterSlaveServerGroupId: listener.MasterSlaveServerGroupId } : {}) };
    return {
      LoadBalancerId: lb.LoadBalancerId,
      ListenerPort: listener.ListenerPort,
      ListenerProtocol: listener.ListenerProtocol,
      Status: listener.Status ?? 'running',
      ...(listener.BackendServerPort !== undefined ? { BackendServerPort: listener.BackendServerPort } : {}),
      ...(listener.VServerGroupId ? { VServerGroupId: listener.VServerGroupId } : {}),
      Scheduler: 'wrr',
      ...(listener.omitConfigInList ? {} : { [this.configKey(listener.ListenerProtocol)]: config }),
    };
  }

  private describeListeners(q: Record<string, string>): Json {
    const ids = Object.keys(q)
      .filter((key) => /^LoadBalancerId\.\d+$/.test(key))
      .map((key) => q[key] as string);
    if (ids.length === 0 || ids.length > 10) throw apiError('InvalidParameter', 400, 'LoadBalancerId.N takes 1-10 ids');
    const maxResults = Number(q.MaxResults ?? 20);
    if (maxResults > 100) throw apiError('InvalidParameter', 400, 'MaxResults must be 1-100');
    const port = q.ListenerPort === undefined ? null : Number(q.ListenerPort);
    const all = ids.flatMap((id) => {
      const lb = this.byId.get(id);
      return (lb?.listeners ?? [])
        .filter((l) => (port === null || l.ListenerPort === port) && (q.ListenerProtocol === undefined || l.ListenerProtocol === q.ListenerProtocol))
        .map((l) => this.listenerEntry(lb as FakeLoadBalancer, l));
    });
    const start = Number(q.NextToken ?? 0);
    const end = start + maxResults;
    return { RequestId: 'r', MaxResults: maxResults, TotalCount: all.length, NextToken: end < all.length ? String(end) : '', Listeners: all.slice(start, end) };
  }

  private describeListenerAttribute(action: string, q: Record<string, string>): Json {
    const lb = this.loadBalancer(q.LoadBalancerId);
    const protocol = action.replace('DescribeLoadBalancer', '').replace('ListenerAttribute', '').toLowerCase();
    const listener = lb.listeners.find((l) => l.ListenerPort === Number(q.ListenerPort) && l.ListenerProtocol === protocol);
    if (!listener) throw apiError('InvalidParameter', 400, 'The specified resource does not exist');
    return {
      RequestId: 'r',
      ListenerPort: listener.ListenerPort,
      Status: listener.Status ?? 'running',
      ...(listener.BackendServerPort !== undefined ? { BackendServerPort: listener.BackendServerPort } : {}),
      ...(listener.VServerGroupId ? { VServerGroupId: listener.VServerGroupId } : {}),
      ...(listener.MasterSlaveServerGroupId ? { MasterSlaveServerGroupId: listener.MasterSlaveServerGroupId } : {}),
      ...listener.config,
    };
  }

  /** The backends a listener sends to, with their ports and (where SLB knows it) IPs. */
  private backendsOf(lb: FakeLoadBalancer, listener: FakeListener): { ServerId: string; Port: number; ServerIp: string | undefined }[] {
    const ipOf = (server: FakeServer): string | undefined => server.ServerIp ?? this.instancesById.get(server.ServerId)?.PrivateIp;
    if (listener.MasterSlaveServerGroupId) {
      return (this.world.masterSlaveGroups?.[listener.MasterSlaveServerGroupId] ?? []).map((s) => ({ ServerId: s.ServerId, Port: s.Port, ServerIp: ipOf(s) }));
    }
    if (listener.VServerGroupId) {
      return (this.world.vServerGroups?.[listener.VServerGroupId] ?? []).map((s) => ({ ServerId: s.ServerId, Port: s.Port, ServerIp: ipOf(s) }));
    }
    return (lb.BackendServers ?? []).map((s) => ({ ServerId: s.ServerId, Port: listener.BackendServerPort ?? listener.ListenerPort, ServerIp: ipOf(s) }));
  }

  private describeHealthStatus(q: Record<string, string>): Json {
    const lb = this.loadBalancer(q.LoadBalancerId);
    if (q.ListenerPort === undefined && lb.tooManyListeners) throw apiError('TooManyListeners', 400, 'More than 1 listener is found, please be more specified.');
    const listeners = lb.listeners.filter(
      (l) => (q.ListenerPort === undefined || l.ListenerPort === Number(q.ListenerPort)) && (q.ListenerProtocol === undefined || l.ListenerProtocol === q.ListenerProtocol),
    );
    const entries = listeners.flatMap((listener) =>
      this.backendsOf(lb, listener).map((backend) => ({
        ServerId: backend.ServerId,
        ...(backend.ServerIp ? { ServerIp: backend.ServerIp } : {}),
        Port: backend.Port,
        ListenerPort: listener.ListenerPort,
        Protocol: listener.ListenerProtocol,
        ServerHealthStatus: this.world.status?.[`${listener.ListenerProtocol}:${listener.ListenerPort}/${backend.ServerId}:${backend.Port}`] ?? 'normal',
      })),
    );
    return { RequestId: 'r', BackendServers: { BackendServer: entries } };
  }

  private describeGroup(q: Record<string, string>, idKey: 'VServerGroupId' | 'MasterSlaveServerGroupId'): Json {
    const id = q[idKey] ?? '';
    if (idKey === 'VServerGroupId') {
      const servers = this.world.vServerGroups?.[id];
      if (!servers) throw apiError('InvalidParameter', 400, `VServerGroup ${id} does not exist`);
      return { RequestId: 'r', VServerGroupId: id, VServerGroupName: id, BackendServers: { BackendServer: servers.map((s) => ({ Weight: 100, Type: 'ecs', ...s })) } };
    }
    const servers = this.world.masterSlaveGroups?.[id];
    if (!servers) throw apiError('InvalidParameter', 400, `MasterSlaveServerGroup ${id} does not exist`);
    return {
      RequestId: 'r',
      MasterSlaveServerGroupId: id,
      MasterSlaveServerGroupName: id,
      // The real API gives master-slave backends no ServerIp.
      MasterSlaveBackendServers: { MasterSlaveBackendServer: servers.map(({ ServerIp: _ip, ...s }) => ({ Weight: 100, Type: 'ecs', ...s })) },
    };
  }

  private describeInstances(q: Record<string, string>): Json {
    const ids: unknown = JSON.parse(q.InstanceIds ?? '[]');
    if (!Array.isArray(ids) || ids.length > 100) throw apiError('InvalidParameter', 400, 'InstanceIds takes at most 100 ids');
    const maxResults = Number(q.MaxResults ?? 10);
    const found = ids.map((id) => this.instancesById.get(String(id))).filter((i): i is FakeInstance => i !== undefined);
    const start = Number(q.NextToken || 0);
    const end = start + maxResults;
    return {
      RequestId: 'r',
      NextToken: end < found.length ? String(end) : '',
      Instances: {
        Instance: found.slice(start, end).map((instance) => ({
          InstanceId: instance.InstanceId,
          Status: instance.Status ?? 'Running',
          VpcAttributes: { VpcId: instance.VpcId ?? 'vpc-1', PrivateIpAddress: { IpAddress: [instance.PrivateIp] } },
          SecurityGroupIds: { SecurityGroupId: instance.SecurityGroupIds ?? [] },
        })),
      },
    };
  }

  private describeSecurityGroup(q: Record<string, string>): Json {
    const id = q.SecurityGroupId ?? '';
    const permissions = this.world.securityGroups?.[id];
    if (!permissions) throw apiError('InvalidSecurityGroupId.NotFound', 404, `security group ${id} does not exist`);
    const wanted = q.Direction && q.Direction !== 'all' ? permissions.filter((p) => p.Direction === q.Direction) : permissions;
    return { RequestId: 'r', SecurityGroupId: id, NextToken: '', Permissions: { Permission: wanted } };
  }
}

/** Clients wired to `api`, with static test credentials and a virtual clock (retries cost no time). */
export function fakeClients(api: FakeApi, options: Partial<CloudClientOptions> = {}): CloudClients {
  return createCloudClients({
    regionId: 'cn-hangzhou',
    credentials: { accessKeyId: 'AKID-TEST', accessKeySecret: 'secret' },
    transport: api.callApi,
    clock: new FakeClock(0, 'auto'),
    random: () => 0.5,
    ...options,
  });
}
