// Dispatch from a probe request to its prober.
import type { ProbeRequest, ProbeResult } from '../model';
import { probeHttp } from './http';
import { probeTcp } from './tcp';
import { probeTls } from './tls';
import { probeUdp } from './udp';

/** Runs exactly one attempt of the probe the request describes. Never rejects: failures are outcomes. */
export function runProbe(request: ProbeRequest): Promise<ProbeResult> {
  switch (request.kind) {
    case 'http':
      return probeHttp(request);
    case 'tcp':
      return probeTcp(request);
    case 'udp':
      return probeUdp(request);
    case 'tls':
      return probeTls(request);
  }
}
