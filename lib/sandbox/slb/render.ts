// SLB 2014-05-15 response shapes (slb-api.md §3), field names exactly as the API spells them. The constant fields a
// scenario does not model (bandwidth, charge types, cookies …) carry plausible fixed values so the shapes are whole.

import { resolveHealthCheck, type ResolvedHealthCheck } from '../scenario/health-check';
import type { ReplyFieldValue, ScenarioListener, ScenarioLoadBalancer } from '../scenario/types';
import type { ListenerBackend, SlbModel } from './model';

type Json = Record<string, unknown>;

function tagList(tags: Record<string, string> | undefined): { TagKey: string; TagValue: string }[] {
  return Object.entries(tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

/** "2024-05-01T08:00Z": SLB's minute-precision creation time. */
export function slbTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

export function loadBalancerSummary(model: SlbModel, lb: ScenarioLoadBalancer): Json {
  const created = model.createdAtMs(lb);
  return {
    LoadBalancerId: lb.LoadBalancerId,
    LoadBalancerName: lb.LoadBalancerName ?? lb.LoadBalancerId,
    Address: model.address(lb),
    AddressType: 'intranet',
    AddressIPVersion: 'ipv4',
    NetworkType: 'vpc',
    VpcId: lb.VpcId,
    VSwitchId: model.vSwitchId(lb),
    LoadBalancerStatus: lb.LoadBalancerStatus ?? 'active',
    RegionId: model.regionId,
    RegionIdAlias: model.regionId,
    MasterZoneId: `${model.regionId}-a`,
    SlaveZoneId: `${model.regionId}-b`,
    CreateTime: slbTime(created),
    CreateTimeStamp: created,
    Bandwidth: 5120,
    LoadBalancerSpec: 'slb.s1.small',
    PayType: 'PayOnDemand',
    InstanceChargeType: 'PayBySpec',
    InternetChargeType: 'paybytraffic',
    InternetChargeTypeAlias: 'paybytraffic',
    ResourceGroupId: 'rg-sandbox',
    DeleteProtection: 'off',
    ModificationProtectionStatus: 'NonProtection',
    ModificationProtectionReason: '',
    Tags: { Tag: tagList(lb.Tags) },
  };
}

export function loadBalancerAttribute(model: SlbModel, lb: ScenarioLoadBalancer): Json {
  const listeners = [...lb.Listeners].sort((a, b) => a.ListenerPort - b.ListenerPort);
  return {
    ...loadBalancerSummary(model, lb),
    EndTime: '2999-09-08T16:00:00Z',
    EndTimeStamp: 32493801600000,
    AutoReleaseTime: 0,
    RenewalStatus: 'AutoRenewal',
    RenewalDuration: 0,
    RenewalCycUnit: 'Month',
    ListenerPorts: { ListenerPort: listeners.map((listener) => listener.ListenerPort) },
    ListenerPortsAndProtocol: {
      ListenerPortAndProtocol: listeners.map((listener) => ({
        ListenerPort: listener.ListenerPort,
        ListenerProtocol: listener.ListenerProtocol,
        ...(listener.Description !== undefined && { Description: listener.Description }),
      })),
    },
    // The API still returns its old misspelled duplicate.
    ListenerPortsAndProtocal: {
      ListenerPortAndProtocal: listeners.map((listener) => ({ ListenerPort: listener.ListenerPort, ListenerProtocal: listener.ListenerProtocol })),
    },
    BackendServers: {
      BackendServer: (lb.BackendServers ?? []).map((server) => ({
        ServerId: server.ServerId,
        Weight: server.Weight,
        Type: server.Type ?? 'ecs',
        ServerIp: model.serverIp(server.ServerId),
        ...(server.Description !== undefined && { Description: server.Description }),
      })),
    },
  };
}

/**
 * The health-check fields of one listener. `style` 'config' is the object inside DescribeLoadBalancerListeners
 * (which alone carries HealthCheckType for HTTP/HTTPS and HealthCheckHttpVersion); 'attribute' is the flat
 * Describe*ListenerAttribute answer. With the check off only HealthCheck is returned.
 */
function healthCheckFields(listener: ScenarioListener, check: ResolvedHealthCheck, style: 'config' | 'attribute'): Json {
  if (check.HealthCheck === 'off') return { HealthCheck: 'off' };
  const common = {
    ...(check.HealthCheckConnectPort !== undefined && { HealthCheckConnectPort: check.HealthCheckConnectPort }),
    HealthCheckInterval: check.HealthCheckInterval,
    HealthyThreshold: check.HealthyThreshold,
    UnhealthyThreshold: check.UnhealthyThreshold,
  };
  const httpCheck = {
    ...(check.HealthCheckDomain !== undefined && { HealthCheckDomain: check.HealthCheckDomain }),
    HealthCheckURI: check.HealthCheckURI,
    HealthCheckHttpCode: check.HealthCheckHttpCode,
    HealthCheckMethod: check.HealthCheckMethod,
  };
  switch (listener.ListenerProtocol) {
    case 'http':
    case 'https':
      return {
        HealthCheck: 'on',
        ...(style === 'config' && { HealthCheckType: 'http', HealthCheckHttpVersion: check.HealthCheckHttpVersion }),
        ...httpCheck,
        ...common,
        HealthCheckTimeout: check.timeoutSeconds,
      };
    case 'tcp':
      return {
        HealthCheck: 'on',
        HealthCheckType: check.HealthCheckType,
        ...(check.HealthCheckType === 'http' && httpCheck),
        ...common,
        HealthCheckConnectTimeout: check.timeoutSeconds,
      };
    case 'udp':
      return {
        HealthCheck: 'on',
        ...common,
        HealthCheckConnectTimeout: check.timeoutSeconds,
        ...(check.HealthCheckReq !== undefined && { HealthCheckReq: check.HealthCheckReq }),
        ...(check.HealthCheckExp !== undefined && { HealthCheckExp: check.HealthCheckExp }),
      };
  }
}

function serverGroupFields(listener: ScenarioListener): Json {
  return {
    ...(listener.BackendServerPort !== undefined && { BackendServerPort: listener.BackendServerPort }),
    ...(listener.VServerGroupId !== undefined && { VServerGroupId: listener.VServerGroupId }),
  };
}

function masterSlaveField(listener: ScenarioListener): Json {
  return listener.MasterSlaveServerGroupId !== undefined ? { MasterSlaveServerGroupId: listener.MasterSlaveServerGroupId } : {};
}

const HTTP_TRAFFIC_SETTINGS = { StickySession: 'off', XForwardedFor: 'on', Gzip: 'on', IdleTimeout: 15, RequestTimeout: 60 };
const HTTPS_SETTINGS = (lb: ScenarioLoadBalancer) => ({
  ServerCertificateId: `${lb.LoadBalancerId}-cert`,
  EnableHttp2: 'on',
  TLSCipherPolicy: 'tls_cipher_policy_1_0',
});

/** `rendered` with the scenario's raw reply fields written over it; a null leaves the field out. */
export function withReplyFields(rendered: Json, raw: Record<string, ReplyFieldValue> | undefined): Json {
  if (raw === undefined) return rendered;
  const merged: Json = { ...rendered };
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** One item of DescribeLoadBalancerListeners' bare `Listeners` array. */
export function listenerSummary(lb: ScenarioLoadBalancer, listener: ScenarioListener): Json {
  return withReplyFields(renderListenerSummary(lb, listener), listener.replyFields?.listener);
}

function renderListenerSummary(lb: ScenarioLoadBalancer, listener: ScenarioListener): Json {
  const check = withReplyFields(healthCheckFields(listener, resolveHealthCheck(listener), 'config'), listener.replyFields?.healthCheck);
  const base = {
    LoadBalancerId: lb.LoadBalancerId,
    ListenerPort: listener.ListenerPort,
    ListenerProtocol: listener.ListenerProtocol,
    Status: listener.Status ?? 'running',
    ...serverGroupFields(listener),
    Scheduler: 'wrr',
    Bandwidth: -1,
    Description: listener.Description ?? '',
    AclStatus: 'off',
    Tags: [],
  };
  switch (listener.ListenerProtocol) {
    case 'http':
      return { ...base, HTTPListenerConfig: { ...check, ListenerForward: 'off', ...HTTP_TRAFFIC_SETTINGS } };
    case 'https':
      return { ...base, HTTPSListenerConfig: { ...check, ...HTTPS_SETTINGS(lb), ...HTTP_TRAFFIC_SETTINGS } };
    case 'tcp':
      return {
        ...base,
        TCPListenerConfig: {
          ...check,
          ...masterSlaveField(listener),
          PersistenceTimeout: 0,
          EstablishedTimeout: 900,
          ConnectionDrain: 'off',
          ProxyProtocolV2Enabled: 'false',
        },
      };
    case 'udp':
      return { ...base, UDPListenerConfig: { ...check, ...masterSlaveField(listener), ConnectionDrain: 'off', ProxyProtocolV2Enabled: 'false' } };
  }
}

/** The flat answer of DescribeLoadBalancer{HTTP,HTTPS,TCP,UDP}ListenerAttribute. */
export function listenerAttribute(lb: ScenarioLoadBalancer, listener: ScenarioListener): Json {
  const rendered = withReplyFields(renderListenerAttribute(lb, listener), listener.replyFields?.healthCheck);
  return withReplyFields(rendered, listener.replyFields?.listener);
}

function renderListenerAttribute(lb: ScenarioLoadBalancer, listener: ScenarioListener): Json {
  const base = {
    LoadBalancerId: lb.LoadBalancerId,
    ListenerPort: listener.ListenerPort,
    Status: listener.Status ?? 'running',
    ...serverGroupFields(listener),
    Scheduler: 'wrr',
    Bandwidth: -1,
    Description: listener.Description ?? '',
    AclStatus: 'off',
    Tags: { Tag: [] },
    ...healthCheckFields(listener, resolveHealthCheck(listener), 'attribute'),
  };
  switch (listener.ListenerProtocol) {
    case 'http':
      return { ...base, ListenerForward: 'off', ...HTTP_TRAFFIC_SETTINGS, SecurityStatus: 'normal', Rules: { Rule: [] } };
    case 'https':
      return { ...base, ...HTTPS_SETTINGS(lb), ...HTTP_TRAFFIC_SETTINGS, SecurityStatus: 'normal', Rules: { Rule: [] }, DomainExtensions: { DomainExtension: [] } };
    case 'tcp':
      return {
        ...base,
        ...masterSlaveField(listener),
        PersistenceTimeout: 0,
        EstablishedTimeout: 900,
        ConnectionDrain: 'off',
        ProxyProtocolV2Enabled: false,
        SynProxy: 'disable',
      };
    case 'udp':
      return { ...base, ...masterSlaveField(listener), ProxyProtocolV2Enabled: false };
  }
}

export function groupServer(server: ListenerBackend, withIp: boolean): Json {
  return {
    ServerId: server.ServerId,
    Port: server.Port,
    Weight: server.Weight,
    Type: server.Type,
    ...(withIp && { ServerIp: server.ServerIp }),
    ...(server.ServerType !== undefined && { ServerType: server.ServerType }),
    Description: server.Description ?? '',
  };
}

