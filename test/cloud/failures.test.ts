// What the clients do with each kind of failure: retry (throttling, 5xx, timeouts, resets, non-JSON bodies), or stop
// at once with one error that names what to fix (credentials, signature, clock, RAM permission, not found).
import { CloudAccessError, CloudApiError, type DroppedItem } from '../../lib/cloud';
import { UserFacingError } from '../../lib/util/errors';
import { FakeApi, apiError, fakeClients } from './fake-api';

function world(): FakeApi {
  return new FakeApi({
    loadBalancers: [{ LoadBalancerId: 'lb-1', BackendServers: [{ ServerId: 'i-1', ServerIp: '127.0.0.11' }], listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080 }] }],
    instances: [{ InstanceId: 'i-1', PrivateIp: '127.0.0.11', SecurityGroupIds: ['sg-1'] }],
    securityGroups: { 'sg-1': [] },
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected the call to fail');
}

describe('retried failures', () => {
  it('retries throttling and completes the result', async () => {
    const api = world().failNext('DescribeLoadBalancers', apiError('Throttling.User', 400, 'Request was denied due to user flow control.'), 2);
    const clients = fakeClients(api);
    const lbs = await clients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' });
    expect(lbs.map((lb) => lb.LoadBalancerId)).toEqual(['lb-1']);
    expect(clients.counters.get('DescribeLoadBalancers')).toEqual({ calls: 3, throttled: 2, retries: 2, failures: 0 });
  });

  it.each([
    ['Rejected.Throttling', apiError('Rejected.Throttling', 400)],
    ['ServiceUnavailable', apiError('ServiceUnavailable', 503)],
    ['InternalError', apiError('InternalError', 500)],
    ['a 502 without a code', Object.assign(new Error('undefined: code: 502'), { code: 'undefined', statusCode: 502, data: { statusCode: 502 } })],
    ['a read timeout', Object.assign(new Error('ReadTimeout(10000). POST http://x/ failed.'), { name: 'RequestTimeoutError' })],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7001'), { code: 'ECONNREFUSED' })],
    ['EPIPE', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
    ['socket hang up', new Error('socket hang up')],
    ['a non-JSON error body', new SyntaxError('Unexpected token < in JSON at position 0')],
  ])('retries %s', async (_name, failure) => {
    const api = world().failNext('DescribeHealthStatus', failure);
    const clients = fakeClients(api);
    const reply = await clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(reply.BackendServers.BackendServer).toHaveLength(1);
    expect(clients.counters.get('DescribeHealthStatus')).toMatchObject({ calls: 2, retries: 1, failures: 0 });
  });

  it('retries ECS throttling and server errors as it does SLB\'s (the same transport)', async () => {
    const api = world()
      .failNext('DescribeInstances', apiError('Throttling.User', 400, 'Request was denied due to user flow control.'))
      .failNext('DescribeInstances', apiError('InternalError', 500, 'oops'));
    const clients = fakeClients(api);
    const instances = await clients.ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-1'] });
    expect(instances.map((i) => i.instanceId)).toEqual(['i-1']);
    expect(clients.counters.get('DescribeInstances')).toEqual({ calls: 3, throttled: 1, retries: 2, failures: 0 });
  });

  it('gives up after the retry budget with one error naming the action and the code', async () => {
    const api = world().failNext('DescribeHealthStatus', apiError('ServiceUnavailable', 503, 'The service is unavailable.'), 100);
    const clients = fakeClients(api, { retry: { maxAttempts: 4 } });
    const err = await rejectionOf(clients.slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' }));
    expect(err).toBeInstanceOf(CloudApiError);
    expect(err.message).toMatch(/^SLB DescribeHealthStatus failed after 4 attempts: ServiceUnavailable \(HTTP 503\): The service is unavailable\./);
    expect(err.message).not.toContain('\n');
    expect(clients.counters.get('DescribeHealthStatus')).toEqual({ calls: 4, throttled: 0, retries: 3, failures: 1 });
  });
});

describe('failures that are never retried', () => {
  it.each([
    ['InvalidAccessKeyId.NotFound', 404, 'CREDENTIALS_INVALID', /ALIBABA_CLOUD_ACCESS_KEY_ID/],
    ['SignatureDoesNotMatch', 400, 'CREDENTIALS_INVALID', /ALIBABA_CLOUD_ACCESS_KEY_SECRET/],
    ['IncompleteSignature', 400, 'CREDENTIALS_INVALID', /ALIBABA_CLOUD_ACCESS_KEY_SECRET/],
    ['IllegalTimestamp', 400, 'CLOCK_SKEW', /clock/],
    ['InvalidSecurityToken.Expired', 400, 'CREDENTIALS_INVALID', /ALIBABA_CLOUD_SECURITY_TOKEN/],
    ['NoPermission', 403, 'PERMISSION_DENIED', /slb:DescribeLoadBalancers/],
    ['Forbidden', 403, 'PERMISSION_DENIED', /slb:DescribeLoadBalancers/],
  ])('%s stops at once and names the fix', async (code, status, userCode, fix) => {
    const api = world().failNext('DescribeLoadBalancers', apiError(code, status), 5);
    const clients = fakeClients(api);
    const err = await rejectionOf(clients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' }));
    expect(err).toBeInstanceOf(CloudAccessError);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as CloudAccessError).code).toBe(userCode);
    expect(err.message).toMatch(fix);
    expect(err.message).toContain(code);
    expect(err.message).not.toContain('\n');
    expect(clients.counters.get('DescribeLoadBalancers')).toEqual({ calls: 1, throttled: 0, retries: 0, failures: 1 });
  });

  it('Forbidden.RAM names the RAM action to grant', async () => {
    const api = world().failNext('DescribeHealthStatus', apiError('Forbidden.RAM', 403, "User not authorized to operate on the specified resource, or this API doesn't support RAM."));
    const err = await rejectionOf(fakeClients(api).slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' }));
    expect(err).toBeInstanceOf(CloudAccessError);
    expect(err.message).toMatch(/^SLB refused DescribeHealthStatus: Forbidden\.RAM \(HTTP 403\).*Grant the RAM permission slb:DescribeHealthStatus/);
  });

  it('Forbidden.RAM from ECS names ecs:DescribeSecurityGroupAttribute', async () => {
    const api = world().failNext('DescribeSecurityGroupAttribute', apiError('Forbidden.RAM', 403, 'not authorized'));
    const err = await rejectionOf(fakeClients(api).ecs.describeSecurityGroupAttribute({ RegionId: 'cn-hangzhou', SecurityGroupId: 'sg-1' }));
    expect(err).toBeInstanceOf(CloudAccessError);
    expect(err.message).toContain('ecs:DescribeSecurityGroupAttribute');
  });

  it('InvalidLoadBalancerId.NotFound says to check the id and the region', async () => {
    const api = world();
    const clients = fakeClients(api);
    const err = await rejectionOf(clients.slb.describeLoadBalancerAttribute({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-gone' }));
    expect(err).toBeInstanceOf(CloudApiError);
    expect((err as CloudApiError).apiCode).toBe('InvalidLoadBalancerId.NotFound');
    expect(err.message).toMatch(/check the id and the region/);
    expect(clients.counters.get('DescribeLoadBalancerAttribute').calls).toBe(1);
  });

  it('missing default-chain credentials surface as one line naming the variables', async () => {
    const api = world();
    const clients = fakeClients(api, {
      credentials: null,
      transport: undefined,
      endpoints: { slb: 'http://127.0.0.1:9', ecs: 'http://127.0.0.1:9' },
      defaultCredentialChain: () => ({
        getProviderName: () => 'default',
        getCredentials: async () => {
          throw new Error('unable to get credentials from any of the providers in the chain');
        },
      }),
    });
    const err = await rejectionOf(clients.slb.describeRegions());
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).code).toBe('CREDENTIALS_MISSING');
    expect(err.message).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    expect(clients.counters.get('DescribeRegions')).toMatchObject({ calls: 1, retries: 0 });
  });
});

describe('malformed replies', () => {
  const malformed = (body: unknown): FakeApi => world().intercept((request) => (request.action === 'DescribeLoadBalancers' ? { body } : undefined));

  it.each([
    ['a missing list', { RequestId: 'r', TotalCount: 1 }, /DescribeLoadBalancers returned a malformed reply: LoadBalancers is missing/],
    ['a list of the wrong type', { TotalCount: 1, LoadBalancers: { LoadBalancer: 'lb-1' } }, /LoadBalancers\.LoadBalancer should be an array but is a string/],
    ['an entry that is not an object', { TotalCount: 1, LoadBalancers: { LoadBalancer: ['lb-1'] } }, /LoadBalancers\.LoadBalancer\[0\] should be an object but is a string/],
    ['a non-numeric count', { TotalCount: 'many', LoadBalancers: { LoadBalancer: [] } }, /TotalCount should be a number but is "many"/],
    ['a body that is not an object', ['lb-1'], /the body is an array, not a JSON object/],
  ])('names the action and the field for %s, without retrying', async (_name, body, message) => {
    const clients = fakeClients(malformed(body));
    const err = await rejectionOf(clients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' }));
    expect(err).toBeInstanceOf(CloudApiError);
    expect((err as CloudApiError).apiCode).toBe('MalformedReply');
    expect(err.message).toMatch(message);
    expect(clients.counters.get('DescribeLoadBalancers')).toEqual({ calls: 1, throttled: 0, retries: 0, failures: 1 });
  });

  it('rejects a listener page whose Listeners is not a bare array', async () => {
    const api = world().intercept((request) => (request.action === 'DescribeLoadBalancerListeners' ? { body: { Listeners: { Listener: [] } } } : undefined));
    const err = await rejectionOf(fakeClients(api).slb.collectListeners({ RegionId: 'cn-hangzhou', LoadBalancerId: ['lb-1'] }));
    expect(err.message).toMatch(/DescribeLoadBalancerListeners returned a malformed reply: Listeners should be an array but is an object/);
  });

  it('sets aside only the entry that lacks what the audit needs, naming the field, and keeps the rest', async () => {
    const body = { TotalCount: 2, LoadBalancers: { LoadBalancer: [{ LoadBalancerId: { id: 1 } }, { LoadBalancerId: 'lb-2' }] } };
    const clients = fakeClients(malformed(body));
    const dropped: DroppedItem[] = [];
    const found = await clients.slb.collectLoadBalancers({ RegionId: 'cn-hangzhou' }, dropped);
    expect(found.map((lb) => lb.LoadBalancerId)).toEqual(['lb-2']);
    expect(dropped).toEqual([
      {
        action: 'DescribeLoadBalancers',
        path: 'LoadBalancers.LoadBalancer[0]',
        loadBalancerId: null,
        reason:
          'SLB DescribeLoadBalancers returned an entry that cannot be audited (LoadBalancers.LoadBalancer[0].LoadBalancerId should be a string but is an object); only that entry is left out.',
      },
    ]);
  });

  it('keeps an unknown health status value raw instead of rejecting the reply', async () => {
    const api = world().intercept((request) =>
      request.action === 'DescribeHealthStatus'
        ? { body: { BackendServers: { BackendServer: [{ ServerId: 'i-1', Port: 80, ListenerPort: 80, ServerHealthStatus: 'sick' }] } } }
        : undefined,
    );
    const reply = await fakeClients(api).slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(reply.BackendServers.BackendServer[0]?.ServerHealthStatus).toEqual({ unknown: 'sick' });
    expect(reply.dropped).toEqual([]);
  });

  it('drops a health entry without its port, with the reason', async () => {
    const api = world().intercept((request) =>
      request.action === 'DescribeHealthStatus'
        ? { body: { BackendServers: { BackendServer: [{ ServerId: 'i-1', ListenerPort: 80, ServerHealthStatus: 'normal' }] } } }
        : undefined,
    );
    const reply = await fakeClients(api).slb.describeHealthStatus({ RegionId: 'cn-hangzhou', LoadBalancerId: 'lb-1' });
    expect(reply.BackendServers.BackendServer).toEqual([]);
    expect(reply.dropped[0]?.reason).toMatch(/BackendServers\.BackendServer\[0\]\.Port is missing\); only that entry is left out/);
  });

  it('reports an ECS reply it cannot read as malformed, naming the action and the field', async () => {
    const api = world().intercept((request) => (request.action === 'DescribeInstances' ? { body: { Instances: { Instance: 'i-1' } } } : undefined));
    const clients = fakeClients(api);
    const err = await rejectionOf(clients.ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-1'] }));
    expect(err).toBeInstanceOf(CloudApiError);
    expect(err.message).toMatch(/^ECS DescribeInstances returned a malformed reply: Instances\.Instance should be an array but is a string\./);
    expect(clients.counters.get('DescribeInstances')).toMatchObject({ calls: 1, retries: 0, failures: 1 });
  });

  it('reports an ECS reply without its instance list as malformed', async () => {
    const api = world().intercept((request) => (request.action === 'DescribeInstances' ? { body: { RequestId: 'r' } } : undefined));
    const err = await rejectionOf(fakeClients(api).ecs.describeInstances({ RegionId: 'cn-hangzhou', InstanceIds: ['i-1'] }));
    expect(err.message).toMatch(/DescribeInstances returned a malformed reply: Instances\.Instance is missing/);
  });

  it('stops paging when a NextToken comes back twice', async () => {
    const api = world().intercept((request) =>
      request.action === 'DescribeLoadBalancerListeners' ? { body: { NextToken: 'same', Listeners: [] } } : undefined,
    );
    const clients = fakeClients(api);
    const err = await rejectionOf(clients.slb.collectListeners({ RegionId: 'cn-hangzhou', LoadBalancerId: ['lb-1'] }));
    expect(err.message).toMatch(/NextToken "same" came back twice/);
    expect(clients.counters.get('DescribeLoadBalancerListeners').calls).toBe(2);
  });
});
