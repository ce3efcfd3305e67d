// The ECS facts the diagnosis needs (instance status, private IPs, security groups and their ingress rules), through
// the official @alicloud/ecs20140526 SDK (built on @alicloud/openapi-core), with our retry and rate budget around it.
import EcsSdk, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type Credential from '@alicloud/credentials';
import type { EcsInstanceFacts, SecurityGroupRule } from '../model';
import type { ApiEndpoint } from './endpoints';
import { malformedReply } from './errors';
import type { ApiInvoker } from './invoker';
import { nextPageToken } from './reply';
import type { CallApi } from './transport';

/** DescribeInstances takes at most this many ids (InstanceIds JSON array) and returns at most this many per page. */
export const INSTANCE_BATCH_SIZE = 100;
/** DescribeSecurityGroupAttribute's largest page (MaxResults 10–1000). */
const RULE_PAGE_SIZE = 1000;

export interface DescribeInstancesRequest {
  RegionId: string;
  /** Any number: sent in batches of 100. */
  InstanceIds: string[];
}

export interface DescribeSecurityGroupAttributeRequest {
  RegionId: string;
  SecurityGroupId: string;
  /** Default ingress: the direction health checks arrive from. */
  Direction?: 'ingress' | 'egress' | 'all';
}

export interface EcsSdkOptions {
  endpoint: ApiEndpoint;
  regionId: string;
  credential: Credential;
  readTimeoutMs: number;
  connectTimeoutMs: number;
  userAgent: string;
  /** Test seam: answer the SDK's requests with this instead of the network (the SDK still builds and reads them). */
  callApi?: CallApi;
}

export function createEcsSdk(options: EcsSdkOptions): EcsSdk {
  const sdk = new EcsSdk(
    new $OpenApiUtil.Config({
      credential: options.credential,
      endpoint: options.endpoint.host,
      protocol: options.endpoint.protocol,
      regionId: options.regionId,
      readTimeout: options.readTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      userAgent: options.userAgent,
    }),
  );
  const fake = options.callApi;
  if (fake) {
    sdk.callApi = async (params, request) => ({
      body: await fake({ product: 'ecs', action: params.action, version: params.version, query: request.query ?? {} }),
      headers: {},
      statusCode: 200,
    });
  }
  return sdk;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((value) => value !== ''))];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function readInstance(instance: $Ecs.DescribeInstancesResponseBodyInstancesInstance, index: number): EcsInstanceFacts {
  if (!instance.instanceId) throw malformedReply('ecs', 'DescribeInstances', `Instances.Instance[${index}].InstanceId is missing`);
  const interfaces = instance.networkInterfaces?.networkInterface ?? [];
  const privateIps = unique([
    ...(instance.vpcAttributes?.privateIpAddress?.ipAddress ?? []),
    ...interfaces.flatMap((nic) => [nic.primaryIpAddress ?? '', ...(nic.privateIpSets?.privateIpSet ?? []).map((set) => set.privateIpAddress ?? '')]),
    ...(instance.innerIpAddress?.ipAddress ?? []),
  ]);
  return {
    instanceId: instance.instanceId,
    status: instance.status ?? '',
    privateIps,
    securityGroupIds: unique(instance.securityGroupIds?.securityGroupId ?? []),
    vpcId: instance.vpcAttributes?.vpcId || null,
  };
}

function readRule(
  securityGroupId: string,
  permission: $Ecs.DescribeSecurityGroupAttributeResponseBodyPermissionsPermission,
  index: number,
): SecurityGroupRule {
  const at = `Permissions.Permission[${index}]`;
  const direction = (permission.direction ?? '').toLowerCase();
  if (direction !== 'ingress' && direction !== 'egress') {
    throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${at}.Direction is ${JSON.stringify(permission.direction)}, expected ingress or egress`);
  }
  // The API answers "Accept"/"Drop"; requests use lower case. An absent policy is the default, accept.
  const policy = (permission.policy || 'accept').toLowerCase();
  if (policy !== 'accept' && policy !== 'drop') {
    throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${at}.Policy is ${JSON.stringify(permission.policy)}, expected Accept or Drop`);
  }
  const priority = permission.priority === undefined || permission.priority === '' ? 1 : Number(permission.priority);
  if (!Number.isInteger(priority)) {
    throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${at}.Priority is ${JSON.stringify(permission.priority)}, expected 1-100`);
  }
  return {
    securityGroupId,
    direction,
    policy,
    priority,
    ipProtocol: (permission.ipProtocol ?? 'ALL').toUpperCase(),
    portRange: permission.portRange ?? '-1/-1',
    sourceCidrIp: permission.sourceCidrIp ?? '',
    description: permission.description ?? '',
  };
}

export class EcsClient {
  constructor(
    private readonly invoker: ApiInvoker,
    private readonly sdk: EcsSdk,
  ) {}

  /** Status, private IPs, security groups and VPC of each instance; ids the region does not know are simply absent. */
  async describeInstances(request: DescribeInstancesRequest): Promise<EcsInstanceFacts[]> {
    const facts: EcsInstanceFacts[] = [];
    for (const batch of chunks(unique(request.InstanceIds), INSTANCE_BATCH_SIZE)) {
      const tokens = new Set<string>();
      let token: string | undefined;
      do {
        const page = await this.invoker.invoke(
          'ecs',
          'DescribeInstances',
          () =>
            this.sdk.describeInstances(
              new $Ecs.DescribeInstancesRequest({ regionId: request.RegionId, instanceIds: JSON.stringify(batch), maxResults: INSTANCE_BATCH_SIZE, nextToken: token }),
            ),
          (response) => {
            const instances = response.body?.instances?.instance;
            if (!instances) throw malformedReply('ecs', 'DescribeInstances', 'Instances.Instance is missing');
            return { instances: instances.map(readInstance), nextToken: response.body?.nextToken || undefined };
          },
        );
        facts.push(...page.instances);
        token = nextPageToken('ecs', 'DescribeInstances', page.nextToken, tokens);
      } while (token !== undefined);
    }
    return facts;
  }

  /** The group's rules in one direction (default ingress), all pages. */
  async describeSecurityGroupAttribute(request: DescribeSecurityGroupAttributeRequest): Promise<SecurityGroupRule[]> {
    const rules: SecurityGroupRule[] = [];
    const tokens = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.invoker.invoke(
        'ecs',
        'DescribeSecurityGroupAttribute',
        () =>
          this.sdk.describeSecurityGroupAttribute(
            new $Ecs.DescribeSecurityGroupAttributeRequest({
              regionId: request.RegionId,
              securityGroupId: request.SecurityGroupId,
              direction: request.Direction ?? 'ingress',
              maxResults: RULE_PAGE_SIZE,
              nextToken: token,
            }),
          ),
        (response) => {
          const permissions = response.body?.permissions?.permission;
          if (!permissions) throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', 'Permissions.Permission is missing');
          return {
            rules: permissions.map((permission, index) => readRule(request.SecurityGroupId, permission, index)),
            nextToken: response.body?.nextToken || undefined,
          };
        },
      );
      rules.push(...page.rules);
      token = nextPageToken('ecs', 'DescribeSecurityGroupAttribute', page.nextToken, tokens);
    } while (token !== undefined);
    return rules;
  }
}
