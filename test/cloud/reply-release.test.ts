// A finished API call is let go at once. httpx (the SDKs' HTTP client) keeps each request reachable from a timer of
// the read timeout until `httpx.read` clears it; the SDKs read bodies their own way, so before, every finished call
// stayed in memory for the whole read timeout (10 s in production: thousands of requests during an inventory). Over
// real loopback sockets, with the SDKs' own call paths.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CloudClientOptions } from '../../lib/cloud';
import { LoopbackApiServer, loopbackClients } from './loopback-server';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const REGIONS = { RequestId: 'loop', Regions: { Region: [{ RegionId: 'cn-hangzhou', LocalName: 'hz', RegionEndpoint: 'slb.aliyuncs.com' }] } };
const INSTANCES = {
  RequestId: 'loop',
  NextToken: '',
  Instances: { Instance: [{ InstanceId: 'i-loop', Status: 'Running', VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: { IpAddress: ['127.0.0.11'] } }, SecurityGroupIds: { SecurityGroupId: ['sg-1'] } }] },
};

describe('finished API calls', () => {
  const server = new LoopbackApiServer({ DescribeRegions: REGIONS, DescribeInstances: INSTANCES });
  let endpoint = '';
  // Every HTTP request this process starts, held weakly.
  const started: WeakRef<ClientRequest>[] = [];
  const onStart = (message: unknown): void => {
    started.push(new WeakRef((message as { request: ClientRequest }).request));
  };

  beforeAll(async () => {
    endpoint = await server.start();
    subscribe('http.client.request.start', onStart);
  });
  afterAll(async () => {
    unsubscribe('http.client.request.start', onStart);
    await server.close();
  });
  beforeEach(() => {
    started.length = 0;
  });

  const clients = (options: Partial<CloudClientOptions> = {}): ReturnType<typeof loopbackClients> => loopbackClients(endpoint, options);

  /** How many of the requests started so far are still reachable once the socket is back in its pool. */
  async function stillReachable(): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    return started.filter((ref) => ref.deref() !== undefined).length;
  }

  it('SLB: the request and its reply can be collected long before the read timeout', async () => {
    const slb = clients({ readTimeoutMs: 60_000 }).slb;
    expect((await slb.describeRegions()).Regions.Region).toHaveLength(1);
    expect(started).toHaveLength(1);
    expect(await stillReachable()).toBe(0);
  });

  it('ECS: the same', async () => {
    const ecs = clients({ readTimeoutMs: 60_000 }).ecs;
    expect(await ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-loop'] })).toHaveLength(1);
    expect(started).toHaveLength(1);
    expect(await stillReachable()).toBe(0);
  });

  it('a body that stops halfway is still a read timeout, and the call is retried', async () => {
    server.script('DescribeRegions', 'half-body');
    const api = clients({ readTimeoutMs: 300 });
    expect((await api.slb.describeRegions()).Regions.Region).toHaveLength(1);
    expect(api.counters.get('DescribeRegions')).toEqual({ calls: 2, throttled: 0, retries: 1, failures: 0 });
  });

  it("a reply is read in full after an error reply's timer, left on the socket, cleared the timer of the next request", async () => {
    // The error body is read by the SDK, so its timer fires 1 s later on the kept-alive socket, while the next call
    // (sent at 0.8 s, answered at 1.2 s) waits on it: that reply is still read, with no timeout and no retry.
    const api = clients({ readTimeoutMs: 1000 });
    server.script('DescribeInstances', { status: 400, body: { RequestId: 'e', Code: 'InvalidParameter', Message: 'no' } });
    await expect(api.ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-loop'] })).rejects.toThrow(/InvalidParameter/);
    await new Promise((resolve) => setTimeout(resolve, 800));
    server.script('DescribeInstances', { status: 200, body: INSTANCES, delayMs: 400 });
    expect(await api.ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-loop'] })).toHaveLength(1);
    expect(api.counters.get('DescribeInstances')).toEqual({ calls: 2, throttled: 0, retries: 0, failures: 1 });
  });
});
