// The typed SLB (CLB 2014-05-15) client: one method per action, replies checked at the boundary, paging helpers.
import type { Admission, ApiInvoker } from './invoker';
import { ReplyObject, nextPageToken, type DroppedItem } from './reply';
import type {
  DescribeHealthStatusRequest,
  DescribeHealthStatusResponse,
  DescribeListenerAttributeRequest,
  DescribeListenerAttributeResponse,
  DescribeLoadBalancerAttributeRequest,
  DescribeLoadBalancerAttributeResponse,
  DescribeLoadBalancerListenersRequest,
  DescribeLoadBalancerListenersResponse,
  DescribeLoadBalancersRequest,
  DescribeLoadBalancersResponse,
  DescribeMasterSlaveServerGroupAttributeRequest,
  DescribeMasterSlaveServerGroupAttributeResponse,
  DescribeRegionsRequest,
  DescribeRegionsResponse,
  DescribeVServerGroupAttributeRequest,
  DescribeVServerGroupAttributeResponse,
  DescribeVServerGroupsRequest,
  DescribeVServerGroupsResponse,
  SlbBackendType,
  SlbHealthCheckConfig,
  SlbListener,
  SlbListenerProtocol,
  SlbListenerStatus,
  SlbLoadBalancerSummary,
  SlbServerHealthStatus,
  SlbTag,
  Spelled,
} from './slb-types';
import { isKnown } from './spelling';
import type { CallApi } from './transport';

export const SLB_API_VERSION = '2014-05-15';
/** DescribeLoadBalancers' largest page. */
export const LOAD_BALANCER_PAGE_SIZE = 100;
/** DescribeLoadBalancerListeners takes at most this many LoadBalancerId.N per call. */
export const LISTENER_BATCH_SIZE = 10;
/** DescribeLoadBalancerListeners' largest page (MaxResults). */
export const LISTENER_PAGE_SIZE = 100;

const PROTOCOLS: readonly SlbListenerProtocol[] = ['http', 'https', 'tcp', 'udp'];
const BACKEND_TYPES: readonly SlbBackendType[] = ['ecs', 'eni', 'eci'];
const LISTENER_STATUSES: readonly SlbListenerStatus[] = ['running', 'stopped', 'starting', 'stopping', 'configuring'];
const HEALTH_STATUSES: readonly SlbServerHealthStatus[] = ['normal', 'abnormal', 'unavailable'];

const LISTENER_ATTRIBUTE_ACTION: Record<SlbListenerProtocol, string> = {
  http: 'DescribeLoadBalancerHTTPListenerAttribute',
  https: 'DescribeLoadBalancerHTTPSListenerAttribute',
  tcp: 'DescribeLoadBalancerTCPListenerAttribute',
  udp: 'DescribeLoadBalancerUDPListenerAttribute',
};

// ---- reply readers

function readTags(reply: ReplyObject): { Tag: SlbTag[] } | undefined {
  if (!reply.has('Tags')) return undefined;
  return { Tag: reply.optList('Tags', 'Tag').map((tag) => ({ TagKey: tag.string('TagKey'), TagValue: tag.optString('TagValue') ?? '' })) };
}

function readLoadBalancerSummary(lb: ReplyObject): SlbLoadBalancerSummary {
  const tags = readTags(lb);
  return {
    LoadBalancerId: lb.string('LoadBalancerId'),
    LoadBalancerName: lb.optString('LoadBalancerName') ?? '',
    Address: lb.optString('Address') ?? '',
    AddressType: lb.optString('AddressType') ?? '',
    NetworkType: lb.optString('NetworkType') ?? '',
    VpcId: lb.optString('VpcId') ?? '',
    VSwitchId: lb.optString('VSwitchId') ?? '',
    LoadBalancerStatus: lb.optString('LoadBalancerStatus') ?? '',
    RegionId: lb.optString('RegionId') ?? '',
    ...(tags ? { Tags: tags } : {}),
  };
}

