// The product's cloud clients (lib/cloud) and inventory (lib/inventory) against the sandbox cloud over real loopback
// sockets: signatures, STS, paging, throttling, per-LB failures, malformed replies, RAM denials, and the check SLB
// really runs (an HTTPS listener checks in plain HTTP; VServer ports; `$_ip`).
import { CloudAccessError } from '../../lib/cloud';
import { collectInventory } from '../../lib/inventory';
import type { Backend, Inventory, Listener } from '../../lib/model';
import type { ScenarioEndpoint, ScenarioListener, ScenarioLoadBalancer } from '../../lib/sandbox/scenario/types';
import { UserFacingError } from '../../lib/util/errors';
import { randomTestNet } from '../support/nets';
import { instance, oneVpcScenario, TEST_VPC } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const SETTLE_MS = 20_000;
/** Checks every second, two results to change state: every scenario here settles in a few seconds. */
const FAST_TCP_CHECK = { HealthCheckType: 'tcp', HealthCheckInterval: 1, HealthCheckConnectTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 } as const;
const FAST_HTTP_CHECK = { HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 } as const;

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection');
}

function expectOneLine(err: Error): void {
  expect(err).toBeInstanceOf(UserFacingError);
  expect(err.message).not.toMatch(/\n/);
  expect(err.message.length).toBeLessThan(600);
}

/** A load balancer in the test VPC whose default server group holds `servers` (weight 100 each). */
function loadBalancer(id: string, servers: string[], listeners: ScenarioListener[]): ScenarioLoadBalancer {
  return { LoadBalancerId: id, LoadBalancerName: id, VpcId: TEST_VPC, BackendServers: servers.map((ServerId) => ({ ServerId, Weight: 100 })), Listeners: listeners };
}

function httpListener(port: number, backendPort: number): ScenarioListener {
  return { ListenerPort: port, ListenerProtocol: 'http', BackendServerPort: backendPort, healthCheck: { ...FAST_HTTP_CHECK } };
}

function healthy(ip: string, port: number): ScenarioEndpoint {
  return { ip, port, behaviour: 'healthy' };
}

function allBackends(inventory: Inventory): Backend[] {
  return inventory.loadBalancers.flatMap((lb) => lb.listeners.flatMap((listener) => listener.backends));
}

function listenerOf(inventory: Inventory, loadBalancerId: string, protocol: string, port: number): Listener {
  const listener = inventory.loadBalancers.find((lb) => lb.id === loadBalancerId)?.listeners.find((l) => l.protocol === protocol && l.port === port);
  if (!listener) throw new Error(`no ${protocol}:${port} listener on ${loadBalancerId} in the inventory`);
  return listener;
}

/** Calls the sandbox answered per "product:Action", keyed like the product's counters (action only). */
function sandboxCalls(cloud: TestCloud): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [key, stats] of Object.entries(cloud.sandbox.apiStats().actions)) calls[key.slice(key.indexOf(':') + 1)] = stats.calls;
  return calls;
}

