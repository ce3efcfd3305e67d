import * as net from 'node:net';
import { startBackends, type RunningBackends } from '../../../lib/sandbox/backends';
import { startHealthChecker, type HealthChecker, type HealthStatus } from '../../../lib/sandbox/healthcheck';
import type {
  BehaviourName,
  BehaviourOptions,
  Scenario,
  ScenarioEndpoint,
  ScenarioHealthCheck,
  ScenarioInstance,
  ScenarioLoadBalancer,
  ScenarioListener,
} from '../../../lib/sandbox/scenario/types';
import { randomTestNet } from '../../support/nets';

// This file's loopback range: a /24 drawn per run (test/support/nets.ts).
const NET = randomTestNet();
const PORT = 18042;
/** Fast timing for tests: 1 s timeout, checks every 0.3 s, thresholds 2/2. */
const FAST: ScenarioHealthCheck = { HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthCheckConnectTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 };

interface Case {
  name: string;
  protocol: ScenarioListener['ListenerProtocol'];
  behaviour: BehaviourName;
  options?: BehaviourOptions;
  healthCheck?: ScenarioHealthCheck;
  instanceStatus?: ScenarioInstance['status'];
  expected: HealthStatus;
  reason?: RegExp;
}

/** One LB per case, one listener, one backend instance with its own endpoint. */
function buildScenario(cases: Case[], firstHost: number): Scenario {
  const endpoints: ScenarioEndpoint[] = [];
  const instances: ScenarioInstance[] = [];
  const loadBalancers: ScenarioLoadBalancer[] = [];
  cases.forEach((testCase, index) => {
    const ip = `${NET}.${firstHost + index}`;
    const udp = testCase.protocol === 'udp';
    endpoints.push({ ip, port: PORT, behaviour: testCase.behaviour, ...(udp ? { protocol: 'udp' as const } : {}), ...(testCase.options ? { options: testCase.options } : {}) });
    instances.push({ instanceId: `i-${testCase.name}`, status: testCase.instanceStatus ?? 'Running', vpcId: 'vpc-1', privateIp: ip, securityGroupIds: [] });
    loadBalancers.push({
      LoadBalancerId: `lb-${testCase.name}`,
      VpcId: 'vpc-1',
      BackendServers: [{ ServerId: `i-${testCase.name}`, Weight: 100 }],
      Listeners: [{ ListenerPort: 80, ListenerProtocol: testCase.protocol, BackendServerPort: PORT, healthCheck: { ...FAST, ...testCase.healthCheck } }],
    });
  });
  return { regionId: 'cn-sandbox', accountId: '1', vpcs: [], securityGroups: [], endpoints, instances, loadBalancers, healthChecker: { intervalScale: 0.3 } };
}

const keyOf = (testCase: Case, index: number, firstHost: number): string =>
  `lb-${testCase.name}/${testCase.protocol}:80/${NET}.${firstHost + index}:${PORT}`;