/** Reads the health-check settings wherever they sit (a batched listener's config object, or a per-listener reply). */
function readHealthCheckConfig(source: ReplyObject): SlbHealthCheckConfig {
  return {
    HealthCheck: source.optSpelled('HealthCheck', ['on', 'off'] as const),
    HealthCheckType: source.optSpelled('HealthCheckType', ['tcp', 'http'] as const),
    HealthCheckDomain: source.optString('HealthCheckDomain'),
    HealthCheckURI: source.optString('HealthCheckURI'),
    HealthCheckConnectPort: source.optLenientNumber('HealthCheckConnectPort'),
    HealthCheckHttpCode: source.optString('HealthCheckHttpCode'),
    // The TCP listener attribute example spells the method of a TCP check "tcp": no HTTP method at all.
    HealthCheckMethod: source.optSpelled('HealthCheckMethod', ['head', 'get'] as const, ['tcp']),
    HealthCheckHttpVersion: source.optSpelled('HealthCheckHttpVersion', ['http1.0', 'http1.1'] as const),
    HealthCheckInterval: source.optLenientNumber('HealthCheckInterval'),
    HealthCheckTimeout: source.optLenientNumber('HealthCheckTimeout'),
    HealthCheckConnectTimeout: source.optLenientNumber('HealthCheckConnectTimeout'),
    HealthyThreshold: source.optLenientNumber('HealthyThreshold'),
    UnhealthyThreshold: source.optLenientNumber('UnhealthyThreshold'),
    HealthCheckReq: source.optString('HealthCheckReq'),
    HealthCheckExp: source.optString('HealthCheckExp'),
    MasterSlaveServerGroupId: source.optString('MasterSlaveServerGroupId') || undefined,
  };
}

function readListener(entry: ReplyObject): SlbListener {
  const listener: SlbListener = {
    LoadBalancerId: entry.string('LoadBalancerId'),
    ListenerPort: entry.number('ListenerPort'),
    ListenerProtocol: entry.spelled('ListenerProtocol', PROTOCOLS),
    Status: entry.optSpelled('Status', LISTENER_STATUSES),
    BackendServerPort: entry.optNumber('BackendServerPort'),
    VServerGroupId: entry.optString('VServerGroupId') || undefined,
    Scheduler: entry.optString('Scheduler'),
    Description: entry.optString('Description'),
  };
  for (const key of ['HTTPListenerConfig', 'HTTPSListenerConfig', 'TCPListenerConfig', 'UDPListenerConfig'] as const) {
    const config = entry.optObject(key);
    if (config) listener[key] = readHealthCheckConfig(config);
  }
  return listener;
}

function readServerBasics(server: ReplyObject): { ServerId: string; Weight?: number; Type?: Spelled<SlbBackendType>; ServerIp?: string; Description?: string } {
  return {
    ServerId: server.string('ServerId'),
    Weight: server.optNumber('Weight'),
    Type: server.optSpelled('Type', BACKEND_TYPES),
    ServerIp: server.optString('ServerIp') || undefined,
    Description: server.optString('Description'),
  };
}

// ---- the client

export class SlbClient {
  constructor(
    private readonly invoker: ApiInvoker,
    private readonly callApi: CallApi,
  ) {}

  /** This client, whose requests go out through `admission` once their quota allows them (see `Admission`). */
  admittedBy(admission: Admission): SlbClient {
    return new SlbClient(this.invoker.admittedBy(admission), this.callApi);
  }

  private call<T>(action: string, request: object, read: (reply: ReplyObject) => T): Promise<T> {
    return this.invoker.invokeRpc(this.callApi, 'slb', SLB_API_VERSION, action, request, read);
  }

  describeRegions(request: DescribeRegionsRequest = {}): Promise<DescribeRegionsResponse> {
    return this.call('DescribeRegions', request, (reply) => ({
      RequestId: reply.optString('RequestId') ?? '',
      Regions: {
        Region: reply.list('Regions', 'Region').map((region) => ({
          RegionId: region.string('RegionId'),
          LocalName: region.optString('LocalName') ?? '',
          RegionEndpoint: region.optString('RegionEndpoint') ?? '',
        })),
      },
    }));
  }

  /** One page; see `loadBalancers()` for all of them. */
  describeLoadBalancers(request: DescribeLoadBalancersRequest): Promise<DescribeLoadBalancersResponse> {
    return this.call('DescribeLoadBalancers', request, (reply) => {
      const { items, dropped } = reply.listEach('LoadBalancers', 'LoadBalancer', readLoadBalancerSummary);
      return {
        RequestId: reply.optString('RequestId') ?? '',
        PageNumber: reply.optNumber('PageNumber') ?? request.PageNumber ?? 1,
        PageSize: reply.optNumber('PageSize') ?? request.PageSize ?? LOAD_BALANCER_PAGE_SIZE,
        TotalCount: reply.number('TotalCount'),
        LoadBalancers: { LoadBalancer: items },
        dropped,
      };
    });
  }

