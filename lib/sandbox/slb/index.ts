// The SLB (CLB, API version 2014-05-15) emulator: the read-only actions the product uses, answering with the real
// JSON shapes, paging rules and errors. Health verdicts come only from the HealthChecker, never from the scenario.

import { ApiError, apiErrors } from '../openapi/errors';
import { decodeNextToken, encodeNextToken, type RequestParams } from '../openapi/params';
import type { ActionHandler, OpenApiProduct } from '../openapi/server';
import { resolveHealthCheck } from '../scenario/health-check';
import type { Scenario, ScenarioListener, ScenarioLoadBalancer } from '../scenario/types';
import { SlbModel, healthKey, type HealthStatusSource } from './model';
import { groupServer, listenerAttribute, listenerSummary, loadBalancerAttribute, loadBalancerSummary, slbTime, withReplyFields } from './render';

export { SlbModel, healthKey, type HealthStatusSource, type ListenerBackend, type ServerHealthStatus } from './model';

export const SLB_VERSION = '2014-05-15';

const slbErrors = {
  loadBalancerNotFound: () => new ApiError(400, 'InvalidLoadBalancerId.NotFound', 'The specified LoadBalancerId does not exist.'),
  listenerNotFound: () => new ApiError(400, 'InvalidParameter', 'The specified resource does not exist.'),
  tooManyListeners: () => new ApiError(400, 'TooManyListeners', 'More than 1 listener is found, please be more specified.'),
  vServerGroupNotFound: () => new ApiError(400, 'InvalidParameter', 'The specified VServerGroupId does not exist.'),
  masterSlaveGroupNotFound: () => new ApiError(400, 'InvalidParameter', 'The specified MasterSlaveServerGroupId does not exist.'),
};

const REGION_NAMES: Record<string, { zh: string; en: string }> = {
  'cn-hangzhou': { zh: '华东1（杭州）', en: 'China (Hangzhou)' },
  'cn-shanghai': { zh: '华东2（上海）', en: 'China (Shanghai)' },
  'cn-beijing': { zh: '华北2（北京）', en: 'China (Beijing)' },
  'cn-shenzhen': { zh: '华南1（深圳）', en: 'China (Shenzhen)' },
  'ap-southeast-1': { zh: '新加坡', en: 'Singapore' },
  'eu-central-1': { zh: '德国（法兰克福）', en: 'Germany (Frankfurt)' },
};

const LISTENER_PROTOCOLS = ['http', 'https', 'tcp', 'udp'] as const;

