// The real call path (openapi-client callApi, for SLB and ECS alike) against a server on
// 127.0.0.1: the endpoint override, plain http, the wire format, and retries of non-JSON 5xx pages and timeouts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudAccessError, CloudApiError, type CloudClientOptions } from '../../lib/cloud';
import { readEndpointEnv } from '../../lib/config/env';
import { LoopbackApiServer, loopbackClients } from './loopback-server';

const LOAD_BALANCERS = {
  RequestId: 'loop',
  PageNumber: 1,
  PageSize: 100,
  TotalCount: 1,
  LoadBalancers: { LoadBalancer: [{ LoadBalancerId: 'lb-loop', LoadBalancerName: 'loop', Address: '127.0.0.200', VpcId: 'vpc-1', LoadBalancerStatus: 'active' }] },
};
const INSTANCES = {
  RequestId: 'loop',
  NextToken: '',
  Instances: {
    Instance: [
      {
        InstanceId: 'i-loop',
        Status: 'Running',
        VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: { IpAddress: ['127.0.0.11'] } },
        SecurityGroupIds: { SecurityGroupId: ['sg-1'] },
      },
    ],
  },
};
const HTML_502 = '<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>';

describe('OpenAPI over loopback', () => {
  const server = new LoopbackApiServer({
    DescribeLoadBalancers: LOAD_BALANCERS,
    DescribeInstances: INSTANCES,
    DescribeRegions: { RequestId: 'loop', Regions: { Region: [{ RegionId: 'cn-hangzhou', LocalName: 'hz', RegionEndpoint: 'slb.aliyuncs.com' }] } },
    DescribeHealthStatus: { RequestId: 'loop', BackendServers: { BackendServer: [] } },
  });
  let endpoint = '';

  beforeAll(async () => {
    endpoint = await server.start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.seen.length = 0;
  });

  const clients = (options: Partial<CloudClientOptions> = {}): ReturnType<typeof loopbackClients> => loopbackClients(endpoint, options);

  it('calls SLB through openapi-client: RPC POST, params in the query, V3-signed, to the override over http', async () => {
    const lbs = await clients().slb.collectLoadBalancers({ RegionId: 'cn-hangzhou', Tag: [{ Key: 'env', Value: 'prod' }] });
    expect(lbs.map((lb) => lb.LoadBalancerId)).toEqual(['lb-loop']);
    expect(server.seen).toHaveLength(1);
    const [request] = server.seen;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/');
    expect(request?.query).toEqual({ RegionId: 'cn-hangzhou', PageNumber: '1', PageSize: '100', 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' });
    expect(request?.headers.host).toBe(endpoint.replace('http://', ''));
    expect(request?.headers['x-acs-action']).toBe('DescribeLoadBalancers');
    expect(request?.headers['x-acs-version']).toBe('2014-05-15');
    expect(request?.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=AKID-LOOP,SignedHeaders=host;.*x-acs-action;.*,Signature=[0-9a-f]{64}$/);
  });

  it('sends the STS token with explicit temporary credentials', async () => {
    await clients({ credentials: { accessKeyId: 'STS.loop', accessKeySecret: 'loop-secret', securityToken: 'token-1' } }).slb.describeRegions();
    expect(server.seen[0]?.headers['x-acs-security-token']).toBe('token-1');
  });

  it('takes the endpoint from SLB_DOCTOR_SLB_ENDPOINT, as the entry point decodes it', async () => {
    const env = { SLB_DOCTOR_SLB_ENDPOINT: endpoint, SLB_DOCTOR_ECS_ENDPOINT: endpoint };
    const viaEnv = clients({ endpoints: { slb: readEndpointEnv('SLB_DOCTOR_SLB_ENDPOINT', env), ecs: readEndpointEnv('SLB_DOCTOR_ECS_ENDPOINT', env) } });
    expect(viaEnv.endpoints.slb).toEqual({ protocol: 'http', host: endpoint.replace('http://', '') });
    const regions = await viaEnv.slb.describeRegions();
    expect(regions.Regions.Region.map((r) => r.RegionId)).toEqual(['cn-hangzhou']);
  });

  it('retries a 5xx whose body is an HTML page, then succeeds', async () => {
    server.script('DescribeLoadBalancers', { status: 502, body: HTML_502, contentType: 'text/html' });
    const slbClients = clients();
    const lbs = await slbClients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' });
    expect(lbs).toHaveLength(1);
    expect(server.seen.map((r) => r.action)).toEqual(['DescribeLoadBalancers', 'DescribeLoadBalancers']);
    expect(slbClients.counters.get('DescribeLoadBalancers')).toEqual({ calls: 2, throttled: 0, retries: 1, failures: 0 });
  });

  it('retries a JSON throttling error, and stops at once on Forbidden.RAM naming the RAM action', async () => {
    server.script('DescribeHealthStatus', { status: 400, body: { RequestId: 'x', Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' } });
    server.script('DescribeHealthStatus', { status: 403, body: { RequestId: 'y', Code: 'Forbidden.RAM', Message: 'User not authorized to operate on the specified resource.' } });
    const slbClients = clients();
    const err = await slbClients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-loop' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudAccessError);
    expect((err as Error).message).toMatch(/Forbidden\.RAM \(HTTP 403\): User not authorized .*\[request y\].*slb:DescribeHealthStatus/);
    expect(slbClients.counters.get('DescribeHealthStatus')).toEqual({ calls: 2, throttled: 1, retries: 1, failures: 1 });
  });

  it('calls ECS over http with the ECS version and InstanceIds as a JSON array', async () => {
    const facts = await clients().ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-loop'] });
    expect(facts).toEqual([{ instanceId: 'i-loop', status: 'Running', privateIps: ['127.0.0.11'], securityGroupIds: ['sg-1'], vpcId: 'vpc-1' }]);
    const [request] = server.seen;
    expect(request?.headers['x-acs-action']).toBe('DescribeInstances');
    expect(request?.headers['x-acs-version']).toBe('2014-05-26');
    expect(request?.query).toMatchObject({ RegionId: 'cn-hangzhou', InstanceIds: '["i-loop"]', MaxResults: '100' });
    expect(request?.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=AKID-LOOP,/);
  });

  it('retries ECS errors: an HTML 502 and a throttling reply', async () => {
    server.script(
      'DescribeInstances',
      { status: 502, body: HTML_502, contentType: 'text/html' },
      { status: 400, body: { RequestId: 't', Code: 'Throttling.User', Message: 'too fast' } },
    );
    const ecsClients = clients();
    expect(await ecsClients.ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-loop'] })).toHaveLength(1);
    expect(ecsClients.counters.get('DescribeInstances')).toEqual({ calls: 3, throttled: 1, retries: 2, failures: 0 });
  });

  it('retries after a read timeout', async () => {
    server.script('DescribeRegions', 'hang');
    const slowClients = clients({ readTimeoutMs: 300 });
    const regions = await slowClients.slb.describeRegions();
    expect(regions.Regions.Region).toHaveLength(1);
    expect(slowClients.counters.get('DescribeRegions')).toEqual({ calls: 2, throttled: 0, retries: 1, failures: 0 });
  });

  it('gives up on a refused connection with one error naming ECONNREFUSED', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = clients({ endpoints: { slb: `http://127.0.0.1:${port}`, ecs: `http://127.0.0.1:${port}` }, retry: { maxAttempts: 2 } });
    const err = await refused.slb.describeRegions().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudApiError);
    expect((err as CloudApiError).apiCode).toBe('ECONNREFUSED');
    expect((err as Error).message).toMatch(/^SLB DescribeRegions failed after 2 attempts: connect ECONNREFUSED 127\.0\.0\.1:\d+; the SLB endpoint cannot be reached; check --slb-endpoint/);
    expect((err as Error).message).not.toContain('\n');
  });
});
