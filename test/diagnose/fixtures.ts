// Synthetic inventory and evidence for diagnosis unit tests (no sockets).
import type { Backend, DataPlaneEvidence, HealthCheckSpec, HttpProbeRequest, Inventory, LabelledProbe, Listener, LoadBalancer, ProbeJob, ProbeOutcome, ProbeRequest, ProbeResult, VariantLabel } from '../../lib/model';
import { jobFor } from '../../lib/diagnose';
import { replayRequest } from '../../lib/probe';

export function httpCheck(overrides: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    enabled: true,
    type: 'http',
    method: 'HEAD',
    httpVersion: '1.0',
    domain: 'www.slb-test.com',
    uri: '/test.html',
    connectPort: null,
    acceptedCodes: ['http_2xx', 'http_3xx'],
    timeoutSeconds: 5,
    configuredTimeoutSeconds: 5,
    intervalSeconds: 2,
    healthyThreshold: 3,
    unhealthyThreshold: 3,
    udpRequest: null,
    udpExpect: null,
    ...overrides,
  };
}

export function backend(overrides: Partial<Backend> = {}): Backend {
  return { serverId: 'i-web1', ip: '10.0.0.1', port: 80, checkPort: 80, checkHost: 'www.slb-test.com', weight: 100, type: 'ecs', group: { kind: 'default' }, slbStatus: 'abnormal', ...overrides };
}

export function listener(overrides: Partial<Listener> = {}): Listener {
  return { loadBalancerId: 'lb-1', port: 80, protocol: 'http', status: 'running', backendServerPort: 80, vServerGroupId: null, masterSlaveServerGroupId: null, healthCheck: httpCheck(), backends: [backend()], ...overrides };
}

export function loadBalancer(listeners: Listener[]): LoadBalancer {
  return { id: 'lb-1', name: 'web', regionId: 'cn-hangzhou', vpcId: 'vpc-1', vSwitchId: 'vsw-1', address: '10.0.0.100', addressType: 'intranet', networkType: 'vpc', status: 'active', tags: { team: 'web' }, listeners };
}

export function inventoryOf(listeners: Listener[], extras: Partial<Inventory> = {}): Inventory {
  return { regionId: 'cn-hangzhou', loadBalancers: [loadBalancer(listeners)], errors: [], instances: {}, securityGroupRules: {}, apiCalls: {}, ...extras };
}

export function jobOf(l: Listener = listener(), b: Backend = l.backends[0] as Backend): ProbeJob {
  return jobFor(loadBalancer([l]), l, b, b.slbStatus === 'normal');
}

export function result(request: ProbeRequest, outcome: ProbeOutcome, extra: Partial<ProbeResult> = {}): ProbeResult {
  const requestLine = request.kind === 'http' ? `${request.method} ${request.uri} HTTP/${request.httpVersion}` : null;
  return { request, outcome, requestLine, statusCode: null, statusLine: null, location: null, bytesRead: 0, timings: { connectMs: 0.3, firstByteMs: 1, headersMs: 1, totalMs: 1.2 }, detail: null, ...extra };
}

/** An HTTP result with a status (ok or not per `accepted`). */
export function status(request: ProbeRequest, code: number, accepted: boolean, extra: Partial<ProbeResult> = {}): ProbeResult {
  return result(request, accepted ? 'ok' : 'status_not_accepted', { statusCode: code, statusLine: `HTTP/1.1 ${code} X`, bytesRead: 40, ...extra });
}

export function httpReplay(job: ProbeJob): HttpProbeRequest {
  const request = replayRequest(job);
  if (request.kind !== 'http') throw new Error('not an HTTP job');
  return request;
}

export function evidenceOf(job: ProbeJob, replay: ProbeResult, variants: Array<[VariantLabel, ProbeResult]> = []): DataPlaneEvidence {
  const labelled: LabelledProbe[] = variants.map(([label, r]) => ({ label, result: r }));
  return { jobId: job.id, target: job.target, replay, variants: labelled, startedAt: '2026-11-24T00:00:00.000Z', durationMs: 5, error: null };
}

/** Timings where the answer came after `ms`. */
export function tookMs(ms: number): ProbeResult['timings'] {
  return { connectMs: 0.3, firstByteMs: ms, headersMs: ms, totalMs: ms };
}