export function createSlbProduct(scenario: Scenario, health: HealthStatusSource): OpenApiProduct {
  const model = new SlbModel(scenario);

  /** True when the call names another region (or none where the API defaults to the caller's). */
  const otherRegion = (params: RequestParams, required: boolean): boolean => {
    const regionId = required ? params.requiredString('RegionId') : params.string('RegionId');
    return regionId !== undefined && regionId !== model.regionId;
  };

  const requireLoadBalancer = (params: RequestParams, regionRequired = false): ScenarioLoadBalancer => {
    const id = params.requiredString('LoadBalancerId');
    const lb = otherRegion(params, regionRequired) ? undefined : model.loadBalancer(id);
    if (!lb) throw slbErrors.loadBalancerNotFound();
    return lb;
  };

  const listenerAttributeAction =
    (protocol: ScenarioListener['ListenerProtocol']): ActionHandler =>
    (params) => {
      const lb = requireLoadBalancer(params);
      const port = params.integer('ListenerPort', 1, 65535);
      if (port === undefined) throw apiErrors.missingParameter('ListenerPort');
      const listener = lb.Listeners.find((item) => item.ListenerPort === port && item.ListenerProtocol === protocol);
      if (!listener) throw slbErrors.listenerNotFound();
      return listenerAttribute(lb, listener);
    };

  const actions: Record<string, ActionHandler> = {
    DescribeRegions: (params, context) => {
      const language = params.oneOf('AcceptLanguage', ['zh-CN', 'en-US', 'ja'] as const) ?? 'zh-CN';
      const names = REGION_NAMES[model.regionId];
      return {
        Regions: {
          Region: [
            {
              RegionId: model.regionId,
              LocalName: names ? (language === 'zh-CN' ? names.zh : names.en) : model.regionId,
              // The sandbox's own endpoint: a client that follows RegionEndpoint stays on loopback.
              RegionEndpoint: context.endpoint,
            },
          ],
        },
      };
    },

    DescribeLoadBalancers: (params) => {
      const regionMismatch = otherRegion(params, true);
      const pageNumber = params.integer('PageNumber', 1, 1_000_000) ?? 1;
      const pageSize = params.integer('PageSize', 1, 100) ?? 10;
      const matches = regionMismatch ? [] : model.loadBalancers.filter(loadBalancerFilter(params, model));
      const page = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      return {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: matches.length,
        LoadBalancers: { LoadBalancer: page.map((lb) => loadBalancerSummary(model, lb)) },
      };
    },

    DescribeLoadBalancerAttribute: (params) => loadBalancerAttribute(model, requireLoadBalancer(params)),

    DescribeLoadBalancerListeners: (params) => {
      const regionMismatch = otherRegion(params, true);
      const ids = params.list('LoadBalancerId');
      if (ids.length > 10) throw apiErrors.invalidParameter('LoadBalancerId', 'At most 10 load balancer IDs per call.');
      const maxResults = params.integer('MaxResults', 1, 100) ?? 20;
      const offset = decodeNextToken('DescribeLoadBalancerListeners', params.string('NextToken'));
      const port = params.integer('ListenerPort', 1, 65535);
      const protocol = params.oneOf('ListenerProtocol', LISTENER_PROTOCOLS);
      const description = params.string('Description');
      // Listeners carry no tags in the sandbox, so any tag filter matches none (as it would on SLB).
      const tagFiltered = params.tags().length > 0;
      const lbs = regionMismatch || tagFiltered ? [] : ids.length > 0 ? ids.flatMap((id) => model.loadBalancer(id) ?? []) : model.loadBalancers;
      const matches = lbs.flatMap((lb) =>
        lb.Listeners.filter(
          (listener) =>
            (port === undefined || listener.ListenerPort === port) &&
            (protocol === undefined || listener.ListenerProtocol === protocol) &&
            (description === undefined || listener.Description === description),
        ).map((listener) => ({ lb, listener })),
      );
      if (offset > matches.length) throw apiErrors.invalidParameter('NextToken', 'Use the NextToken of the previous page.');
      const next = offset + maxResults;
      return {
        NextToken: next < matches.length ? encodeNextToken('DescribeLoadBalancerListeners', next) : '',
        MaxResults: maxResults,
        TotalCount: matches.length,
        Listeners: matches.slice(offset, next).map(({ lb, listener }) => listenerSummary(lb, listener)),
      };
    },

    DescribeLoadBalancerHTTPListenerAttribute: listenerAttributeAction('http'),
    DescribeLoadBalancerHTTPSListenerAttribute: listenerAttributeAction('https'),
    DescribeLoadBalancerTCPListenerAttribute: listenerAttributeAction('tcp'),
    DescribeLoadBalancerUDPListenerAttribute: listenerAttributeAction('udp'),

    DescribeHealthStatus: (params) => {
      const lb = requireLoadBalancer(params);
      const port = params.integer('ListenerPort', 1, 65535);
      const protocol = params.oneOf('ListenerProtocol', LISTENER_PROTOCOLS);
      const listeners = lb.Listeners.filter(
        (listener) => (port === undefined || listener.ListenerPort === port) && (protocol === undefined || listener.ListenerProtocol === protocol),
      );
      if (port !== undefined && protocol === undefined && listeners.length > 1) throw slbErrors.tooManyListeners();
      return {
        BackendServers: {
          BackendServer: listeners.flatMap((listener) => {
            const checked =
              (lb.LoadBalancerStatus ?? 'active') === 'active' &&
              (listener.Status ?? 'running') === 'running' &&
              resolveHealthCheck(listener).HealthCheck === 'on';
            return model.listenerBackends(lb, listener).map((backend) =>
              withReplyFields(
                {
                  ServerId: backend.ServerId,
                  ServerIp: backend.ServerIp,
                  Port: backend.Port,
                  ListenerPort: listener.ListenerPort,
                  Protocol: listener.ListenerProtocol,
                  Type: backend.Type,
                  ServerHealthStatus: checked ? health.status(healthKey(lb, listener, backend)) : 'unavailable',
                },
                listener.replyFields?.healthStatus,
              ),
            );
          }),
        },
      };
    },

    DescribeVServerGroups: (params) => {
      const lb = requireLoadBalancer(params, true);
      const includeListener = params.boolean('IncludeListener') ?? false;
      const includeRule = params.boolean('IncludeRule') ?? false;
      const description = params.string('Description');
      const groups = (lb.VServerGroups ?? []).filter((group) => description === undefined || group.VServerGroupName === description);
      return {
        VServerGroups: {
          VServerGroup: groups.map((group) => ({
            VServerGroupId: group.VServerGroupId,
            VServerGroupName: group.VServerGroupName ?? group.VServerGroupId,
            CreateTime: slbTime(model.createdAtMs(lb)),
            ServerCount: group.BackendServers.length,
            ...((includeListener || includeRule) && {
              AssociatedObjects: {
                ...(includeListener && {
                  Listeners: {
                    Listener: lb.Listeners.filter((listener) => listener.VServerGroupId === group.VServerGroupId).map((listener) => ({
                      Port: listener.ListenerPort,
                      Protocol: listener.ListenerProtocol,
                    })),
                  },
                }),
                ...(includeRule && { Rules: { Rule: [] } }),
              },
            }),
            Tags: { Tag: [] },
          })),
        },
      };
    },

    DescribeVServerGroupAttribute: (params) => {
      const id = params.requiredString('VServerGroupId');
      const found = otherRegion(params, true) ? undefined : model.vServerGroup(id);
      if (!found) throw slbErrors.vServerGroupNotFound();
      const servers = model.vServerGroupBackends(id);
      return {
        VServerGroupId: id,
        VServerGroupName: found.group.VServerGroupName ?? id,
        LoadBalancerId: found.lb.LoadBalancerId,
        CreateTime: slbTime(model.createdAtMs(found.lb)),
        Tags: { Tag: [] },
        BackendServers: { BackendServer: servers.map((server) => groupServer(server, true)) },
      };
    },

    DescribeMasterSlaveServerGroupAttribute: (params) => {
      const id = params.requiredString('MasterSlaveServerGroupId');
      const found = otherRegion(params, true) ? undefined : model.masterSlaveGroup(id);
      if (!found) throw slbErrors.masterSlaveGroupNotFound();
      const servers = model.masterSlaveGroupBackends(id);
      return {
        MasterSlaveServerGroupId: id,
        MasterSlaveServerGroupName: found.group.MasterSlaveServerGroupName ?? id,
        LoadBalancerId: found.lb.LoadBalancerId,
        CreateTime: slbTime(model.createdAtMs(found.lb)),
        Tags: { Tag: [] },
        MasterSlaveBackendServers: { MasterSlaveBackendServer: servers.map((server) => groupServer(server, false)) },
      };
    },
  };

  return {
    code: 'slb',
    version: SLB_VERSION,
    actions,
    loadBalancerIdsOf: (params) => {
      const ids = [...(params.string('LoadBalancerId')?.split(',') ?? []), ...params.list('LoadBalancerId')];
      const vServerGroupId = params.string('VServerGroupId');
      if (vServerGroupId) ids.push(...(model.vServerGroup(vServerGroupId)?.lb.LoadBalancerId ?? []));
      const masterSlaveId = params.string('MasterSlaveServerGroupId');
      if (masterSlaveId) ids.push(...(model.masterSlaveGroup(masterSlaveId)?.lb.LoadBalancerId ?? []));
      return ids.map((id) => id.trim());
    },
  };
}