const CASES: Case[] = [
  { name: 'healthy', protocol: 'http', behaviour: 'healthy', expected: 'normal', reason: /HTTP 200 is in http_2xx,http_3xx/ },
  { name: 'not-found', protocol: 'http', behaviour: 'not-found', healthCheck: { HealthCheckURI: '/health', HealthCheckHttpCode: 'http_2xx' }, expected: 'abnormal', reason: /HTTP 404 is not in http_2xx$/ },
  { name: 'head-refused-get', protocol: 'http', behaviour: 'head-refused', healthCheck: { HealthCheckMethod: 'get' }, expected: 'normal' },
  { name: 'head-refused-head', protocol: 'http', behaviour: 'head-refused', expected: 'abnormal', reason: /HTTP 405/ },
  { name: 'default-server-domain', protocol: 'http', behaviour: 'default-server', options: { domain: 'shop.example.com' }, healthCheck: { HealthCheckDomain: 'shop.example.com' }, expected: 'normal' },
  { name: 'default-server-ip', protocol: 'http', behaviour: 'default-server', options: { domain: 'shop.example.com' }, healthCheck: { HealthCheckDomain: '$_ip' }, expected: 'abnormal', reason: /HTTP 404/ },
  { name: 'redirect-3xx-ok', protocol: 'http', behaviour: 'redirect', expected: 'normal' },
  { name: 'redirect-2xx-only', protocol: 'http', behaviour: 'redirect', healthCheck: { HealthCheckHttpCode: 'http_2xx' }, expected: 'abnormal', reason: /HTTP 302/ },
  { name: 'refused-tcp', protocol: 'tcp', behaviour: 'refused', expected: 'abnormal', reason: /connection refused/ },
  { name: 'blackhole-tcp', protocol: 'tcp', behaviour: 'blackhole', expected: 'abnormal', reason: /connect timeout/ },
  { name: 'reset-tcp', protocol: 'tcp', behaviour: 'reset', expected: 'normal', reason: /connected/ },
  { name: 'reset-http', protocol: 'http', behaviour: 'reset', expected: 'abnormal', reason: /connection reset|EPIPE/ },
  { name: 'tcp-http-get', protocol: 'tcp', behaviour: 'head-refused', healthCheck: { HealthCheckType: 'http' }, expected: 'normal' },
  { name: 'udp-closed', protocol: 'udp', behaviour: 'udp-closed', expected: 'abnormal', reason: /ICMP port unreachable/ },
  { name: 'udp-echo-exp', protocol: 'udp', behaviour: 'udp-echo', options: { reply: 'pong' }, healthCheck: { HealthCheckReq: 'ping', HealthCheckExp: 'pong' }, expected: 'normal' },
  { name: 'udp-echo-wrong', protocol: 'udp', behaviour: 'udp-echo', options: { reply: 'nope' }, healthCheck: { HealthCheckReq: 'ping', HealthCheckExp: 'pong' }, expected: 'abnormal', reason: /does not contain "pong"/ },
  { name: 'udp-silent', protocol: 'udp', behaviour: 'udp-silent', expected: 'normal', reason: /no reply and no ICMP error/ },
  { name: 'udp-silent-exp', protocol: 'udp', behaviour: 'udp-silent', healthCheck: { HealthCheckExp: 'pong' }, expected: 'abnormal' },
  { name: 'source-blocked-http', protocol: 'http', behaviour: 'slb-source-blocked', expected: 'abnormal', reason: /connect timeout/ },
  { name: 'source-blocked-tcp', protocol: 'tcp', behaviour: 'slb-source-blocked', expected: 'abnormal', reason: /connect timeout/ },
  { name: 'tls-only-https', protocol: 'https', behaviour: 'tls-only', expected: 'abnormal', reason: /HTTP 400/ },
  { name: 'hang', protocol: 'http', behaviour: 'hang', expected: 'abnormal', reason: /no response after 1000 ms/ },
  { name: 'slow', protocol: 'http', behaviour: 'slow', options: { delayMs: 3000 }, expected: 'abnormal' },
  { name: 'close-silently', protocol: 'http', behaviour: 'close-silently', expected: 'abnormal', reason: /closed with no response/ },
  { name: 'garbage', protocol: 'http', behaviour: 'garbage', expected: 'abnormal', reason: /not an HTTP response/ },
  { name: 'trickle', protocol: 'http', behaviour: 'trickle', options: { delayMs: 20 }, expected: 'abnormal', reason: /incomplete response head/ },
  { name: 'endless-headers', protocol: 'http', behaviour: 'endless-headers', expected: 'abnormal', reason: /larger than 16384 bytes/ },
  { name: 'needs-host', protocol: 'http', behaviour: 'needs-host', expected: 'normal' },
  { name: 'instance-stopped', protocol: 'http', behaviour: 'healthy', instanceStatus: 'Stopped', expected: 'abnormal', reason: /instance i-instance-stopped is Stopped/ },
  { name: 'threshold-3', protocol: 'http', behaviour: 'healthy', healthCheck: { HealthyThreshold: 3 }, expected: 'normal' },
  { name: 'threshold-4', protocol: 'http', behaviour: 'status', options: { status: 500 }, healthCheck: { UnhealthyThreshold: 4 }, expected: 'abnormal' },
  { name: 'check-off', protocol: 'http', behaviour: 'healthy', healthCheck: { HealthCheck: 'off' }, expected: 'unavailable' },
];