describe('credentials', () => {
  let NET = randomTestNet();
  const expiredSts = { accessKeyId: 'STS.expiredKey0000000000001', accessKeySecret: 'expiredSecret000000000000000000000000000001', securityToken: 'CAISexpiredToken' };
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-web', `${NET}.11`)],
        endpoints: [healthy(`${NET}.11`, 8080)],
        loadBalancers: [loadBalancer('lb-auth', ['i-web'], [httpListener(80, 8080)])],
        api: { accessKeys: [{ ...expiredSts, expired: true }] },
      }),
    );
  });
  beforeAll(() => (NET = cloud.actualNet(NET))); // where the sandbox serves it (moved if another run holds it)
  afterAll(() => cloud?.stop());

  it('rejects a wrong secret with one line naming the fix, after exactly one call (no retry)', async () => {
    const before = cloud.sandbox.apiStats().total;
    const clients = cloud.clientsWith({ credentials: { accessKeyId: cloud.credentials.accessKeyId, accessKeySecret: 'not-the-secret-of-this-key-000' } });
    const err = await rejectionOf(collectInventory(clients, { regionId: cloud.regionId }));
    expectOneLine(err);
    expect(err).toBeInstanceOf(CloudAccessError);
    expect(err.message).toContain('SignatureDoesNotMatch');
    expect(err.message).toContain('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
    expect(cloud.sandbox.apiStats().total - before).toBe(1);
    expect(clients.counters.get('DescribeLoadBalancers')).toMatchObject({ calls: 1, retries: 0 });
  });

  it('rejects an unknown access key id with one line naming ALIBABA_CLOUD_ACCESS_KEY_ID', async () => {
    const clients = cloud.clientsWith({ credentials: { accessKeyId: 'LTAInoSuchKey000000000000', accessKeySecret: 'whatever-secret-0000000000000' } });
    const err = await rejectionOf(collectInventory(clients, { regionId: cloud.regionId }));
    expectOneLine(err);
    expect(err.message).toContain('InvalidAccessKeyId');
    expect(err.message).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
  });

  it('works with STS credentials (key, secret and security token)', async () => {
    expect(await cloud.sandbox.checker.settled(SETTLE_MS)).toBe(true);
    const clients = cloud.clientsWith({ credentials: cloud.stsCredentials });
    const inventory = await collectInventory(clients, { regionId: cloud.regionId });
    expect(inventory.errors).toEqual([]);
    expect(allBackends(inventory).map((b) => `${b.ip}:${b.port} ${b.slbStatus}`)).toEqual([`${NET}.11:8080 normal`]);
  });

  it('rejects an expired STS token with one line naming the token to refresh', async () => {
    const clients = cloud.clientsWith({ credentials: expiredSts });
    const err = await rejectionOf(collectInventory(clients, { regionId: cloud.regionId }));
    expectOneLine(err);
    expect(err.message).toContain('InvalidSecurityToken.Expired');
    expect(err.message).toContain('ALIBABA_CLOUD_SECURITY_TOKEN');
  });
});

describe('paging across more than 100 load balancers and more than 100 listeners', () => {
  let NET = randomTestNet();
  const LOAD_BALANCERS = 105;
  const LISTENERS_PER_LB = 12;
  let cloud: TestCloud;
  let inventory: Inventory;

  beforeAll(async () => {
    const listeners: ScenarioListener[] = Array.from({ length: LISTENERS_PER_LB }, (_, index) => ({
      ListenerPort: 1000 + index,
      ListenerProtocol: 'tcp',
      BackendServerPort: 8080,
      healthCheck: { ...FAST_TCP_CHECK },
    }));
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-shared', `${NET}.11`)],
        endpoints: [healthy(`${NET}.11`, 8080)],
        loadBalancers: Array.from({ length: LOAD_BALANCERS }, (_, index) => loadBalancer(`lb-fleet-${String(index).padStart(3, '0')}`, ['i-shared'], listeners)),
      }),
    );
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error('the health checker did not settle');
    inventory = await collectInventory(cloud.clients, { regionId: cloud.regionId });
  });
  beforeAll(() => (NET = cloud.actualNet(NET))); // where the sandbox serves it (moved if another run holds it)
  afterAll(() => cloud?.stop());

  it('returns every load balancer, listener and backend with its status', () => {
    expect(inventory.errors).toEqual([]);
    expect(inventory.loadBalancers).toHaveLength(LOAD_BALANCERS);
    expect(inventory.loadBalancers.every((lb) => lb.listeners.length === LISTENERS_PER_LB)).toBe(true);
    const backends = allBackends(inventory);
    expect(backends).toHaveLength(LOAD_BALANCERS * LISTENERS_PER_LB);
    expect(backends.every((b) => b.slbStatus === 'normal' && b.ip === `${NET}.11` && b.port === 8080)).toBe(true);
  });

  it('pages load balancers by 100, batches listeners by 10 load balancers (100 per page) and asks DescribeHealthStatus once per load balancer', () => {
    const listenerPagesPerFullBatch = Math.ceil((10 * LISTENERS_PER_LB) / 100);
    const lastBatch = LOAD_BALANCERS % 10;
    expect(inventory.apiCalls).toEqual({
      DescribeLoadBalancers: Math.ceil(LOAD_BALANCERS / 100),
      DescribeLoadBalancerListeners: Math.floor(LOAD_BALANCERS / 10) * listenerPagesPerFullBatch + Math.ceil((lastBatch * LISTENERS_PER_LB) / 100),
      DescribeLoadBalancerAttribute: LOAD_BALANCERS,
      DescribeHealthStatus: LOAD_BALANCERS,
      DescribeInstances: 1,
      DescribeSecurityGroupAttribute: 1,
    });
    // The sandbox saw exactly the calls the product counted.
    expect(sandboxCalls(cloud)).toEqual(inventory.apiCalls);
  });
});

