// An SLB or ECS endpoint that accepts the connection and never answers (a stopped process behind a proxy, the wrong
// service on the port) over real loopback sockets: the error says so and how long it waited, after two attempts,
// instead of a "ConnectTimeout … try again later" after 35 s of retries. A handshake that never completes still
// reads as a connect timeout, now with the endpoint to check.
import * as net from 'node:net';
import { CloudApiError, createCloudClients, type CloudClients } from '../../lib/cloud';
import { MAX_TIMED_OUT_ATTEMPTS } from '../../lib/cloud/invoker';
import { acceptsConnections, EndpointTimeoutError, sdkTimeoutKind } from '../../lib/cloud/timeouts';
import { startBlackhole, type Endpoint } from '../probe/helpers/servers';
import { FakeClock } from '../util/fake-clock';

let silent: net.Server;
let silentPort = 0;
const held = new Set<net.Socket>();
let accepted = 0;

beforeAll(async () => {
  // Reads the request and never answers.
  silent = net.createServer((socket) => {
    accepted += 1;
    held.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

function clientsAt(endpoint: string, timeouts: { connectTimeoutMs: number; readTimeoutMs: number }): CloudClients {
  return createCloudClients({
    regionId: 'cn-hangzhou',
    credentials: { accessKeyId: 'AKID-SILENT', accessKeySecret: 'silent-secret' },
    endpoints: { slb: endpoint, ecs: endpoint },
    clock: new FakeClock(0, 'auto'),
    random: () => 0,
    ...timeouts,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<CloudApiError> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(outcome instanceof CloudApiError)) throw new Error(`expected a CloudApiError, got ${String(outcome)}`);
  return outcome;
}

describe('an endpoint that accepts the connection and never answers', () => {
  it('SLB: names the endpoint and the wait, after two attempts, without "ConnectTimeout" or "try again later"', async () => {
    const before = accepted;
    const clients = clientsAt(`http://127.0.0.1:${silentPort}`, { connectTimeoutMs: 300, readTimeoutMs: 2000 });
    const err = await failureOf(clients.slb.describeRegions());
    expect(err.apiCode).toBe('EndpointNoAnswer');
    expect(err.message).toBe(
      `SLB DescribeRegions failed after 2 attempts: the endpoint 127.0.0.1:${silentPort} accepted the connection but did not answer within 0.3 s; ` +
        'something at the SLB endpoint takes connections but does not reply; check that --slb-endpoint / SLB_DOCTOR_SLB_ENDPOINT names the SLB API and not another service, a stopped process or a proxy that holds requests.',
    );
    expect(err.message).not.toMatch(/ConnectTimeout|try again later/);
    expect(clients.counters.get('DescribeRegions')).toEqual({ calls: MAX_TIMED_OUT_ATTEMPTS, throttled: 0, retries: 1, failures: 1 });
    // Each SDK attempt connected, and so did our one check per attempt.
    expect(accepted - before).toBe(2 * MAX_TIMED_OUT_ATTEMPTS);
  });

  it('ECS: the same, with the read timeout when it is the shorter one', async () => {
    const clients = clientsAt(`http://127.0.0.1:${silentPort}`, { connectTimeoutMs: 2000, readTimeoutMs: 400 });
    const err = await failureOf(clients.ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-1'] }));
    expect(err.apiCode).toBe('EndpointNoAnswer');
    expect(err.message).toMatch(new RegExp(`^ECS DescribeInstances failed after 2 attempts: the endpoint 127\\.0\\.0\\.1:${silentPort} accepted the connection but did not answer within 0\\.4 s; .*--ecs-endpoint`));
  });
});

describe('an endpoint whose handshake never completes', () => {
  let blackhole: Endpoint;
  beforeAll(async () => {
    blackhole = await startBlackhole('127.0.0.1', 60);
  });
  afterAll(() => blackhole?.close());

  it('says it could not connect, names the endpoint setting, and stops after two attempts', async () => {
    expect(await acceptsConnections({ protocol: 'http', host: `127.0.0.1:${blackhole.port}` }, 300)).toBe(false);
    const clients = clientsAt(`http://127.0.0.1:${blackhole.port}`, { connectTimeoutMs: 300, readTimeoutMs: 2000 });
    const err = await failureOf(clients.slb.describeRegions());
    expect(err.apiCode).toBe('ConnectTimeout');
    expect(err.message).toMatch(
      new RegExp(`^SLB DescribeRegions failed after 2 attempts: could not connect to 127\\.0\\.0\\.1:${blackhole.port} within 0\\.3 s; the SLB endpoint cannot be reached; check --slb-endpoint`),
    );
  });
});

describe('sdkTimeoutKind', () => {
  it("reads httpx's two timeout errors and nothing else", () => {
    const idle = Object.assign(new Error('ConnectTimeout: Connect http://127.0.0.1:1/ failed.'), { name: 'RequestTimeoutError' });
    const read = Object.assign(new Error('ReadTimeout(300). POST http://127.0.0.1:1/ failed.'), { name: 'RequestTimeoutError' });
    expect(sdkTimeoutKind(idle)).toBe('idle');
    expect(sdkTimeoutKind(read)).toBe('read');
    expect(sdkTimeoutKind(new Error('ConnectTimeout'))).toBeNull();
    expect(sdkTimeoutKind('ConnectTimeout')).toBeNull();
    expect(new EndpointTimeoutError('h:1', true, 5000).message).toBe('the endpoint h:1 accepted the connection but did not answer within 5 s');
  });
});
