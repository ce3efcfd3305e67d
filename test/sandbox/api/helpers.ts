// Fixtures for the API emulator tests: small scenarios, API servers without backends, and calls through the REAL SDKs.
import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';
import EcsClient from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { createEcsProduct } from '../../../lib/sandbox/ecs';
import { AccessKeyRegistry, generateSandboxCredentials, type SandboxCredentials } from '../../../lib/sandbox/openapi/credentials';
import { createOpenApiPolicy, startOpenApiServer, type OpenApiPolicy, type OpenApiServer } from '../../../lib/sandbox/openapi/server';
import type { Scenario } from '../../../lib/sandbox/scenario/types';
import { validateScenario } from '../../../lib/sandbox/scenario/validate';
import { createSlbProduct, type HealthStatusSource, type ServerHealthStatus } from '../../../lib/sandbox/slb';

/** A health checker stand-in: fixed verdicts by key, 'unavailable' for the rest. */
export function fixedHealth(statuses: Record<string, ServerHealthStatus>): HealthStatusSource {
  return { status: (key) => statuses[key] ?? 'unavailable' };
}

/** Two VPCs, three instances, one LB with HTTP / HTTPS(VServer) / TCP+UDP on one port / UDP (master-slave) listeners. */
export function smallScenario(): Scenario {
  return {
    regionId: 'cn-hangzhou',
    accountId: '1688000000000002',
    vpcs: [
      { vpcId: 'vpc-a', cidr: '127.0.0.0/25', vSwitchId: 'vsw-a' },
      { vpcId: 'vpc-b', cidr: '127.0.0.128/25', vSwitchId: 'vsw-b' },
    ],
    securityGroups: [
      {
        securityGroupId: 'sg-a',
        vpcId: 'vpc-a',
        rules: [
          { direction: 'ingress', policy: 'accept', priority: 1, ipProtocol: 'TCP', portRange: '80/80', sourceCidrIp: '0.0.0.0/0' },
          { direction: 'ingress', policy: 'drop', priority: 5, ipProtocol: 'TCP', portRange: '1/65535', sourceCidrIp: '100.64.0.0/10', description: 'no SLB' },
          { direction: 'egress', policy: 'accept', priority: 1, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0' },
        ],
      },
    ],
    instances: [
      { instanceId: 'i-1', instanceName: 'web-1', status: 'Running', vpcId: 'vpc-a', privateIp: '127.0.0.11', securityGroupIds: ['sg-a'] },
      { instanceId: 'i-2', status: 'Stopped', vpcId: 'vpc-a', privateIp: '127.0.0.12', securityGroupIds: ['sg-a'] },
      { instanceId: 'i-3', status: 'Running', vpcId: 'vpc-a', privateIp: '127.0.0.13', securityGroupIds: [] },
    ],
    endpoints: [{ ip: '127.0.0.11', port: 8080, behaviour: 'healthy' }],
    loadBalancers: [
      {
        LoadBalancerId: 'lb-1',
        LoadBalancerName: 'one',
        VpcId: 'vpc-a',
        Tags: { env: 'prod', team: 'web' },
        BackendServers: [
          { ServerId: 'i-1', Weight: 100 },
          { ServerId: 'i-2', Weight: 0, Description: 'drained' },
        ],
        VServerGroups: [
          {
            VServerGroupId: 'rsp-1',
            VServerGroupName: 'api',
            BackendServers: [
              { ServerId: 'i-1', Port: 8081, Weight: 100 },
              { ServerId: 'i-3', Port: 9091, Weight: 50, Type: 'eni' },
            ],
          },
        ],
        MasterSlaveServerGroups: [
          {
            MasterSlaveServerGroupId: 'rsp-ms',
            BackendServers: [
              { ServerId: 'i-1', Port: 5300, Weight: 100, ServerType: 'Master' },
              { ServerId: 'i-3', Port: 5300, Weight: 100, ServerType: 'Slave' },
            ],
          },
        ],
        Listeners: [
          {
            ListenerPort: 80,
            ListenerProtocol: 'http',
            BackendServerPort: 8080,
            healthCheck: { HealthCheckURI: '/healthz', HealthCheckDomain: '$_ip', HealthCheckInterval: 2, HealthCheckTimeout: 3 },
          },
          { ListenerPort: 443, ListenerProtocol: 'https', VServerGroupId: 'rsp-1', healthCheck: { HealthCheckMethod: 'get', HealthCheckHttpVersion: 'http1.1' } },
          { ListenerPort: 53, ListenerProtocol: 'tcp', BackendServerPort: 8053, healthCheck: { HealthCheckType: 'http', HealthCheckURI: '/ping' } },
          { ListenerPort: 53, ListenerProtocol: 'udp', BackendServerPort: 8053, healthCheck: { HealthCheckReq: 'ping', HealthCheckExp: 'pong' } },
          { ListenerPort: 5300, ListenerProtocol: 'udp', MasterSlaveServerGroupId: 'rsp-ms' },
          { ListenerPort: 8000, ListenerProtocol: 'tcp', BackendServerPort: 8080, Status: 'stopped' },
          { ListenerPort: 8001, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: { HealthCheck: 'off' } },
        ],
      },
      { LoadBalancerId: 'lb-2', VpcId: 'vpc-b', Tags: { env: 'test' }, Listeners: [] },
    ],
  };
}

export interface ApiFixture {
  slb: OpenApiServer;
  ecs: OpenApiServer;
  credentials: SandboxCredentials;
  policy: OpenApiPolicy;
  stop(): Promise<void>;
}

/** The SLB and ECS servers alone (no backends, no checker): fast and deterministic. */
export async function startApis(
  scenario: Scenario,
  options: { health?: HealthStatusSource; now?: () => number; random?: () => number } = {},
): Promise<ApiFixture> {
  const valid = validateScenario(scenario);
  const credentials = generateSandboxCredentials();
  const policy = createOpenApiPolicy({
    api: valid.api,
    keys: AccessKeyRegistry.forScenario(valid.api, credentials),
    accountId: valid.accountId,
    now: options.now,
    random: options.random,
  });
  const slb = await startOpenApiServer(createSlbProduct(valid, options.health ?? fixedHealth({})), policy);
  const ecs = await startOpenApiServer(createEcsProduct(valid), policy);
  return { slb, ecs, credentials, policy, stop: async () => void (await Promise.all([slb.stop(), ecs.stop()])) };
}

export interface KeyPair {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface CallOptions {
  /** Legacy V1 (HMAC-SHA1) signing instead of V3. */
  v1?: boolean;
  version?: string;
  headers?: Record<string, string>;
  readTimeoutMs?: number;
}

export function openApiClient(endpoint: string, key: KeyPair, options: CallOptions = {}): OpenApi {
  return new OpenApi(
    new $OpenApi.Config({
      ...key,
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      readTimeout: options.readTimeoutMs ?? 5000,
      connectTimeout: 2000,
      ...(options.v1 && { signatureAlgorithm: 'v2' }),
    }),
  );
}

/** A generic RPC call exactly as the product makes it (callApi + OpenApiUtil.query); resolves the parsed body. */
export async function callRpc(
  endpoint: string,
  key: KeyPair,
  action: string,
  query: Record<string, unknown> = {},
  options: CallOptions = {},
): Promise<Record<string, unknown>> {
  const client = openApiClient(endpoint, key, options);
  const params = new $OpenApi.Params({
    action,
    version: options.version ?? '2014-05-15',
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const request = new $OpenApi.OpenApiRequest({ query: OpenApiUtil.query(query), ...(options.headers && { headers: options.headers }) });
  const response = (await client.callApi(params, request, new $Util.RuntimeOptions({}))) as { body: Record<string, unknown> };
  return response.body;
}

/** The error a call throws (fails the test if it succeeds). */
export async function callError(call: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message: string; data?: Record<string, unknown>; name: string }> {
  try {
    await call;
  } catch (err) {
    return err as { code?: string; statusCode?: number; message: string; data?: Record<string, unknown>; name: string };
  }
  throw new Error('expected the call to fail');
}

export function ecsClient(endpoint: string, key: KeyPair): EcsClient {
  return new EcsClient(
    new $OpenApiUtil.Config({ ...key, endpoint, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 5000, connectTimeout: 2000 }),
  );
}

/** A scenario with `lbCount` load balancers of `listenersPerLb` TCP listeners each, for paging tests. */
export function fleetScenario(lbCount: number, listenersPerLb: number, instanceCount = 1): Scenario {
  const base = smallScenario();
  const instances = Array.from({ length: instanceCount }, (_, index) => ({
    instanceId: `i-fleet-${String(index).padStart(4, '0')}`,
    status: 'Running' as const,
    vpcId: 'vpc-a',
    privateIp: `127.0.${Math.floor((index + 10) / 250)}.${((index + 10) % 250) + 1}`,
    securityGroupIds: [],
  }));
  return {
    ...base,
    vpcs: [{ vpcId: 'vpc-a', cidr: '127.0.0.0/17', vSwitchId: 'vsw-a' }],
    securityGroups: [],
    endpoints: [],
    instances,
    loadBalancers: Array.from({ length: lbCount }, (_, lbIndex) => ({
      LoadBalancerId: `lb-fleet-${String(lbIndex).padStart(4, '0')}`,
      VpcId: 'vpc-a',
      Tags: { shard: String(lbIndex % 3) },
      BackendServers: [{ ServerId: instances[0].instanceId, Weight: 100 }],
      Listeners: Array.from({ length: listenersPerLb }, (_, listenerIndex) => ({
        ListenerPort: 10000 + listenerIndex,
        ListenerProtocol: 'tcp' as const,
        BackendServerPort: 8080,
      })),
    })),
  };
}