describe('throttling', () => {
  let NET = randomTestNet();
  const LOAD_BALANCERS = 8;
  const BURSTS = 4;
  let cloud: TestCloud;

  beforeAll(async () => {
    const ids = Array.from({ length: LOAD_BALANCERS }, (_, index) => `lb-busy-${index}`);
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-web', `${NET}.11`)],
        endpoints: [healthy(`${NET}.11`, 8080)],
        loadBalancers: ids.map((id) => loadBalancer(id, ['i-web'], [httpListener(80, 8080)])),
        api: {
          // The first calls of one action hit a burst of Throttling.User; another action has a quota the run exceeds.
          faults: [{ action: 'slb:DescribeHealthStatus', kind: 'throttle-burst', count: BURSTS }],
          quotas: { DescribeLoadBalancerAttribute: { calls: 2, perSeconds: 0.3 } },
        },
      }),
    );
  });
  beforeAll(() => (NET = cloud.actualNet(NET))); // where the sandbox serves it (moved if another run holds it)
  afterAll(() => cloud?.stop());

  it('retries throttled calls and returns the complete inventory', async () => {
    expect(await cloud.sandbox.checker.settled(SETTLE_MS)).toBe(true);
    const clients = cloud.clientsWith({});
    const inventory = await collectInventory(clients, { regionId: cloud.regionId });
    expect(inventory.errors).toEqual([]);
    expect(inventory.loadBalancers).toHaveLength(LOAD_BALANCERS);
    expect(allBackends(inventory).map((b) => b.slbStatus)).toEqual(Array(LOAD_BALANCERS).fill('normal'));

    const stats = cloud.sandbox.apiStats().actions;
    expect(stats['slb:DescribeHealthStatus']).toEqual({ calls: LOAD_BALANCERS + BURSTS, ok: LOAD_BALANCERS, errors: { 'Throttling.User': BURSTS } });
    expect(clients.counters.get('DescribeHealthStatus')).toMatchObject({ throttled: BURSTS, retries: BURSTS, failures: 0 });
    const attribute = stats['slb:DescribeLoadBalancerAttribute'];
    expect(attribute?.ok).toBe(LOAD_BALANCERS);
    expect(attribute?.errors['Throttling.User']).toBeGreaterThan(0);
    expect(clients.counters.get('DescribeLoadBalancerAttribute').failures).toBe(0);
  });
});

