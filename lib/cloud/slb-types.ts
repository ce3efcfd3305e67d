// SLB (CLB) API 2014-05-15: the requests we send and the reply fields we read, named exactly as the API names them
// (SDK models: aliyun/alibabacloud-typescript-sdk slb-20140515/src/models/*.ts). Replies are checked against these
// shapes in slb.ts before anyone reads them. The SDK types every enum as a plain string: ours are `Spelled`, a known
// value or the raw spelling of an unknown one, so that an unknown value costs a warning, never the load balancer.
import type { DroppedItem } from './reply';
import type { LenientNumber, Spelled } from './spelling';

export type { DroppedItem } from './reply';
export type { LenientNumber, Spelled, UnknownSpelling } from './spelling';

export type SlbListenerProtocol = 'http' | 'https' | 'tcp' | 'udp';
export type SlbServerHealthStatus = 'normal' | 'abnormal' | 'unavailable';
export type SlbBackendType = 'ecs' | 'eni' | 'eci';
/** DescribeLoadBalancerListeners' Status values. */
export type SlbListenerStatus = 'running' | 'stopped' | 'starting' | 'stopping' | 'configuring';

export interface SlbTag {
  TagKey: string;
  TagValue: string;
}

// ---- DescribeRegions

export interface DescribeRegionsRequest {
  AcceptLanguage?: 'zh-CN' | 'en-US' | 'ja';
}
export interface SlbRegion {
  RegionId: string;
  LocalName: string;
  RegionEndpoint: string;
}
export interface DescribeRegionsResponse {
  RequestId: string;
  Regions: { Region: SlbRegion[] };
}

// ---- DescribeLoadBalancers

export interface DescribeLoadBalancersRequest {
  RegionId: string;
  PageNumber?: number;
  /** 1–100. */
  PageSize?: number;
  /** Comma-separated, at most 10 ids. */
  LoadBalancerId?: string;
  Tag?: { Key: string; Value: string }[];
  VpcId?: string;
  NetworkType?: 'vpc' | 'classic';
  AddressType?: 'internet' | 'intranet';
  LoadBalancerStatus?: 'inactive' | 'active' | 'locked';
}
/** The fields DescribeLoadBalancers and DescribeLoadBalancerAttribute both return for a load balancer. */
export interface SlbLoadBalancerFields {
  LoadBalancerId: string;
  LoadBalancerName: string;
  Address: string;
  AddressType: string;
  NetworkType: string;
  VpcId: string;
  VSwitchId: string;
  LoadBalancerStatus: string;
  /** Absent when the reply carried no Tags at all. */
  Tags?: { Tag: SlbTag[] };
}
export interface SlbLoadBalancerSummary extends SlbLoadBalancerFields {
  RegionId: string;
}
export interface DescribeLoadBalancersResponse {
  RequestId: string;
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  LoadBalancers: { LoadBalancer: SlbLoadBalancerSummary[] };
  /** Entries without a LoadBalancerId: set aside, with their reason. */
  dropped: DroppedItem[];
}

// ---- DescribeLoadBalancerAttribute

export interface DescribeLoadBalancerAttributeRequest {
  RegionId: string;
  LoadBalancerId: string;
}
/** A default-server-group backend: no Port (it uses the listener's BackendServerPort). */
export interface SlbDefaultBackendServer {
  ServerId: string;
  Weight?: number;
  Type?: Spelled<SlbBackendType>;
  ServerIp?: string;
  Description?: string;
}
export interface SlbListenerPortAndProtocol {
  ListenerPort: number;
  ListenerProtocol: Spelled<SlbListenerProtocol>;
}
export interface DescribeLoadBalancerAttributeResponse extends SlbLoadBalancerFields {
  RequestId: string;
  ListenerPortsAndProtocol: { ListenerPortAndProtocol: SlbListenerPortAndProtocol[] };
  BackendServers: { BackendServer: SlbDefaultBackendServer[] };
  dropped: DroppedItem[];
}

// ---- Health-check settings, as both the batched listener configs and the per-listener describes name them

/** Numbers are `LenientNumber`: a value that is not a number is kept raw and gets the documented default. */
export interface SlbHealthCheckConfig {
  HealthCheck?: Spelled<'on' | 'off'>;
  /** TCP listeners only: tcp | http. */
  HealthCheckType?: Spelled<'tcp' | 'http'>;
  HealthCheckDomain?: string;
  HealthCheckURI?: string;
  HealthCheckConnectPort?: LenientNumber;
  /** Comma list of http_2xx | http_3xx | http_4xx | http_5xx. */
  HealthCheckHttpCode?: string;
  /** "tcp" in the TCP listener doc example reads as unset. */
  HealthCheckMethod?: Spelled<'head' | 'get'>;
  /** "HTTP 1.0" in the DescribeLoadBalancerListeners doc example; http1.0 in the parameter table. */
  HealthCheckHttpVersion?: Spelled<'http1.0' | 'http1.1'>;
  HealthCheckInterval?: LenientNumber;
  /** HTTP/HTTPS listeners. */
  HealthCheckTimeout?: LenientNumber;
  /** TCP/UDP listeners. */
  HealthCheckConnectTimeout?: LenientNumber;
  HealthyThreshold?: LenientNumber;
  UnhealthyThreshold?: LenientNumber;
  /** UDP listeners. */
  HealthCheckReq?: string;
  HealthCheckExp?: string;
  /** TCP/UDP listeners bound to a master-slave group. */
  MasterSlaveServerGroupId?: string;
}

