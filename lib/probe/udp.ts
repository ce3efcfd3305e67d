// UDP prober: a connected datagram socket so that the kernel reports ICMP port unreachable as ECONNREFUSED.
// SLB treats silence as healthy unless a reply string (HealthCheckExp) is configured.
import * as dgram from 'node:dgram';
import type { ProbeOutcome, ProbeResult, UdpProbeRequest } from '../model';
import { describeError, emptyResult, errnoOf, invalidTarget, PhaseTimer, printableSnippet } from './result';

/** What we send when the listener has no HealthCheckReq (SLB's own default payload is not documented). */
export const DEFAULT_UDP_PAYLOAD = 'slb-doctor';
const MAX_REPLY_BYTES = 512;

export function udpPayloadOf(request: Pick<UdpProbeRequest, 'payload'>): string {
  return request.payload ?? DEFAULT_UDP_PAYLOAD;
}

export function probeUdp(request: UdpProbeRequest): Promise<ProbeResult> {
  const timer = new PhaseTimer();
  const invalid = invalidTarget(request);
  if (invalid !== null) return Promise.resolve(emptyResult(request, 'error', invalid, timer.timings(false)));
  return new Promise<ProbeResult>((resolve) => {
    const socket = dgram.createSocket('udp4');
    let settled = false;
    let bytesRead = 0;
    const settle = (outcome: ProbeOutcome, detail: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      try {
        socket.close();
      } catch {
        // already closed by a socket error
      }
      resolve({ ...emptyResult(request, outcome, detail, timer.timings(false)), bytesRead });
    };
    const deadline = setTimeout(() => {
      if (request.expect === null) settle('ok', `no reply and no ICMP port unreachable within ${request.timeoutMs} ms (SLB counts silence as healthy)`);
      else settle('udp_no_reply', `no reply within ${request.timeoutMs} ms; expected "${request.expect}"`);
    }, request.timeoutMs);
    socket.on('error', (err) => {
      const code = errnoOf(err);
      if (code === 'ECONNREFUSED') settle('udp_port_unreachable', 'ICMP port unreachable: nothing listens on this UDP port');
      else settle('error', describeError(err));
    });
    socket.on('message', (message: Buffer) => {
      timer.markFirstByte();
      bytesRead += message.length;
      const reply = message.subarray(0, MAX_REPLY_BYTES);
      const shown = printableSnippet(reply);
      if (request.expect === null || reply.toString('latin1').includes(request.expect)) settle('ok', `replied "${shown}"`);
      else settle('udp_unexpected_reply', `replied "${shown}", expected "${request.expect}"`);
    });
    socket.connect(request.port, request.ip, () => {
      timer.markConnect();
      socket.send(Buffer.from(udpPayloadOf(request), 'latin1'), (err) => {
        if (err) settle('error', describeError(err));
      });
    });
  });
}
