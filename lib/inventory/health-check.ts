// A listener's health-check settings as SLB returns them → the check SLB actually runs, with the documented defaults
// applied (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/user-guide/health-check-overview/ and the
// CreateLoadBalancer{HTTP,TCP,UDP}Listener parameter tables in GitHub AlibabaCloudDocs/slb). A value SLB spelled in a
// way we do not know gets the documented default and a warning on the listener, never an error.
import { isKnown, type LenientNumber, type SlbHealthCheckConfig, type Spelled } from '../cloud';
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

/** Collects "X 'v' is unknown; probing with D" for each field SLB spelled in a way we do not know. */
class SpellingNotes {
  readonly warnings: string[] = [];

  /** The number, or undefined after noting that `field` is not a number and `fallback` is used. */
  number(field: string, value: LenientNumber | undefined, fallback: string): number | undefined {
    if (value === undefined || typeof value === 'number') return value;
    this.warnings.push(`${field} '${value.unknown}' is not a number; ${fallback}`);
    return undefined;
  }

  /** The known value, or undefined after noting that `field`'s raw value is unknown and `fallback` is used. */
  known<T extends string>(field: string, value: Spelled<T> | undefined, fallback: string): T | undefined {
    if (value === undefined || typeof value === 'string') return value;
    this.warnings.push(`${field} '${value.unknown}' is unknown; ${fallback}`);
    return undefined;
  }
}

function checkTypeOf(protocol: ListenerProtocol, config: SlbHealthCheckConfig, notes: SpellingNotes): CheckType {
  if (protocol === 'udp') return 'udp';
  // HTTPS listeners hold the certificate themselves: their checks reach the backend over plain HTTP.
  if (protocol === 'http' || protocol === 'https') return 'http';
  // A TCP listener checks over TCP unless told otherwise; a configured URI alone also means an HTTP check.
  const byUri: CheckType = config.HealthCheckURI !== undefined && config.HealthCheckURI.trim() !== '' ? 'http' : 'tcp';
  return notes.known('HealthCheckType', config.HealthCheckType, `probing with ${byUri}`) ?? byUri;
}

function acceptedCodesOf(value: string | undefined): HttpCodeClass[] {
  const codes = (value ?? '')
    .split(',')
    .map((code) => code.trim().toLowerCase())
    .filter((code): code is HttpCodeClass => (CODE_CLASSES as readonly string[]).includes(code));
  return codes.length > 0 ? [...new Set(codes)] : [...DEFAULT_ACCEPTED_CODES];
}

export function normalizeHealthCheck(protocol: ListenerProtocol, config: SlbHealthCheckConfig): HealthCheckSpec {
  return readHealthCheck(protocol, config).spec;
}

/** The check SLB runs, and a warning for each setting whose spelling is unknown (it then gets the default). */
export function readHealthCheck(protocol: ListenerProtocol, config: SlbHealthCheckConfig): { spec: HealthCheckSpec; warnings: string[] } {
  const notes = new SpellingNotes();
  const layer7 = protocol === 'http' || protocol === 'https';
  const udp = protocol === 'udp';
  const domain = config.HealthCheckDomain?.trim() ?? '';
  const connectPort = notes.number('HealthCheckConnectPort', config.HealthCheckConnectPort, "checking the backend's own port");
  const type = checkTypeOf(protocol, config, notes);
  // HTTP/HTTPS listeners send HEAD unless set to GET; an HTTP check on a TCP listener is a GET unless set otherwise.
  const defaultMethod = layer7 ? 'HEAD' : 'GET';
  // Method and version matter to HTTP checks only, so only those warn about a spelling.
  const known = <T extends string>(field: string, value: Spelled<T> | undefined, fallback: string): T | undefined =>
    type === 'http' ? notes.known(field, value, fallback) : isKnown(value) ? value : undefined;
  const configuredMethod = known('HealthCheckMethod', config.HealthCheckMethod, `probing with ${defaultMethod}`);
  const method = configuredMethod === undefined ? defaultMethod : configuredMethod === 'get' ? 'GET' : 'HEAD';
  const httpVersion = known('HealthCheckHttpVersion', config.HealthCheckHttpVersion, 'probing with HTTP/1.0') === 'http1.1' ? '1.1' : '1.0';
  const enabled = notes.known('HealthCheck', config.HealthCheck, 'treating the check as on') !== 'off';
  const defaultTimeout = udp ? HEALTH_CHECK_DEFAULTS.udpTimeoutSeconds : HEALTH_CHECK_DEFAULTS.timeoutSeconds;
  const defaultInterval = udp ? HEALTH_CHECK_DEFAULTS.udpIntervalSeconds : HEALTH_CHECK_DEFAULTS.intervalSeconds;
  const timeout = notes.number('HealthCheckTimeout', config.HealthCheckTimeout, `waiting the default ${defaultTimeout} s`);
  const connectTimeout = notes.number('HealthCheckConnectTimeout', config.HealthCheckConnectTimeout, `waiting the default ${defaultTimeout} s`);
  const configuredTimeoutSeconds = positive(layer7 ? (timeout ?? connectTimeout) : (connectTimeout ?? timeout)) ?? defaultTimeout;
  const intervalSeconds = positive(notes.number('HealthCheckInterval', config.HealthCheckInterval, `assuming the default ${defaultInterval} s`)) ?? defaultInterval;
  const threshold = HEALTH_CHECK_DEFAULTS.threshold;
  const healthyThreshold = positive(notes.number('HealthyThreshold', config.HealthyThreshold, `assuming the default ${threshold}`)) ?? threshold;
  const unhealthyThreshold = positive(notes.number('UnhealthyThreshold', config.UnhealthyThreshold, `assuming the default ${threshold}`)) ?? threshold;
  const spec: HealthCheckSpec = {
    enabled,
    type,
    method,
    httpVersion,
    domain: domain === '' || domain === '$_ip' ? null : domain,
    uri: config.HealthCheckURI?.trim() || HEALTH_CHECK_DEFAULTS.uri,
    // Some replies carry 0 or -520 for "the backend's own port".
    connectPort: connectPort !== undefined && Number.isInteger(connectPort) && connectPort >= 1 && connectPort <= 65535 ? connectPort : null,
    acceptedCodes: acceptedCodesOf(config.HealthCheckHttpCode),
    // When the timeout is shorter than the interval, SLB waits the interval.
    timeoutSeconds: Math.max(configuredTimeoutSeconds, intervalSeconds),
    configuredTimeoutSeconds,
    intervalSeconds,
    healthyThreshold,
    unhealthyThreshold,
    udpRequest: udp ? config.HealthCheckReq || null : null,
    udpExpect: udp ? config.HealthCheckExp || null : null,
  };
  return { spec, warnings: notes.warnings };
}

/** The Host header SLB sends to `ip`: the check domain, else the backend's IP; none for non-HTTP checks. */
export function checkHostFor(spec: HealthCheckSpec, ip: string): string | null {
  return spec.type === 'http' ? (spec.domain ?? ip) : null;
}
