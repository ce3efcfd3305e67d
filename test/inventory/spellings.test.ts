// Replies spelled as the real API spells them (doc examples: "HTTP 1.0", HealthCheckMethod "tcp" on TCP listeners;
// the SDK types every enum as a plain string): no load balancer is lost, unknown values get a default and a warning.
import { readSpelling } from '../../lib/cloud/spelling';
import { collectInventory, readHealthCheck } from '../../lib/inventory';
import { FakeApi, fakeClients } from '../cloud/fake-api';

const REGION = 'cn-hangzhou';

describe('readSpelling', () => {
  it.each(['HTTP 1.0', 'http1.0', 'HTTP/1.0', ' Http_1.0 '])('reads %j as http1.0', (raw) => {
    expect(readSpelling(raw, ['http1.0', 'http1.1'] as const)).toBe('http1.0');
  });

  it('keeps an unknown value raw and reads a spelling that stands for "not set" as absent', () => {
    expect(readSpelling('h2', ['http1.0', 'http1.1'] as const)).toEqual({ unknown: 'h2' });
    expect(readSpelling('TCP', ['head', 'get'] as const, ['tcp'])).toBeUndefined();
    expect(readSpelling('  ', ['head', 'get'] as const)).toBeUndefined();
  });
});

describe('readHealthCheck', () => {
  it('probes an unknown HTTP version with HTTP/1.0 and says so', () => {
    const { spec, warnings } = readHealthCheck('http', { HealthCheckHttpVersion: { unknown: 'h2' } });
    expect(spec.httpVersion).toBe('1.0');
    expect(warnings).toEqual(["HealthCheckHttpVersion 'h2' is unknown; probing with HTTP/1.0"]);
  });

  it('gives an unknown method, check type and switch their defaults, each with a warning', () => {
    const http = readHealthCheck('http', { HealthCheckMethod: { unknown: 'OPTIONS' }, HealthCheck: { unknown: 'enabled' } });
    expect(http.spec).toMatchObject({ method: 'HEAD', enabled: true });
    expect(http.warnings).toEqual(["HealthCheckMethod 'OPTIONS' is unknown; probing with HEAD", "HealthCheck 'enabled' is unknown; treating the check as on"]);
    const tcp = readHealthCheck('tcp', { HealthCheckType: { unknown: 'grpc' } });
    expect(tcp.spec.type).toBe('tcp');
    expect(tcp.warnings).toEqual(["HealthCheckType 'grpc' is unknown; probing with tcp"]);
  });

  it('gives a number it cannot read ("5s") the documented default and a warning, instead of losing the listener', () => {
    const { spec, warnings } = readHealthCheck('http', { HealthCheckTimeout: { unknown: '5s' }, HealthCheckInterval: 3, HealthyThreshold: { unknown: 'two' } });
    expect(spec).toMatchObject({ configuredTimeoutSeconds: 5, intervalSeconds: 3, healthyThreshold: 3 });
    expect(warnings).toEqual(["HealthCheckTimeout '5s' is not a number; waiting the default 5 s", "HealthyThreshold 'two' is not a number; assuming the default 3"]);
  });

  it('does not warn about an HTTP version on a TCP check, where it is not used', () => {
    expect(readHealthCheck('tcp', { HealthCheckType: 'tcp', HealthCheckHttpVersion: { unknown: 'h2' } }).warnings).toEqual([]);
  });
});