describe('failing and malformed replies for some load balancers', () => {
  let NET = randomTestNet();
  const ATTEMPTS = 6; // the product's default retry policy
  let cloud: TestCloud;
  let inventory: Inventory;

  beforeAll(async () => {
    const lbs = ['lb-ok-1', 'lb-ok-2', 'lb-down', 'lb-garbled', 'lb-garbled-once'].map((id) => loadBalancer(id, ['i-web'], [httpListener(80, 8080)]));
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-web', `${NET}.11`)],
        endpoints: [healthy(`${NET}.11`, 8080)],
        loadBalancers: lbs,
        api: {
          faults: [
            { action: 'slb:*', kind: 'http5xx', loadBalancerIds: ['lb-down'] },
            { action: 'DescribeLoadBalancerAttribute', kind: 'malformed-body', loadBalancerIds: ['lb-garbled'] },
            { action: 'DescribeHealthStatus', kind: 'malformed-body', variant: 'html-502', loadBalancerIds: ['lb-garbled-once'], count: 2 },
          ],
        },
      }),
    );
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error('the health checker did not settle');
    // A short backoff keeps the exhausted retries quick; the number of attempts is the product's default.
    inventory = await collectInventory(cloud.clientsWith({ retry: { baseDelayMs: 20 } }), { regionId: cloud.regionId });
  });
  beforeAll(() => (NET = cloud.actualNet(NET))); // where the sandbox serves it (moved if another run holds it)
  afterAll(() => cloud?.stop());

  it('turns a load balancer whose calls always fail into one InventoryError and keeps the others intact', () => {
    const down = inventory.errors.filter((e) => e.loadBalancerId === 'lb-down');
    expect(down).toEqual([{ loadBalancerId: 'lb-down', action: 'DescribeLoadBalancerListeners', code: 'ServiceUnavailable', message: expect.stringContaining(`after ${ATTEMPTS} attempts`) }]);
    expect(down[0]?.message).not.toMatch(/\n/);
    expect(inventory.loadBalancers.map((lb) => lb.id).sort()).toEqual(['lb-garbled-once', 'lb-ok-1', 'lb-ok-2']);
    for (const lb of inventory.loadBalancers) {
      expect(lb.listeners.map((l) => `${l.protocol}:${l.port} ${l.backends.map((b) => `${b.ip}:${b.port} ${b.slbStatus}`).join(',')}`)).toEqual([`http:80 ${NET}.11:8080 normal`]);
    }
    // The batch that held lb-down failed, then each load balancer was asked alone: only lb-down kept failing.
    expect(cloud.sandbox.apiStats().actions['slb:DescribeLoadBalancerListeners']).toEqual({ calls: 2 * ATTEMPTS + 4, ok: 4, errors: { ServiceUnavailable: 2 * ATTEMPTS } });
  });

  it('retries a malformed reply, then reports it for that load balancer only', () => {
    const garbled = inventory.errors.filter((e) => e.loadBalancerId === 'lb-garbled');
    expect(garbled).toHaveLength(1);
    expect(garbled[0]).toMatchObject({ action: 'DescribeLoadBalancerAttribute' });
    expect(garbled[0]?.message).not.toMatch(/\n/);
    expect(cloud.sandbox.apiStats().actions['slb:DescribeLoadBalancerAttribute']?.errors).toEqual({ TruncatedBody: ATTEMPTS });
    expect(inventory.errors).toHaveLength(2);
  });

  it('recovers from a gateway error page that stops after a retry', () => {
    expect(listenerOf(inventory, 'lb-garbled-once', 'http', 80).backends.map((b) => b.slbStatus)).toEqual(['normal']);
    // A health call waits for its load balancer's listeners: lb-down, whose listeners could not be read, got none.
    expect(cloud.sandbox.apiStats().actions['slb:DescribeHealthStatus']?.errors).toEqual({ BadGatewayHtml: 2 });
    expect(cloud.sandbox.apiStats().actions['slb:DescribeHealthStatus']?.calls).toBe(2 + 4);
  });
});

