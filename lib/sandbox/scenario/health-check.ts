// A listener's health check with SLB's documented defaults applied (alibaba-platform.md §1.2), named as the API names
// the fields. The SLB emulator answers with these values and SLB's own health checker checks with them, so both agree.

import type { ScenarioListener } from './types';

export interface ResolvedHealthCheck {
  HealthCheck: 'on' | 'off';
  /** 'udp' for UDP listeners; HTTP/HTTPS listeners always check over plain HTTP. */
  HealthCheckType: 'tcp' | 'http' | 'udp';
  /** Unset means the backend's private IP is the Host (same as `$_ip`). */
  HealthCheckDomain?: string;
  HealthCheckURI: string;
  /** Unset means the backend's own port. */
  HealthCheckConnectPort?: number;
  HealthCheckHttpCode: string;
  HealthCheckMethod: 'head' | 'get';
  HealthCheckHttpVersion: 'http1.0' | 'http1.1';
  HealthCheckInterval: number;
  /** HealthCheckTimeout for HTTP/HTTPS listeners, HealthCheckConnectTimeout for TCP/UDP listeners (seconds). */
  timeoutSeconds: number;
  HealthyThreshold: number;
  UnhealthyThreshold: number;
  HealthCheckReq?: string;
  HealthCheckExp?: string;
}

export const HEALTH_CHECK_DEFAULTS = {
  intervalSeconds: 2,
  udpIntervalSeconds: 5,
  timeoutSeconds: 5,
  udpTimeoutSeconds: 10,
  threshold: 3,
  uri: '/',
  // The console's default (the API text says http_2xx); SLB's health checker in healthcheck/plan.ts uses the same.
  httpCode: 'http_2xx,http_3xx',
  httpVersion: 'http1.0',
} as const;

export function resolveHealthCheck(listener: ScenarioListener): ResolvedHealthCheck {
  const configured = listener.healthCheck ?? {};
  const udp = listener.ListenerProtocol === 'udp';
  const layer7 = listener.ListenerProtocol === 'http' || listener.ListenerProtocol === 'https';
  // On a TCP listener, a configured URI also means an HTTP check.
  const tcpType = configured.HealthCheckType ?? (configured.HealthCheckURI !== undefined ? 'http' : 'tcp');
  return {
    HealthCheck: configured.HealthCheck ?? 'on',
    HealthCheckType: udp ? 'udp' : layer7 ? 'http' : tcpType,
    HealthCheckDomain: configured.HealthCheckDomain,
    HealthCheckURI: configured.HealthCheckURI ?? HEALTH_CHECK_DEFAULTS.uri,
    HealthCheckConnectPort: configured.HealthCheckConnectPort,
    HealthCheckHttpCode: configured.HealthCheckHttpCode ?? HEALTH_CHECK_DEFAULTS.httpCode,
    // An HTTP check on a TCP listener is a GET (SLB FAQ); L7 listeners default to HEAD.
    HealthCheckMethod: configured.HealthCheckMethod ?? (layer7 ? 'head' : 'get'),
    HealthCheckHttpVersion: configured.HealthCheckHttpVersion ?? HEALTH_CHECK_DEFAULTS.httpVersion,
    HealthCheckInterval:
      configured.HealthCheckInterval ?? (udp ? HEALTH_CHECK_DEFAULTS.udpIntervalSeconds : HEALTH_CHECK_DEFAULTS.intervalSeconds),
    timeoutSeconds:
      (layer7 ? configured.HealthCheckTimeout : configured.HealthCheckConnectTimeout) ??
      (udp ? HEALTH_CHECK_DEFAULTS.udpTimeoutSeconds : HEALTH_CHECK_DEFAULTS.timeoutSeconds),
    HealthyThreshold: configured.HealthyThreshold ?? HEALTH_CHECK_DEFAULTS.threshold,
    UnhealthyThreshold: configured.UnhealthyThreshold ?? HEALTH_CHECK_DEFAULTS.threshold,
    HealthCheckReq: configured.HealthCheckReq,
    HealthCheckExp: configured.HealthCheckExp,
  };
}
