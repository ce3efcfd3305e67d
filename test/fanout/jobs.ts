// Probe jobs and evidence for the fan-out tests.
import type { DataPlaneEvidence, ProbeJob } from '../../lib/model';

export function job(overrides: Partial<ProbeJob> & { id: string }): ProbeJob {
  return {
    target: { loadBalancerId: 'lb-fanout', listener: { protocol: 'http', port: 80 }, backend: { ip: overrides.ip ?? '127.0.0.11', port: overrides.checkPort ?? 80 } },
    vpcId: 'vpc-a',
    ip: '127.0.0.11',
    checkPort: 80,
    checkType: 'http',
    listenerProtocol: 'http',
    method: 'HEAD',
    uri: '/health',
    httpVersion: '1.0',
    host: '127.0.0.11',
    domain: null,
    acceptedCodes: ['http_2xx', 'http_3xx'],
    timeoutMs: 2000,
    udpRequest: null,
    udpExpect: null,
    slbStatus: 'abnormal',
    sweep: false,
    ...overrides,
  };
}

export function okEvidence(probeJob: ProbeJob): DataPlaneEvidence {
  return {
    jobId: probeJob.id,
    target: probeJob.target,
    replay: {
      request: { kind: 'tcp', ip: probeJob.ip, port: probeJob.checkPort, timeoutMs: probeJob.timeoutMs },
      outcome: 'ok',
      requestLine: null,
      statusCode: null,
      statusLine: null,
      location: null,
      bytesRead: 0,
      timings: { connectMs: 1, firstByteMs: null, totalMs: 1 },
      detail: null,
    },
    variants: [],
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    error: null,
  };
}

/** A clock whose time only moves when the test (or a sleep) moves it. */
export function manualClock(start = 1_000_000): { now: () => number; sleep: (ms: number) => Promise<void>; advance: (ms: number) => void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
