import { checkHostFor, normalizeHealthCheck } from '../../lib/inventory';

describe('normalizeHealthCheck', () => {
  it('applies the documented defaults to an HTTP listener with nothing set', () => {
    expect(normalizeHealthCheck('http', {})).toEqual({
      enabled: true,
      type: 'http',
      method: 'HEAD',
      httpVersion: '1.0',
      domain: null,
      uri: '/',
      connectPort: null,
      acceptedCodes: ['http_2xx', 'http_3xx'],
      timeoutSeconds: 5,
      configuredTimeoutSeconds: 5,
      intervalSeconds: 2,
      healthyThreshold: 3,
      unhealthyThreshold: 3,
      udpRequest: null,
      udpExpect: null,
    });
  });

  it('checks an HTTPS listener over plain HTTP', () => {
    const spec = normalizeHealthCheck('https', { HealthCheckMethod: 'get', HealthCheckHttpVersion: 'http1.1', HealthCheckDomain: 'www.example.test' });
    expect(spec).toMatchObject({ type: 'http', method: 'GET', httpVersion: '1.1', domain: 'www.example.test' });
  });

  it('sends the backend IP as Host when the domain is empty or $_ip', () => {
    const ipDomain = normalizeHealthCheck('http', { HealthCheckDomain: '$_ip' });
    expect(ipDomain.domain).toBeNull();
    expect(checkHostFor(ipDomain, '127.0.0.11')).toBe('127.0.0.11');
    expect(normalizeHealthCheck('http', { HealthCheckDomain: '  ' }).domain).toBeNull();
    expect(checkHostFor(normalizeHealthCheck('http', { HealthCheckDomain: 'api.example.test' }), '127.0.0.11')).toBe('api.example.test');
  });

  it('gives non-HTTP checks no Host at all', () => {
    expect(checkHostFor(normalizeHealthCheck('tcp', {}), '127.0.0.11')).toBeNull();
    expect(checkHostFor(normalizeHealthCheck('udp', {}), '127.0.0.11')).toBeNull();
  });

  it('makes an HTTP check on a TCP listener a GET', () => {
    expect(normalizeHealthCheck('tcp', { HealthCheckType: 'http', HealthCheckURI: '/ready' })).toMatchObject({ type: 'http', method: 'GET', uri: '/ready' });
    // A URI alone also means an HTTP check.
    expect(normalizeHealthCheck('tcp', { HealthCheckURI: '/ready' })).toMatchObject({ type: 'http', method: 'GET' });
    // An explicit type and method win.
    expect(normalizeHealthCheck('tcp', { HealthCheckType: 'tcp', HealthCheckURI: '/' }).type).toBe('tcp');
    expect(normalizeHealthCheck('tcp', { HealthCheckType: 'http', HealthCheckMethod: 'head' }).method).toBe('HEAD');
    expect(normalizeHealthCheck('tcp', {}).type).toBe('tcp');
  });

  it('waits the interval when the timeout is shorter', () => {
    const http = normalizeHealthCheck('http', { HealthCheckTimeout: 2, HealthCheckInterval: 10 });
    expect(http).toMatchObject({ timeoutSeconds: 10, configuredTimeoutSeconds: 2, intervalSeconds: 10 });
    const tcp = normalizeHealthCheck('tcp', { HealthCheckConnectTimeout: 8, HealthCheckInterval: 3 });
    expect(tcp).toMatchObject({ timeoutSeconds: 8, configuredTimeoutSeconds: 8 });
  });

  it('uses the UDP defaults and the request/expect strings', () => {
    expect(normalizeHealthCheck('udp', { HealthCheckReq: 'ping', HealthCheckExp: 'pong' })).toMatchObject({
      type: 'udp',
      timeoutSeconds: 10,
      intervalSeconds: 5,
      udpRequest: 'ping',
      udpExpect: 'pong',
    });
    expect(normalizeHealthCheck('udp', {})).toMatchObject({ udpRequest: null, udpExpect: null });
  });

  it('reads the connect port, treating 0 and -520 as "the backend port"', () => {
    expect(normalizeHealthCheck('http', { HealthCheckConnectPort: 9000 }).connectPort).toBe(9000);
    expect(normalizeHealthCheck('http', { HealthCheckConnectPort: 0 }).connectPort).toBeNull();
    expect(normalizeHealthCheck('tcp', { HealthCheckConnectPort: -520 }).connectPort).toBeNull();
  });

  it('reads the accepted codes, ignoring junk and falling back to 2xx+3xx', () => {
    expect(normalizeHealthCheck('http', { HealthCheckHttpCode: 'http_2xx' }).acceptedCodes).toEqual(['http_2xx']);
    expect(normalizeHealthCheck('http', { HealthCheckHttpCode: 'http_4xx, HTTP_2XX ,http_9xx' }).acceptedCodes).toEqual(['http_4xx', 'http_2xx']);
    expect(normalizeHealthCheck('http', { HealthCheckHttpCode: '' }).acceptedCodes).toEqual(['http_2xx', 'http_3xx']);
  });

  it('knows a check that is switched off, and custom thresholds', () => {
    expect(normalizeHealthCheck('http', { HealthCheck: 'off', HealthyThreshold: 2, UnhealthyThreshold: 10 })).toMatchObject({
      enabled: false,
      healthyThreshold: 2,
      unhealthyThreshold: 10,
    });
  });
});
