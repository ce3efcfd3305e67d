// SLB DescribeRegions through the product's typed client (lib/cloud/slb.ts) against the sandbox's SLB emulator, signed
// like every other call: the shape of slb-20140515's DescribeRegionsResponseBody (Regions.Region[] with RegionId,
// LocalName, RegionEndpoint), and a RAM denial that names slb:DescribeRegions.
import { CloudAccessError } from '../../lib/cloud';
import { randomTestNet } from '../support/nets';
import { instance, oneVpcScenario, TEST_VPC } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const NET = randomTestNet();
let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud(
    oneVpcScenario(NET, {
      instances: [instance('i-1', `${NET}.11`)],
      endpoints: [{ ip: `${NET}.11`, port: 8080, behaviour: 'healthy' }],
      loadBalancers: [{ LoadBalancerId: 'lb-regions', VpcId: TEST_VPC, BackendServers: [{ ServerId: 'i-1', Weight: 100 }], Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080 }] }],
      api: { accessKeys: [{ accessKeyId: 'LTAIregionsdenied0001', accessKeySecret: 'denied-secret', deny: ['slb:DescribeRegions'] }] },
    }),
  );
});
afterAll(() => cloud?.stop());

it('lists the sandbox region with its name and its own endpoint, with a long-term or an STS key', async () => {
  const english = await cloud.clients.slb.describeRegions({ AcceptLanguage: 'en-US' });
  expect(english.RequestId).not.toBe('');
  expect(english.Regions.Region).toEqual([{ RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)', RegionEndpoint: cloud.sandbox.endpoints.slb }]);
  const sts = cloud.clientsWith({ credentials: cloud.stsCredentials });
  expect((await sts.slb.describeRegions()).Regions.Region.map((region) => `${region.RegionId} ${region.LocalName}`)).toEqual(['cn-hangzhou 华东1（杭州）']);
});

it('a key without slb:DescribeRegions gets one line naming the RAM action', async () => {
  const denied = cloud.clientsWith({ credentials: { accessKeyId: 'LTAIregionsdenied0001', accessKeySecret: 'denied-secret' } });
  const err = await denied.slb.describeRegions().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloudAccessError);
  expect((err as Error).message).toMatch(/Grant the RAM permission slb:DescribeRegions/);
  expect((err as Error).message).not.toContain('\n');
});
