// TCP prober: what SLB's TCP check does (SYN, SYN+ACK, ACK, then RST): connected within the timeout or not.
import type { ProbeOutcome, ProbeResult, TcpProbeRequest } from '../model';
import { connectProbeSocket } from './connections';
import { connectErrorOutcome, describeError, emptyResult, errnoOf, invalidTarget, PhaseTimer } from './result';

export function probeTcp(request: TcpProbeRequest): Promise<ProbeResult> {
  const timer = new PhaseTimer();
  const invalid = invalidTarget(request);
  if (invalid !== null) return Promise.resolve(emptyResult(request, 'error', invalid, timer.timings(false)));
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const settle = (outcome: ProbeOutcome, detail: string | null, reset = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      // Closing with RST like SLB's checker does, so the backend sees the same connection pattern.
      if (reset && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroy();
      resolve(emptyResult(request, outcome, detail, timer.timings(false)));
    };
    const deadline = setTimeout(() => settle('connect_timeout', `no TCP connection within ${request.timeoutMs} ms`), request.timeoutMs);
    // The socket is reused by later probes (connections.ts): it is touched only until this probe has settled.
    const socket = connectProbeSocket(request.ip, request.port, {
      onConnect: () => {
        timer.markConnect();
        settle('ok', null, true);
      },
      onData: () => undefined,
      onEnd: () => undefined,
      onError: (err) => {
        const code = errnoOf(err);
        // A reset (not a refusal) means the handshake completed and the backend dropped us at once: SLB's TCP check passes.
        if (code === 'ECONNRESET') {
          timer.markConnect();
          return settle('ok', 'the handshake completed, then the backend reset the connection at once');
        }
        settle(connectErrorOutcome(code), describeError(err));
      },
      onClose: () => settle('error', 'the socket closed before connecting'),
    });
  });
}