  /**
   * Every load balancer matching `request`, page by page (100 per call) until TotalCount is reached. Entries that
   * could not be read go to `dropped`.
   */
  async *loadBalancers(request: Omit<DescribeLoadBalancersRequest, 'PageNumber' | 'PageSize'>, dropped: DroppedItem[] = []): AsyncGenerator<SlbLoadBalancerSummary> {
    let seen = 0;
    for (let page = 1; ; page++) {
      const reply = await this.describeLoadBalancers({ ...request, PageNumber: page, PageSize: LOAD_BALANCER_PAGE_SIZE });
      const items = reply.LoadBalancers.LoadBalancer;
      dropped.push(...reply.dropped);
      yield* items;
      seen += items.length + reply.dropped.length;
      // A short page also ends the walk: load balancers deleted meanwhile shrink the total.
      if (items.length + reply.dropped.length < LOAD_BALANCER_PAGE_SIZE || seen >= reply.TotalCount) return;
    }
  }

  async collectLoadBalancers(request: Omit<DescribeLoadBalancersRequest, 'PageNumber' | 'PageSize'>, dropped: DroppedItem[] = []): Promise<SlbLoadBalancerSummary[]> {
    const all: SlbLoadBalancerSummary[] = [];
    for await (const lb of this.loadBalancers(request, dropped)) all.push(lb);
    return all;
  }

  describeLoadBalancerAttribute(request: DescribeLoadBalancerAttributeRequest): Promise<DescribeLoadBalancerAttributeResponse> {
    return this.call('DescribeLoadBalancerAttribute', request, (reply) => {
      const summary = readLoadBalancerSummary(reply);
      const servers = reply.listEach('BackendServers', 'BackendServer', readServerBasics);
      return {
        RequestId: reply.optString('RequestId') ?? '',
        LoadBalancerId: summary.LoadBalancerId,
        LoadBalancerName: summary.LoadBalancerName,
        Address: summary.Address,
        AddressType: summary.AddressType,
        NetworkType: summary.NetworkType,
        VpcId: summary.VpcId,
        VSwitchId: summary.VSwitchId,
        LoadBalancerStatus: summary.LoadBalancerStatus,
        ListenerPortsAndProtocol: {
          ListenerPortAndProtocol: reply.optList('ListenerPortsAndProtocol', 'ListenerPortAndProtocol').map((entry) => ({
            ListenerPort: entry.number('ListenerPort'),
            ListenerProtocol: entry.spelled('ListenerProtocol', PROTOCOLS),
          })),
        },
        BackendServers: { BackendServer: servers.items },
        dropped: servers.dropped,
        ...(summary.Tags ? { Tags: summary.Tags } : {}),
      };
    });
  }

  /** One page; see `listeners()` for all of them. */
  describeLoadBalancerListeners(request: DescribeLoadBalancerListenersRequest): Promise<DescribeLoadBalancerListenersResponse> {
    if (request.LoadBalancerId.length === 0 || request.LoadBalancerId.length > LISTENER_BATCH_SIZE) {
      throw new RangeError(`DescribeLoadBalancerListeners takes 1-${LISTENER_BATCH_SIZE} load balancer ids, got ${request.LoadBalancerId.length}`);
    }
    return this.call('DescribeLoadBalancerListeners', request, (reply) => {
      const { items, dropped } = reply.listEach('Listeners', undefined, readListener);
      return {
        RequestId: reply.optString('RequestId') ?? '',
        NextToken: reply.optString('NextToken') || undefined,
        MaxResults: reply.optNumber('MaxResults'),
        TotalCount: reply.optNumber('TotalCount'),
        Listeners: items,
        dropped,
      };
    });
  }

  /**
   * Every listener of up to 10 load balancers, page by page (100 per call) following NextToken. Entries that could
   * not be read go to `dropped`.
   */
  async *listeners(request: Omit<DescribeLoadBalancerListenersRequest, 'MaxResults' | 'NextToken'>, dropped: DroppedItem[] = []): AsyncGenerator<SlbListener> {
    const tokens = new Set<string>();
    let token: string | undefined;
    do {
      const reply = await this.describeLoadBalancerListeners({ ...request, MaxResults: LISTENER_PAGE_SIZE, NextToken: token });
      dropped.push(...reply.dropped);
      yield* reply.Listeners;
      token = nextPageToken('slb', 'DescribeLoadBalancerListeners', reply.NextToken, tokens);
    } while (token !== undefined);
  }

  async collectListeners(request: Omit<DescribeLoadBalancerListenersRequest, 'MaxResults' | 'NextToken'>, dropped: DroppedItem[] = []): Promise<SlbListener[]> {
    const all: SlbListener[] = [];
    for await (const listener of this.listeners(request, dropped)) all.push(listener);
    return all;
  }

