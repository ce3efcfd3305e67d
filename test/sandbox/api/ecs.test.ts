// The ECS emulator, called through @alicloud/ecs20140526 7.11.6 (openapi-core) and through the generic client for raw names.
import * as $Ecs from '@alicloud/ecs20140526';
import type EcsClient from '@alicloud/ecs20140526';
import type { Scenario } from '../../../lib/sandbox/scenario/types';
import { callError, callRpc, ecsClient, fleetScenario, smallScenario, startApis, type ApiFixture } from './helpers';

function ecsScenario(): Scenario {
  const fleet = fleetScenario(1, 1, 150);
  const small = smallScenario();
  const rules = Array.from({ length: 25 }, (_, index) => ({
    direction: index % 5 === 0 ? ('egress' as const) : ('ingress' as const),
    policy: index % 2 === 0 ? ('accept' as const) : ('drop' as const),
    priority: (index % 100) + 1,
    ipProtocol: 'TCP' as const,
    portRange: `${8000 + index}/${8000 + index}`,
    sourceCidrIp: '10.0.0.0/8',
  }));
  return {
    ...fleet,
    securityGroups: [{ ...small.securityGroups[0] }, { securityGroupId: 'sg-many', vpcId: 'vpc-a', rules }],
    instances: fleet.instances.map((instance, index) => ({
      ...instance,
      status: index % 10 === 0 ? ('Stopped' as const) : ('Running' as const),
      securityGroupIds: index === 0 ? ['sg-a', 'sg-many'] : ['sg-a'],
    })),
  };
}

describe('ECS emulator', () => {
  let api: ApiFixture;
  let client: EcsClient;

  beforeAll(async () => {
    api = await startApis(ecsScenario());
    client = ecsClient(api.ecs.endpoint, { accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret });
  });
  afterAll(() => api.stop());

  it('DescribeInstances pages 150 instances with MaxResults/NextToken', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const response = await client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', maxResults: 100, nextToken }));
      seen.push(...(response.body?.instances?.instance ?? []).map((instance) => instance.instanceId ?? ''));
      nextToken = response.body?.nextToken || undefined;
      pages += 1;
    } while (nextToken && pages < 5);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(150);
  });

  it('DescribeInstances filters by the InstanceIds JSON array and Status, with the real field names', async () => {
    const ids = ['i-fleet-0000', 'i-fleet-0001', 'i-unknown'];
    const response = await client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify(ids) }));
    const [first, second] = response.body?.instances?.instance ?? [];
    expect(response.body?.totalCount).toBe(2);
    expect(first).toMatchObject({ instanceId: 'i-fleet-0000', status: 'Stopped', vpcAttributes: { vpcId: 'vpc-a', privateIpAddress: { ipAddress: ['127.0.0.11'] } } });
    expect(first.securityGroupIds?.securityGroupId).toEqual(['sg-a', 'sg-many']);
    expect(second.status).toBe('Running');

    const raw = await callRpc(api.ecs.endpoint, { accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret }, 'DescribeInstances', { RegionId: 'cn-hangzhou', Status: 'Stopped', PageSize: 100 }, { version: '2014-05-26' });
    expect(raw.TotalCount).toBe(15);
    expect(raw).toHaveProperty(['Instances', 'Instance', 0, 'VpcAttributes', 'PrivateIpAddress', 'IpAddress']);
  });

  it('DescribeInstances rejects more than 100 ids and malformed JSON', async () => {
    const many = JSON.stringify(Array.from({ length: 101 }, (_, index) => `i-${index}`));
    const tooMany = await callError(client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: many })));
    expect(tooMany).toMatchObject({ name: 'ClientError', code: 'InvalidParameter', statusCode: 400 });
    const malformed = await callError(client.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: 'i-1,i-2' })));
    expect(malformed.code).toBe('InvalidParameter');
  });

  it('DescribeSecurityGroupAttribute answers Permissions.Permission with string priorities and capitalised policies', async () => {
    const response = await client.describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: 'cn-hangzhou', securityGroupId: 'sg-a' }),
    );
    expect(response.body).toMatchObject({ securityGroupId: 'sg-a', vpcId: 'vpc-a', innerAccessPolicy: 'Accept', nextToken: '' });
    const permissions = response.body?.permissions?.permission ?? [];
    expect(permissions[1]).toMatchObject({
      direction: 'ingress',
      policy: 'Drop',
      priority: '5',
      ipProtocol: 'TCP',
      portRange: '1/65535',
      sourceCidrIp: '100.64.0.0/10',
      description: 'no SLB',
    });
    expect(permissions[2]).toMatchObject({ direction: 'egress', policy: 'Accept', portRange: '-1/-1', destCidrIp: '0.0.0.0/0' });
  });

  it('DescribeSecurityGroupAttribute pages with MaxResults/NextToken and filters by Direction', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const response = await client.describeSecurityGroupAttribute(
        new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: 'cn-hangzhou', securityGroupId: 'sg-many', direction: 'ingress', maxResults: 10, nextToken }),
      );
      const page = response.body?.permissions?.permission ?? [];
      expect(page.every((permission) => permission.direction === 'ingress')).toBe(true);
      seen.push(...page.map((permission) => permission.portRange ?? ''));
      nextToken = response.body?.nextToken || undefined;
      pages += 1;
    } while (nextToken && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(20);
    const missing = await callError(
      client.describeSecurityGroupAttribute(new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: 'cn-hangzhou', securityGroupId: 'sg-nope' })),
    );
    expect(missing).toMatchObject({ code: 'InvalidSecurityGroupId.NotFound', statusCode: 404 });
  });
});