// ---- DescribeLoadBalancerListeners

export interface DescribeLoadBalancerListenersRequest {
  RegionId: string;
  /** At most 10 ids (sent as LoadBalancerId.N). */
  LoadBalancerId: string[];
  ListenerProtocol?: SlbListenerProtocol;
  ListenerPort?: number;
  /** 1–100. */
  MaxResults?: number;
  NextToken?: string;
}
export interface SlbListener {
  LoadBalancerId: string;
  ListenerPort: number;
  ListenerProtocol: Spelled<SlbListenerProtocol>;
  Status?: Spelled<SlbListenerStatus>;
  BackendServerPort?: number;
  VServerGroupId?: string;
  Scheduler?: string;
  Description?: string;
  /** Exactly one of these is present in a complete entry. */
  HTTPListenerConfig?: SlbHealthCheckConfig;
  HTTPSListenerConfig?: SlbHealthCheckConfig;
  TCPListenerConfig?: SlbHealthCheckConfig;
  UDPListenerConfig?: SlbHealthCheckConfig;
}
export interface DescribeLoadBalancerListenersResponse {
  RequestId: string;
  /** Empty or absent on the last page. */
  NextToken?: string;
  MaxResults?: number;
  TotalCount?: number;
  /** A bare array (no `Listener` wrapper). */
  Listeners: SlbListener[];
  /** Entries without a LoadBalancerId or ListenerPort: set aside, with their reason. */
  dropped: DroppedItem[];
}

// ---- DescribeLoadBalancer{HTTP,HTTPS,TCP,UDP}ListenerAttribute

export interface DescribeListenerAttributeRequest {
  RegionId: string;
  LoadBalancerId: string;
  ListenerPort: number;
}
export interface DescribeListenerAttributeResponse extends SlbHealthCheckConfig {
  RequestId: string;
  ListenerPort: number;
  Status?: Spelled<SlbListenerStatus>;
  BackendServerPort?: number;
  VServerGroupId?: string;
}

// ---- DescribeHealthStatus

export interface DescribeHealthStatusRequest {
  RegionId: string;
  LoadBalancerId: string;
  /** Omit for all listeners. */
  ListenerPort?: number;
  ListenerProtocol?: SlbListenerProtocol;
}
export interface SlbBackendHealth {
  ServerId: string;
  ServerIp?: string;
  /** The backend port. */
  Port: number;
  ListenerPort: number;
  /** The listener's protocol; an unknown spelling reads as absent (the port then tells the listener). */
  Protocol?: SlbListenerProtocol;
  /** An unknown status is kept raw and reported as such. */
  ServerHealthStatus: Spelled<SlbServerHealthStatus>;
}
export interface DescribeHealthStatusResponse {
  RequestId: string;
  BackendServers: { BackendServer: SlbBackendHealth[] };
  dropped: DroppedItem[];
}

// ---- VServer groups

export interface DescribeVServerGroupsRequest {
  RegionId: string;
  LoadBalancerId: string;
  IncludeListener?: boolean;
}
export interface SlbVServerGroupSummary {
  VServerGroupId: string;
  VServerGroupName: string;
}
export interface DescribeVServerGroupsResponse {
  RequestId: string;
  VServerGroups: { VServerGroup: SlbVServerGroupSummary[] };
}

export interface DescribeVServerGroupAttributeRequest {
  RegionId: string;
  VServerGroupId: string;
}
export interface SlbGroupBackendServer {
  ServerId: string;
  Port: number;
  Weight?: number;
  Type?: Spelled<SlbBackendType>;
  ServerIp?: string;
  Description?: string;
}
export interface DescribeVServerGroupAttributeResponse {
  RequestId: string;
  VServerGroupId: string;
  VServerGroupName: string;
  LoadBalancerId?: string;
  BackendServers: { BackendServer: SlbGroupBackendServer[] };
  dropped: DroppedItem[];
}

// ---- Master-slave groups

export interface DescribeMasterSlaveServerGroupAttributeRequest {
  RegionId: string;
  MasterSlaveServerGroupId: string;
}
/** No ServerIp in this API: take it from DescribeHealthStatus or ECS. */
export interface SlbMasterSlaveBackendServer {
  ServerId: string;
  Port: number;
  Weight?: number;
  Type?: Spelled<SlbBackendType>;
  ServerType: 'Master' | 'Slave';
  ServerIp?: string;
  Description?: string;
}
export interface DescribeMasterSlaveServerGroupAttributeResponse {
  RequestId: string;
  MasterSlaveServerGroupId: string;
  MasterSlaveServerGroupName: string;
  LoadBalancerId?: string;
  MasterSlaveBackendServers: { MasterSlaveBackendServer: SlbMasterSlaveBackendServer[] };
  dropped: DroppedItem[];
}