/** DescribeLoadBalancers' filters: comma lists (≤10) of ids and names, VPC/vSwitch/status/address, server, tags. */
function loadBalancerFilter(params: RequestParams, model: SlbModel): (lb: ScenarioLoadBalancer) => boolean {
  const commaList = (name: string): string[] | undefined => {
    const value = params.string(name);
    if (value === undefined) return undefined;
    const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    if (items.length > 10) throw apiErrors.invalidParameter(name, 'At most 10 comma-separated values.');
    return items;
  };
  const ids = commaList('LoadBalancerId');
  const names = commaList('LoadBalancerName');
  const vpcId = params.string('VpcId');
  const vSwitchId = params.string('VSwitchId');
  const status = params.oneOf('LoadBalancerStatus', ['inactive', 'active', 'locked'] as const);
  const addressType = params.oneOf('AddressType', ['internet', 'intranet'] as const);
  const networkType = params.oneOf('NetworkType', ['vpc', 'classic'] as const);
  const address = params.string('Address');
  const serverId = params.string('ServerId');
  const tags = [...params.tags(), ...legacyTags(params)];
  if (tags.length > 20) throw apiErrors.invalidParameter('Tag', 'At most 20 tags.');
  return (lb) =>
    (ids === undefined || ids.includes(lb.LoadBalancerId)) &&
    (names === undefined || names.includes(lb.LoadBalancerName ?? lb.LoadBalancerId)) &&
    (vpcId === undefined || lb.VpcId === vpcId) &&
    (vSwitchId === undefined || model.vSwitchId(lb) === vSwitchId) &&
    (status === undefined || (lb.LoadBalancerStatus ?? 'active') === status) &&
    (addressType === undefined || addressType === 'intranet') &&
    (networkType === undefined || networkType === 'vpc') &&
    (address === undefined || model.address(lb) === address) &&
    (serverId === undefined || usesServer(lb, serverId)) &&
    tags.every(({ key, value }) => lb.Tags?.[key] !== undefined && (value === undefined || lb.Tags[key] === value));
}

function usesServer(lb: ScenarioLoadBalancer, serverId: string): boolean {
  const groups = [lb.BackendServers ?? [], ...(lb.VServerGroups ?? []).map((group) => group.BackendServers), ...(lb.MasterSlaveServerGroups ?? []).map((group) => group.BackendServers)];
  return groups.some((servers) => servers.some((server) => server.ServerId === serverId));
}

/** The legacy `Tags` parameter: a JSON array of {TagKey, TagValue}. */
function legacyTags(params: RequestParams): { key: string; value: string | undefined }[] {
  const text = params.string('Tags');
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw apiErrors.invalidParameter('Tags', 'It must be a JSON array of {"TagKey","TagValue"} objects.');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item: unknown) => {
    const entry = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    if (typeof entry.TagKey !== 'string' || entry.TagKey === '') throw apiErrors.invalidParameter('Tags', 'Every tag needs a TagKey.');
    return { key: entry.TagKey, value: typeof entry.TagValue === 'string' ? entry.TagValue : undefined };
  });
}