  /** DescribeLoadBalancer{HTTP,HTTPS,TCP,UDP}ListenerAttribute, chosen by the listener's protocol. */
  describeListenerAttribute(protocol: SlbListenerProtocol, request: DescribeListenerAttributeRequest): Promise<DescribeListenerAttributeResponse> {
    return this.call(LISTENER_ATTRIBUTE_ACTION[protocol], request, (reply) => ({
      ...readHealthCheckConfig(reply),
      RequestId: reply.optString('RequestId') ?? '',
      ListenerPort: reply.optNumber('ListenerPort') ?? request.ListenerPort,
      Status: reply.optSpelled('Status', LISTENER_STATUSES),
      BackendServerPort: reply.optNumber('BackendServerPort'),
      VServerGroupId: reply.optString('VServerGroupId') || undefined,
    }));
  }

  describeLoadBalancerHTTPListenerAttribute(request: DescribeListenerAttributeRequest): Promise<DescribeListenerAttributeResponse> {
    return this.describeListenerAttribute('http', request);
  }

  describeLoadBalancerHTTPSListenerAttribute(request: DescribeListenerAttributeRequest): Promise<DescribeListenerAttributeResponse> {
    return this.describeListenerAttribute('https', request);
  }

  describeLoadBalancerTCPListenerAttribute(request: DescribeListenerAttributeRequest): Promise<DescribeListenerAttributeResponse> {
    return this.describeListenerAttribute('tcp', request);
  }

  describeLoadBalancerUDPListenerAttribute(request: DescribeListenerAttributeRequest): Promise<DescribeListenerAttributeResponse> {
    return this.describeListenerAttribute('udp', request);
  }

  describeHealthStatus(request: DescribeHealthStatusRequest): Promise<DescribeHealthStatusResponse> {
    return this.call('DescribeHealthStatus', request, (reply) => {
      const { items, dropped } = reply.listEach('BackendServers', 'BackendServer', (server) => {
        const protocol = server.optSpelled('Protocol', PROTOCOLS);
        return {
          ServerId: server.string('ServerId'),
          ServerIp: server.optString('ServerIp') || undefined,
          Port: server.number('Port'),
          ListenerPort: server.number('ListenerPort'),
          Protocol: isKnown(protocol) ? protocol : undefined,
          ServerHealthStatus: server.spelled('ServerHealthStatus', HEALTH_STATUSES),
        };
      });
      return { RequestId: reply.optString('RequestId') ?? '', BackendServers: { BackendServer: items }, dropped };
    });
  }

  describeVServerGroups(request: DescribeVServerGroupsRequest): Promise<DescribeVServerGroupsResponse> {
    return this.call('DescribeVServerGroups', request, (reply) => ({
      RequestId: reply.optString('RequestId') ?? '',
      VServerGroups: {
        VServerGroup: reply.list('VServerGroups', 'VServerGroup').map((group) => ({
          VServerGroupId: group.string('VServerGroupId'),
          VServerGroupName: group.optString('VServerGroupName') ?? '',
        })),
      },
    }));
  }

  describeVServerGroupAttribute(request: DescribeVServerGroupAttributeRequest): Promise<DescribeVServerGroupAttributeResponse> {
    return this.call('DescribeVServerGroupAttribute', request, (reply) => {
      const servers = reply.listEach('BackendServers', 'BackendServer', (server) => ({ ...readServerBasics(server), Port: server.number('Port') }));
      return {
        RequestId: reply.optString('RequestId') ?? '',
        VServerGroupId: reply.optString('VServerGroupId') ?? request.VServerGroupId,
        VServerGroupName: reply.optString('VServerGroupName') ?? '',
        LoadBalancerId: reply.optString('LoadBalancerId'),
        BackendServers: { BackendServer: servers.items },
        dropped: servers.dropped,
      };
    });
  }

  describeMasterSlaveServerGroupAttribute(
    request: DescribeMasterSlaveServerGroupAttributeRequest,
  ): Promise<DescribeMasterSlaveServerGroupAttributeResponse> {
    return this.call('DescribeMasterSlaveServerGroupAttribute', request, (reply) => {
      const servers = reply.listEach('MasterSlaveBackendServers', 'MasterSlaveBackendServer', (server) => ({
        ...readServerBasics(server),
        Port: server.number('Port'),
        ServerType: server.enumValue('ServerType', ['Master', 'Slave'] as const),
      }));
      return {
        RequestId: reply.optString('RequestId') ?? '',
        MasterSlaveServerGroupId: reply.optString('MasterSlaveServerGroupId') ?? request.MasterSlaveServerGroupId,
        MasterSlaveServerGroupName: reply.optString('MasterSlaveServerGroupName') ?? '',
        LoadBalancerId: reply.optString('LoadBalancerId'),
        MasterSlaveBackendServers: { MasterSlaveBackendServer: servers.items },
        dropped: servers.dropped,
      };
    });
  }
}
