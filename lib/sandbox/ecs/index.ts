// The ECS (API version 2014-05-26) emulator: DescribeInstances and DescribeSecurityGroupAttribute with the real JSON
// shapes (slb-api.md §4), as @alicloud/ecs20140526 calls them, plus the Cloud Assistant actions (./cloud-assistant).

import { ApiError, apiErrors } from '../openapi/errors';
import { decodeNextToken, encodeNextToken, type RequestParams } from '../openapi/params';
import type { OpenApiProduct } from '../openapi/server';
import type { Scenario, ScenarioInstance, ScenarioSecurityGroup, ScenarioSecurityGroupRule } from '../scenario/types';
import type { CloudAssistant } from './cloud-assistant';

export { createCloudAssistant, OUTPUT_LIMIT_BYTES, type CloudAssistant } from './cloud-assistant';

export const ECS_VERSION = '2014-05-26';

const CREATION_TIME = '2024-05-01T08:00Z';

const ecsErrors = {
  securityGroupNotFound: () => new ApiError(404, 'InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.'),
};

export function createEcsProduct(scenario: Scenario, cloudAssistant?: CloudAssistant): OpenApiProduct {
  const vSwitchByVpc = new Map(scenario.vpcs.map((vpc) => [vpc.vpcId, vpc.vSwitchId]));
  const groups = new Map(scenario.securityGroups.map((group) => [group.securityGroupId, group]));
  const otherRegion = (params: RequestParams): boolean => params.requiredString('RegionId') !== scenario.regionId;

  return {
    code: 'ecs',
    version: ECS_VERSION,
    actions: {
      ...cloudAssistant?.actions,
      DescribeInstances: (params) => {
        const regionMismatch = otherRegion(params);
        const ids = params.jsonStringArray('InstanceIds', 100);
        const privateIps = params.jsonStringArray('PrivateIpAddresses', 100);
        const vpcId = params.string('VpcId');
        const vSwitchId = params.string('VSwitchId');
        const securityGroupId = params.string('SecurityGroupId');
        const status = params.oneOf('Status', ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'] as const);
        const networkType = params.oneOf('InstanceNetworkType', ['classic', 'vpc'] as const);
        const name = params.string('InstanceName');
        const matches = regionMismatch
          ? []
          : scenario.instances.filter(
              (instance) =>
                (ids === undefined || ids.includes(instance.instanceId)) &&
                (privateIps === undefined || privateIps.includes(instance.privateIp)) &&
                (vpcId === undefined || instance.vpcId === vpcId) &&
                (vSwitchId === undefined || vSwitchByVpc.get(instance.vpcId) === vSwitchId) &&
                (securityGroupId === undefined || instance.securityGroupIds.includes(securityGroupId)) &&
                (status === undefined || instance.status === status) &&
                (networkType === undefined || networkType === 'vpc') &&
                (name === undefined || (instance.instanceName ?? instance.instanceId) === name),
            );
        const render = (instance: ScenarioInstance) => renderInstance(instance, scenario.regionId, vSwitchByVpc.get(instance.vpcId) ?? '');
        if (params.has('MaxResults') || params.has('NextToken')) {
          const maxResults = params.integer('MaxResults', 1, 100) ?? 10;
          const offset = decodeNextToken('DescribeInstances', params.string('NextToken'));
          if (offset > matches.length) throw apiErrors.invalidParameter('NextToken', 'Use the NextToken of the previous page.');
          const next = offset + maxResults;
          return {
            NextToken: next < matches.length ? encodeNextToken('DescribeInstances', next) : '',
            TotalCount: matches.length,
            Instances: { Instance: matches.slice(offset, next).map(render) },
          };
        }
        const pageNumber = params.integer('PageNumber', 1, 1_000_000) ?? 1;
        const pageSize = params.integer('PageSize', 1, 100) ?? 10;
        return {
          PageNumber: pageNumber,
          PageSize: pageSize,
          TotalCount: matches.length,
          Instances: { Instance: matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(render) },
        };
      },

      DescribeSecurityGroupAttribute: (params) => {
        const regionMismatch = otherRegion(params);
        const group = regionMismatch ? undefined : groups.get(params.requiredString('SecurityGroupId'));
        if (!group) throw ecsErrors.securityGroupNotFound();
        const direction = params.oneOf('Direction', ['ingress', 'egress', 'all'] as const) ?? 'all';
        // Validated only: every sandbox NIC is a VPC (intranet) NIC.
        params.oneOf('NicType', ['internet', 'intranet'] as const);
        const maxResults = params.integer('MaxResults', 10, 1000) ?? 500;
        const offset = decodeNextToken(`DescribeSecurityGroupAttribute:${group.securityGroupId}`, params.string('NextToken'));
        const permissions = group.rules
          .map((rule, index) => ({ rule, index }))
          .filter(({ rule }) => direction === 'all' || rule.direction === direction);
        if (offset > permissions.length) throw apiErrors.invalidParameter('NextToken', 'Use the NextToken of the previous page.');
        const next = offset + maxResults;
        return {
          RegionId: scenario.regionId,
          SecurityGroupId: group.securityGroupId,
          SecurityGroupName: group.securityGroupId,
          Description: '',
          VpcId: group.vpcId,
          InnerAccessPolicy: 'Accept',
          NextToken: next < permissions.length ? encodeNextToken(`DescribeSecurityGroupAttribute:${group.securityGroupId}`, next) : '',
          Permissions: { Permission: permissions.slice(offset, next).map(({ rule, index }) => renderPermission(group, rule, index)) },
        };
      },
    },
  };
}

function renderInstance(instance: ScenarioInstance, regionId: string, vSwitchId: string): Record<string, unknown> {
  const suffix = instance.instanceId.replace(/^i-/, '');
  return {
    InstanceId: instance.instanceId,
    InstanceName: instance.instanceName ?? instance.instanceId,
    HostName: instance.instanceName ?? instance.instanceId,
    Status: instance.status,
    RegionId: regionId,
    ZoneId: `${regionId}-a`,
    InstanceType: 'ecs.g7.large',
    Cpu: 2,
    Memory: 8192,
    OSType: instance.host?.osType === 'Windows' ? 'windows' : 'linux',
    OSName: instance.host?.osType === 'Windows' ? 'Windows Server  2022 数据中心版 64位中文版' : 'Alibaba Cloud Linux 3.2104 LTS 64位',
    InstanceNetworkType: 'vpc',
    CreationTime: CREATION_TIME,
    ExpiredTime: '2099-12-31T15:59Z',
    InstanceChargeType: 'PostPaid',
    VpcAttributes: {
      VpcId: instance.vpcId,
      VSwitchId: vSwitchId,
      NatIpAddress: '',
      PrivateIpAddress: { IpAddress: [instance.privateIp] },
    },
    InnerIpAddress: { IpAddress: [] },
    PublicIpAddress: { IpAddress: [] },
    EipAddress: { AllocationId: '', IpAddress: '', Bandwidth: 0 },
    SecurityGroupIds: { SecurityGroupId: [...instance.securityGroupIds] },
    NetworkInterfaces: {
      NetworkInterface: [
        {
          NetworkInterfaceId: `eni-${suffix}`,
          Type: 'Primary',
          PrimaryIpAddress: instance.privateIp,
          MacAddress: '00:16:3e:00:00:01',
          PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: instance.privateIp, Primary: true }] },
        },
      ],
    },
    Tags: { Tag: [] },
  };
}

function renderPermission(group: ScenarioSecurityGroup, rule: ScenarioSecurityGroupRule, index: number): Record<string, unknown> {
  // The scenario's `sourceCidrIp` is the peer range: the source of ingress, the destination of egress.
  const ingress = rule.direction === 'ingress';
  return {
    SecurityGroupRuleId: `sgr-${group.securityGroupId.replace(/^sg-/, '')}-${index + 1}`,
    Direction: rule.direction,
    Policy: rule.policy === 'accept' ? 'Accept' : 'Drop',
    Priority: String(rule.priority),
    IpProtocol: rule.ipProtocol,
    PortRange: rule.portRange,
    SourcePortRange: '',
    SourceCidrIp: ingress ? rule.sourceCidrIp : '',
    DestCidrIp: ingress ? '' : rule.sourceCidrIp,
    Ipv6SourceCidrIp: '',
    Ipv6DestCidrIp: '',
    SourceGroupId: '',
    DestGroupId: '',
    SourcePrefixListId: '',
    DestPrefixListId: '',
    NicType: 'intranet',
    Description: rule.description ?? '',
    CreateTime: '2024-05-01T08:00:00Z',
  };
}