describe('SLB health checker against the fault zoo', () => {
  let backends: RunningBackends;
  let checker: HealthChecker;
  const FIRST = 10;

  beforeAll(async () => {
    const scenario = buildScenario(CASES, FIRST);
    backends = await startBackends(scenario);
    checker = startHealthChecker(scenario);
    expect(await checker.settled(30_000)).toBe(true);
  });

  afterAll(async () => {
    await checker?.stop();
    await backends?.stop();
  });

  it.each(CASES.map((testCase, index) => [testCase.name, testCase, index] as const))('%s', (_name, testCase, index) => {
    const key = keyOf(testCase, index, FIRST);
    const detail = checker.detail(key);
    expect({ key, status: checker.status(key) }).toEqual({ key, status: testCase.expected });
    if (testCase.reason) expect(detail?.lastResult).toMatch(testCase.reason);
  });

  it('respects the thresholds: the first status change comes after exactly that many checks', () => {
    const transitionsOf = (name: string): unknown => {
      const index = CASES.findIndex((testCase) => testCase.name === name);
      return checker.detail(keyOf(CASES[index] as Case, index, FIRST))?.transitions[0]?.afterChecks;
    };
    expect(transitionsOf('healthy')).toBe(2);
    expect(transitionsOf('threshold-3')).toBe(3);
    expect(transitionsOf('threshold-4')).toBe(4);
  });

  it('reports unknown keys and unchecked backends as unavailable, with the reason', () => {
    expect(checker.status(`lb-none/http:80/${NET}.1:80`)).toBe('unavailable');
    const index = CASES.findIndex((testCase) => testCase.name === 'check-off');
    expect(checker.detail(keyOf(CASES[index] as Case, index, FIRST))).toMatchObject({ checked: false, check: 'not checked: health check is off', checks: 0 });
  });
});

describe('SLB health checker: what goes on the wire', () => {
  const CAPTURE_IP = `${NET}.200`;
  const captured: { remote: string; request: string }[] = [];
  const sockets = new Set<net.Socket>();
  let capture: net.Server;
  let checker: HealthChecker;

  beforeAll(async () => {
    capture = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (!text.includes('\r\n\r\n')) return;
        if (captured.length < 50) captured.push({ remote: socket.remoteAddress ?? '', request: text });
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => capture.listen(PORT, CAPTURE_IP, resolve));
    const scenario: Scenario = {
      regionId: 'cn-sandbox',
      accountId: '1',
      vpcs: [],
      securityGroups: [],
      endpoints: [{ ip: CAPTURE_IP, port: PORT, external: true }],
      instances: [{ instanceId: 'i-capture', status: 'Running', vpcId: 'vpc-1', privateIp: CAPTURE_IP, securityGroupIds: [] }],
      loadBalancers: [
        {
          LoadBalancerId: 'lb-capture',
          VpcId: 'vpc-1',
          BackendServers: [{ ServerId: 'i-capture', Weight: 100 }],
          Listeners: [
            { ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: PORT, healthCheck: FAST },
            { ListenerPort: 81, ListenerProtocol: 'tcp', BackendServerPort: PORT, healthCheck: { ...FAST, HealthCheckURI: '/health' } },
          ],
        },
      ],
      healthChecker: { intervalScale: 0.3 },
    };
    checker = startHealthChecker(scenario);
    expect(await checker.settled(10_000)).toBe(true);
  });

  afterAll(async () => {
    await checker?.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => capture.close(resolve));
  });

  it('sends L7 checks as HEAD HTTP/1.0 with Host = private IP and no User-Agent', () => {
    expect(captured.map((entry) => entry.request)).toContain(`HEAD / HTTP/1.0\r\nHost: ${CAPTURE_IP}\r\n\r\n`);
  });

  it('sends TCP-listener HTTP checks as GET with User-Agent KeepAliveClient', () => {
    expect(captured.map((entry) => entry.request)).toContain(`GET /health HTTP/1.0\r\nHost: ${CAPTURE_IP}\r\nUser-Agent: KeepAliveClient\r\n\r\n`);
  });

  it('sends every check from 127.100.64.1–8, round robin', () => {
    const sources = new Set(captured.map((entry) => entry.remote));
    expect([...sources].every((source) => /^127\.100\.64\.[1-8]$/.test(source))).toBe(true);
    expect(sources.size).toBeGreaterThan(1);
  });
});