/** One load balancer with four listeners, whose replies are rewritten to the real API's spellings. */
function realSpellings(): FakeApi {
  const api = new FakeApi({
    loadBalancers: [
      {
        LoadBalancerId: 'lb-real',
        VpcId: 'vpc-1',
        BackendServers: [{ ServerId: 'i-1', ServerIp: '127.0.0.11' }],
        listeners: [
          { ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080 },
          { ListenerPort: 81, ListenerProtocol: 'http', BackendServerPort: 8081 },
          { ListenerPort: 3306, ListenerProtocol: 'tcp', BackendServerPort: 3306 },
          { ListenerPort: 9000, ListenerProtocol: 'tcp', BackendServerPort: 9000 },
        ],
      },
    ],
    instances: [{ InstanceId: 'i-1', PrivateIp: '127.0.0.11', SecurityGroupIds: [] }],
  });
  return api.intercept((request) => {
    if (request.action === 'DescribeLoadBalancerListeners') {
      return {
        body: {
          RequestId: 'r',
          Listeners: [
            { LoadBalancerId: 'lb-real', ListenerPort: 80, ListenerProtocol: 'HTTP', Status: 'Running', BackendServerPort: 8080, HTTPListenerConfig: { HealthCheck: 'On', HealthCheckHttpVersion: 'HTTP 1.0', HealthCheckMethod: 'GET', UnknownField: { nested: true } } },
            { LoadBalancerId: 'lb-real', ListenerPort: 81, ListenerProtocol: 'http', Status: 'paused', BackendServerPort: 8081, HTTPListenerConfig: { HealthCheckHttpVersion: 'h2' } },
            { LoadBalancerId: 'lb-real', ListenerPort: 3306, ListenerProtocol: 'tcp', Status: 'running', BackendServerPort: 3306, TCPListenerConfig: { HealthCheckType: 'TCP', HealthCheckMethod: 'tcp', HealthCheckConnectTimeout: '2' } },
            { LoadBalancerId: 'lb-real', ListenerProtocol: 'tcp', Status: 'running', TCPListenerConfig: {} },
            { LoadBalancerId: 'lb-real', ListenerPort: 9000, ListenerProtocol: 'quic', Status: 'running', BackendServerPort: 9000 },
          ],
        },
      };
    }
    if (request.action === 'DescribeHealthStatus') {
      return {
        body: {
          BackendServers: {
            BackendServer: [
              { ServerId: 'i-1', ServerIp: '127.0.0.11', Port: 8080, ListenerPort: 80, Protocol: 'HTTP', ServerHealthStatus: 'Abnormal', Type: 'ECS' },
              { ServerId: 'i-1', ServerIp: '127.0.0.11', Port: 8081, ListenerPort: 81, Protocol: 'http', ServerHealthStatus: 'initializing' },
            ],
          },
        },
      };
    }
    return undefined;
  });
}

describe('collectInventory against real spellings', () => {
  it('loses no load balancer: known spellings are read, unknown ones are kept with a default and a warning', async () => {
    const inventory = await collectInventory(fakeClients(realSpellings()), { regionId: REGION });
    expect(inventory.loadBalancers.map((lb) => lb.id)).toEqual(['lb-real']);
    const [lb] = inventory.loadBalancers;
    const byPort = new Map(lb?.listeners.map((l) => [l.port, l]));

    const http = byPort.get(80);
    expect(http).toMatchObject({ protocol: 'http', status: 'running', healthCheck: { method: 'GET', httpVersion: '1.0', enabled: true } });
    expect(http?.warnings).toBeUndefined();
    expect(http?.backends[0]).toMatchObject({ ip: '127.0.0.11', port: 8080, slbStatus: 'abnormal' });

    const h2 = byPort.get(81);
    expect(h2?.healthCheck.httpVersion).toBe('1.0');
    expect(h2?.status).toBe('paused');
    expect(h2?.backends[0]).toMatchObject({ slbStatus: 'unknown', slbStatusReported: 'initializing' });
    expect(h2?.warnings).toEqual([
      "Status 'paused' is unknown; auditing the listener as running",
      "HealthCheckHttpVersion 'h2' is unknown; probing with HTTP/1.0",
      "ServerHealthStatus 'initializing' of 127.0.0.11:8081 is unknown; examining the backend as not known healthy",
    ]);

    expect(byPort.get(3306)).toMatchObject({ protocol: 'tcp', healthCheck: { type: 'tcp', configuredTimeoutSeconds: 2 } });
    expect(byPort.get(3306)?.warnings).toBeUndefined();

    const quic = byPort.get(9000);
    expect(quic).toMatchObject({ protocol: 'tcp', healthCheck: { type: 'tcp' } });
    expect(quic?.warnings).toEqual(["ListenerProtocol 'quic' is unknown; checking it as tcp"]);

    // The entry without a ListenerPort is the only thing lost, with its reason; the load balancer stays.
    expect(inventory.errors).toEqual([
      {
        loadBalancerId: 'lb-real',
        action: 'DescribeLoadBalancerListeners',
        code: 'EntryUnreadable',
        message: 'SLB DescribeLoadBalancerListeners returned an entry that cannot be audited (Listeners[3].ListenerPort is missing); only that entry is left out.',
      },
    ]);
  });
});