describe('the check SLB runs, as the inventory resolves it', () => {
  let NET = randomTestNet();
  let cloud: TestCloud;
  let inventory: Inventory;

  beforeAll(async () => {
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-a', `${NET}.11`), instance('i-b', `${NET}.12`)],
        endpoints: [
          { ip: `${NET}.11`, port: 9443, behaviour: 'tls-only' },
          healthy(`${NET}.12`, 9080),
          healthy(`${NET}.11`, 8081),
          healthy(`${NET}.12`, 8082),
          healthy(`${NET}.11`, 8090),
          healthy(`${NET}.12`, 8090),
        ],
        loadBalancers: [
          {
            LoadBalancerId: 'lb-spec',
            VpcId: TEST_VPC,
            VServerGroups: [
              {
                VServerGroupId: 'rsp-tls',
                BackendServers: [
                  { ServerId: 'i-a', Port: 9443, Weight: 100 },
                  { ServerId: 'i-b', Port: 9080, Weight: 100 },
                ],
              },
              {
                VServerGroupId: 'rsp-web',
                BackendServers: [
                  { ServerId: 'i-a', Port: 8081, Weight: 100 },
                  { ServerId: 'i-b', Port: 8082, Weight: 100 },
                ],
              },
            ],
            Listeners: [
              { ListenerPort: 443, ListenerProtocol: 'https', VServerGroupId: 'rsp-tls', healthCheck: { ...FAST_HTTP_CHECK, HealthCheckURI: '/health', HealthCheckDomain: '$_ip' } },
              {
                ListenerPort: 80,
                ListenerProtocol: 'http',
                VServerGroupId: 'rsp-web',
                healthCheck: { ...FAST_HTTP_CHECK, HealthCheckDomain: 'www.spec.example', HealthCheckConnectPort: 8090 },
              },
            ],
          },
        ],
      }),
    );
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error('the health checker did not settle');
    inventory = await collectInventory(cloud.clients, { regionId: cloud.regionId });
  });
  beforeAll(() => (NET = cloud.actualNet(NET))); // where the sandbox serves it (moved if another run holds it)
  afterAll(() => cloud?.stop());

  it("checks an HTTPS listener's backends in plain HTTP, and SLB's checker agrees: a TLS-only backend is abnormal", () => {
    const https = listenerOf(inventory, 'lb-spec', 'https', 443);
    expect(https.healthCheck).toMatchObject({ type: 'http', method: 'HEAD', uri: '/health', domain: null });
    expect(https.backends.map((b) => `${b.ip}:${b.port} ${b.slbStatus}`)).toEqual([`${NET}.11:9443 abnormal`, `${NET}.12:9080 normal`]);
    expect(cloud.sandbox.checker.detail(`lb-spec/https:443/${NET}.11:9443`)?.lastResult).toBe('HTTP 400 is not in http_2xx,http_3xx');
  });

  it('uses the VServer group ports for the backends, and $_ip as the Host', () => {
    const https = listenerOf(inventory, 'lb-spec', 'https', 443);
    expect(https.backends.map((b) => ({ serverId: b.serverId, ip: b.ip, port: b.port, checkPort: b.checkPort, checkHost: b.checkHost, group: b.group }))).toEqual([
      { serverId: 'i-a', ip: `${NET}.11`, port: 9443, checkPort: 9443, checkHost: `${NET}.11`, group: { kind: 'vserver', id: 'rsp-tls' } },
      { serverId: 'i-b', ip: `${NET}.12`, port: 9080, checkPort: 9080, checkHost: `${NET}.12`, group: { kind: 'vserver', id: 'rsp-tls' } },
    ]);
  });

  it('checks HealthCheckConnectPort instead of the group port, with the check domain as the Host', () => {
    const web = listenerOf(inventory, 'lb-spec', 'http', 80);
    expect(web.backends.map((b) => `${b.ip}:${b.port} check ${b.checkPort} Host ${b.checkHost} ${b.slbStatus}`)).toEqual([
      `${NET}.11:8081 check 8090 Host www.spec.example normal`,
      `${NET}.12:8082 check 8090 Host www.spec.example normal`,
    ]);
  });
});

describe('a RAM policy that denies DescribeHealthStatus', () => {
  let NET = randomTestNet();
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-web', `${NET}.11`)],
        endpoints: [healthy(`${NET}.11`, 8080)],
        loadBalancers: [loadBalancer('lb-denied', ['i-web'], [httpListener(80, 8080)])],
        api: { denyActions: ['slb:DescribeHealthStatus'] },
      }),
    );
  });
  beforeAll(() => (NET = cloud.actualNet(NET))); // where the sandbox serves it (moved if another run holds it)
  afterAll(() => cloud?.stop());

  it('fails the inventory with one line naming slb:DescribeHealthStatus, without retrying', async () => {
    const err = await rejectionOf(collectInventory(cloud.clients, { regionId: cloud.regionId }));
    expectOneLine(err);
    expect(err).toBeInstanceOf(CloudAccessError);
    expect((err as CloudAccessError).code).toBe('PERMISSION_DENIED');
    expect(err.message).toContain('Forbidden.RAM');
    expect(err.message).toContain('slb:DescribeHealthStatus');
    expect(cloud.sandbox.apiStats().actions['slb:DescribeHealthStatus']).toEqual({ calls: 1, ok: 0, errors: { 'Forbidden.RAM': 1 } });
  });
});

