import type { ProbeRequest, ProbeResult } from '../../lib/model';
import { ProbeScheduler } from '../../lib/probe';
import { always, startServer, type TestServer } from './helpers/servers';

function tcp(ip: string, port: number): ProbeRequest {
  return { kind: 'tcp', ip, port, timeoutMs: 1000 };
}
function fakeResult(request: ProbeRequest): ProbeResult {
  return { request, outcome: 'ok', requestLine: null, statusCode: null, statusLine: null, location: null, bytesRead: 0, timings: { connectMs: 0, firstByteMs: null, totalMs: 0 }, detail: null };
}

/** A prober that holds each probe until released, recording how many run at once overall and per backend. */
function gatedProber() {
  const waiting: Array<() => void> = [];
  const active = new Map<string, number>();
  let inFlight = 0;
  const seen = { peak: 0, peakPerBackend: 0 };
  const prober = async (request: ProbeRequest): Promise<ProbeResult> => {
    const key = `${request.ip}:${request.port}`;
    inFlight++;
    active.set(key, (active.get(key) ?? 0) + 1);
    seen.peak = Math.max(seen.peak, inFlight);
    seen.peakPerBackend = Math.max(seen.peakPerBackend, active.get(key) ?? 0);
    await new Promise<void>((release) => waiting.push(release));
    inFlight--;
    active.set(key, (active.get(key) ?? 1) - 1);
    return fakeResult(request);
  };
  const releaseAll = async (): Promise<void> => {
    // Release in rounds until nothing is left waiting (each release lets queued probes start).
    for (let round = 0; round < 1000 && waiting.length > 0; round++) {
      waiting.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { prober, seen, releaseAll, waitingCount: () => waiting.length };
}

describe('ProbeScheduler', () => {
  it('never runs more than `concurrency` probes at once', async () => {
    const gate = gatedProber();
    const scheduler = new ProbeScheduler({ concurrency: 3, prober: gate.prober });
    const all = Promise.all(Array.from({ length: 20 }, (_, i) => scheduler.run(tcp(`127.0.0.${50 + i}`, 80))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.waitingCount()).toBe(3);
    await gate.releaseAll();
    await all;
    expect(gate.seen.peak).toBe(3);
    expect(scheduler.stats()).toEqual({ probesSent: 20, peakInFlight: 3 });
  });
  it('probes one backend (ip:port) at a time while other backends run in parallel', async () => {
    const gate = gatedProber();
    const scheduler = new ProbeScheduler({ concurrency: 10, prober: gate.prober });
    const requests = [tcp('127.0.0.43', 80), tcp('127.0.0.43', 80), tcp('127.0.0.43', 80), tcp('127.0.0.43', 81), tcp('127.0.0.44', 80)];
    const all = Promise.all(requests.map((r) => scheduler.run(r)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.waitingCount()).toBe(3);
    await gate.releaseAll();
    const results = await all;
    expect(gate.seen.peakPerBackend).toBe(1);
    expect(results.map((r) => r.request)).toEqual(requests);
  });
  it('starts a probe within run() when its backend, a connection and a slot are free, and queues the rest in order', async () => {
    const gate = gatedProber();
    const scheduler = new ProbeScheduler({ concurrency: 2, prober: gate.prober });
    const first = scheduler.run(tcp('127.0.0.46', 80));
    expect(gate.waitingCount()).toBe(1);
    const sameBackend = scheduler.run(tcp('127.0.0.46', 80));
    const otherBackend = scheduler.run(tcp('127.0.0.47', 80));
    const overSlots = scheduler.run(tcp('127.0.0.48', 80));
    expect(gate.waitingCount()).toBe(2);
    await gate.releaseAll();
    expect((await Promise.all([first, sameBackend, otherBackend, overSlots])).map((r) => r.request.ip)).toEqual(['127.0.0.46', '127.0.0.46', '127.0.0.47', '127.0.0.48']);
    expect(scheduler.stats()).toEqual({ probesSent: 4, peakInFlight: 2 });
  });
  it('uses the real probers by default and defaults to 64 in flight', async () => {
    const server: TestServer = await startServer('127.0.0.45', always(200));
    try {
      const scheduler = new ProbeScheduler();
      expect(scheduler.concurrency).toBe(64);
      expect((await scheduler.run(tcp(server.ip, server.port))).outcome).toBe('ok');
    } finally {
      await server.close();
    }
  });
  it('rejects a concurrency that is not a positive whole number', () => {
    expect(() => new ProbeScheduler({ concurrency: 0 })).toThrow(/at least 1/);
  });
});
