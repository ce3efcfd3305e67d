// A listener's health-check settings as SLB returns them → the check SLB actually runs, with the documented defaults
// applied (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/user-guide/health-check-overview/ and the
// CreateLoadBalancer{HTTP,TCP,UDP}Listener parameter tables in GitHub AlibabaCloudDocs/slb).
import type { SlbHealthCheckConfig } from '../cloud';
import type { CheckType, HealthCheckSpec, HttpCodeClass, ListenerProtocol } from '../model';

export const HEALTH_CHECK_DEFAULTS = {
  intervalSeconds: 2,
  udpIntervalSeconds: 5,
  timeoutSeconds: 5,
  udpTimeoutSeconds: 10,
  threshold: 3,
  uri: '/',
} as const;

/** The console's default (the API text says http_2xx alone; the console, which most listeners come from, adds 3xx). */
export const DEFAULT_ACCEPTED_CODES: readonly HttpCodeClass[] = ['http_2xx', 'http_3xx'];

const CODE_CLASSES: readonly HttpCodeClass[] = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'];

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}

function checkTypeOf(protocol: ListenerProtocol, config: SlbHealthCheckConfig): CheckType {
  if (protocol === 'udp') return 'udp';
  // HTTPS listeners hold the certificate themselves: their checks reach the backend over plain HTTP.
  if (protocol === 'http' || protocol === 'https') return 'http';
  // A TCP listener checks over TCP unless told otherwise; a configured URI alone also means an HTTP check.
  if (config.HealthCheckType !== undefined) return config.HealthCheckType;
  return config.HealthCheckURI !== undefined && config.HealthCheckURI.trim() !== '' ? 'http' : 'tcp';
}

function acceptedCodesOf(value: string | undefined): HttpCodeClass[] {
  const codes = (value ?? '')
    .split(',')
    .map((code) => code.trim().toLowerCase())
    .filter((code): code is HttpCodeClass => (CODE_CLASSES as readonly string[]).includes(code));
  return codes.length > 0 ? [...new Set(codes)] : [...DEFAULT_ACCEPTED_CODES];
}

export function normalizeHealthCheck(protocol: ListenerProtocol, config: SlbHealthCheckConfig): HealthCheckSpec {
  const layer7 = protocol === 'http' || protocol === 'https';
  const udp = protocol === 'udp';
  const domain = config.HealthCheckDomain?.trim() ?? '';
  const connectPort = config.HealthCheckConnectPort;
  // HTTP/HTTPS listeners send HEAD unless set to GET; an HTTP check on a TCP listener is a GET unless set otherwise.
  const method = layer7 ? (config.HealthCheckMethod === 'get' ? 'GET' : 'HEAD') : config.HealthCheckMethod === 'head' ? 'HEAD' : 'GET';
  const configuredTimeoutSeconds =
    positive(layer7 ? (config.HealthCheckTimeout ?? config.HealthCheckConnectTimeout) : (config.HealthCheckConnectTimeout ?? config.HealthCheckTimeout)) ??
    (udp ? HEALTH_CHECK_DEFAULTS.udpTimeoutSeconds : HEALTH_CHECK_DEFAULTS.timeoutSeconds);
  const intervalSeconds = positive(config.HealthCheckInterval) ?? (udp ? HEALTH_CHECK_DEFAULTS.udpIntervalSeconds : HEALTH_CHECK_DEFAULTS.intervalSeconds);
  return {
    enabled: config.HealthCheck !== 'off',
    type: checkTypeOf(protocol, config),
    method,
    httpVersion: config.HealthCheckHttpVersion === 'http1.1' ? '1.1' : '1.0',
    domain: domain === '' || domain === '$_ip' ? null : domain,
    uri: config.HealthCheckURI?.trim() || HEALTH_CHECK_DEFAULTS.uri,
    // Some replies carry 0 or -520 for "the backend's own port".
    connectPort: connectPort !== undefined && Number.isInteger(connectPort) && connectPort >= 1 && connectPort <= 65535 ? connectPort : null,
    acceptedCodes: acceptedCodesOf(config.HealthCheckHttpCode),
    // When the timeout is shorter than the interval, SLB waits the interval.
    timeoutSeconds: Math.max(configuredTimeoutSeconds, intervalSeconds),
    configuredTimeoutSeconds,
    intervalSeconds,
    healthyThreshold: positive(config.HealthyThreshold) ?? HEALTH_CHECK_DEFAULTS.threshold,
    unhealthyThreshold: positive(config.UnhealthyThreshold) ?? HEALTH_CHECK_DEFAULTS.threshold,
    udpRequest: udp ? config.HealthCheckReq || null : null,
    udpExpect: udp ? config.HealthCheckExp || null : null,
  };
}

/** The Host header SLB sends to `ip`: the check domain, else the backend's IP; none for non-HTTP checks. */
export function checkHostFor(spec: HealthCheckSpec, ip: string): string | null {
  return spec.type === 'http' ? (spec.domain ?? ip) : null;
}