describe('replies spelled as the real API spells them', () => {
  const NET = '127.60.7';
  let cloud: TestCloud;
  let inventory: Inventory;

  beforeAll(async () => {
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [instance('i-a', `${NET}.11`)],
        endpoints: [healthy(`${NET}.11`, 8080), healthy(`${NET}.11`, 3306), healthy(`${NET}.11`, 8081)],
        loadBalancers: [
          loadBalancer('lb-spelled', ['i-a'], [
            { ...httpListener(80, 8080), replyFields: { listener: { ListenerProtocol: 'HTTP', Status: 'Running', FutureField: 'x' }, healthCheck: { HealthCheckHttpVersion: 'HTTP 1.0', HealthCheckMethod: 'HEAD' } } },
            { ...httpListener(81, 8081), replyFields: { healthCheck: { HealthCheckHttpVersion: 'h2' }, healthStatus: { ServerHealthStatus: 'initializing', Protocol: 'HTTP' } } },
            { ListenerPort: 3306, ListenerProtocol: 'tcp', BackendServerPort: 3306, healthCheck: { ...FAST_TCP_CHECK }, replyFields: { healthCheck: { HealthCheckMethod: 'tcp' } } },
            { ListenerPort: 82, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: { ...FAST_HTTP_CHECK }, replyFields: { listener: { ListenerPort: null } } },
          ]),
        ],
      }),
    );
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error('the health checker did not settle');
    inventory = await collectInventory(cloud.clients, { regionId: cloud.regionId });
  });
  afterAll(() => cloud?.stop());

  it('loses no load balancer, and reads the known spellings', () => {
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(['lb-spelled']);
    expect(listenerOf(inventory, 'lb-spelled', 'http', 80)).toMatchObject({ status: 'running', healthCheck: { method: 'HEAD', httpVersion: '1.0' } });
    expect(listenerOf(inventory, 'lb-spelled', 'http', 80).warnings).toBeUndefined();
    expect(listenerOf(inventory, 'lb-spelled', 'tcp', 3306)).toMatchObject({ healthCheck: { type: 'tcp' } });
    expect(allBackends(inventory).map((b) => `${b.port} ${b.slbStatus}`)).toEqual(['8080 normal', '8081 unknown', '3306 normal']);
  });

  it('probes an unknown HTTP version with HTTP/1.0 and puts the warning on the listener', () => {
    const h2 = listenerOf(inventory, 'lb-spelled', 'http', 81);
    expect(h2.healthCheck.httpVersion).toBe('1.0');
    expect(h2.warnings).toEqual([
      "HealthCheckHttpVersion 'h2' is unknown; probing with HTTP/1.0",
      `ServerHealthStatus 'initializing' of ${NET}.11:8081 is unknown; examining the backend as not known healthy`,
    ]);
  });

  it('reports a ServerHealthStatus it does not know as SLB spelled it, without dropping the backend', () => {
    expect(listenerOf(inventory, 'lb-spelled', 'http', 81).backends).toMatchObject([{ port: 8081, slbStatus: 'unknown', slbStatusReported: 'initializing' }]);
  });

  it('loses only the listener entry without a port, with its reason', () => {
    expect(inventory.errors).toEqual([
      {
        loadBalancerId: 'lb-spelled',
        action: 'DescribeLoadBalancerListeners',
        code: 'EntryUnreadable',
        message: expect.stringMatching(/^SLB DescribeLoadBalancerListeners returned an entry that cannot be audited \(Listeners\[\d\]\.ListenerPort is missing\); only that entry is left out\.$/),
      },
    ]);
  });
});