describe('SLB health checker: flapping, sharing and stopping', () => {
  const FIRST = 100;
  const FLAPPING: Case[] = [
    { name: 'flap-even', protocol: 'http', behaviour: 'flapping', options: { pattern: 'ok,fail' }, expected: 'unavailable' },
    { name: 'flap-ok-ok-fail', protocol: 'http', behaviour: 'flapping', options: { pattern: 'ok,ok,fail' }, expected: 'normal' },
    { name: 'shared', protocol: 'http', behaviour: 'healthy', expected: 'normal' },
  ];
  let backends: RunningBackends;
  let checker: HealthChecker;
  const key = (index: number): string => keyOf(FLAPPING[index] as Case, index, FIRST);

  beforeAll(async () => {
    const scenario = buildScenario(FLAPPING, FIRST);
    // Two more LBs with the same listener settings on the 'shared' backend: their checks share attempts.
    for (const twin of ['lb-twin-1', 'lb-twin-2']) {
      scenario.loadBalancers.push({ ...(scenario.loadBalancers[2] as ScenarioLoadBalancer), LoadBalancerId: twin });
    }
    backends = await startBackends(scenario);
    checker = startHealthChecker(scenario);
    // Woken by the checker after each check of key(0), at most 10 s.
    await checker.waitForChecks(key(0), 8, 10_000);
  });

  afterAll(async () => {
    await checker?.stop();
    await backends?.stop();
  });

  it('never reaches a threshold when results alternate, so the backend stays unavailable', async () => {
    expect(checker.detail(key(0))?.checks).toBeGreaterThanOrEqual(8);
    expect(checker.status(key(0))).toBe('unavailable');
    expect(checker.unsettledKeys()).toContain(key(0));
    expect(await checker.settled(0)).toBe(false);
  });

  it('goes normal on two successes in a row and never abnormal with single failures', () => {
    expect(checker.status(key(1))).toBe('normal');
    expect(checker.detail(key(1))?.transitions.map((transition) => transition.to)).toEqual(['normal']);
  });

  it('shares attempts among identical checks', () => {
    const checks = checker.keys().reduce((sum, each) => sum + (checker.detail(each)?.checks ?? 0), 0);
    expect(checker.attemptsSent()).toBeLessThan(checks);
    expect(checker.status(`lb-twin-1/http:80/${NET}.102:${PORT}`)).toBe('normal');
  });

  it('stops: settled answers false, and no more checks run', async () => {
    const pending = checker.settled(60_000);
    const waiting = checker.waitForStatus(key(0), 'normal', 60_000);
    expect(checker.runningLoops()).toBeGreaterThan(0);
    await checker.stop();
    expect(await pending).toBe(false);
    expect(await waiting).toBe(false);
    // Every check loop has ended once stop() resolved: nothing is left that could run another check.
    expect(checker.runningLoops()).toBe(0);
    const after = checker.detail(key(0))?.checks;
    await new Promise((resolve) => setImmediate(resolve));
    expect(checker.detail(key(0))?.checks).toBe(after);
  });
});
