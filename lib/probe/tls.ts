// TLS prober: does this port speak TLS? Handshake only (no verification: we identify, we do not trust),
// reporting protocol, cipher and the certificate's subject and expiry.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ProbeOutcome, ProbeResult, TlsProbeRequest } from '../model';
import { connectErrorOutcome, describeError, emptyResult, errnoOf, invalidTarget, PhaseTimer } from './result';

// tls.connect builds a new SecureContext per connection unless given one (about 0.4 ms of CPU each, measured on Node
// 20); every probe uses the same settings, so one context serves them all. It holds no session: Node's client
// resumes a session only when one is passed in (`session`), so each probe still does a full handshake.
// An empty `ca` list: without one, the context loads Node's whole root store (about 140 certificates), which took
// 236 ms of CPU in one probe instance of a 1,000-LB audit (of its 1.0 s in all), and a probe that does not verify has
// no use for it. The certificate it reports (getPeerCertificate) is the same.
let sharedSecureContext: tls.SecureContext | null = null;
function probeSecureContext(): tls.SecureContext {
  sharedSecureContext ??= tls.createSecureContext({ ca: [] });
  return sharedSecureContext;
}

export function probeTls(request: TlsProbeRequest): Promise<ProbeResult> {
  const timer = new PhaseTimer();
  const invalid = invalidTarget(request);
  if (invalid !== null) return Promise.resolve(emptyResult(request, 'error', invalid, timer.timings(false)));
  return new Promise<ProbeResult>((resolve) => {
    // SNI must be a host name, never an IP literal.
    const servername = request.serverName !== null && net.isIP(request.serverName) === 0 ? request.serverName : undefined;
    const socket = tls.connect({ host: request.ip, port: request.port, servername, rejectUnauthorized: false, secureContext: probeSecureContext() });
    let settled = false;
    let connected = false;
    const settle = (outcome: ProbeOutcome, detail: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve(emptyResult(request, outcome, detail, timer.timings(false)));
    };
    const deadline = setTimeout(() => {
      if (connected) settle('response_timeout', `connected, but no TLS handshake within ${request.timeoutMs} ms`);
      else settle('connect_timeout', `no TCP connection within ${request.timeoutMs} ms`);
    }, request.timeoutMs);
    socket.on('connect', () => {
      connected = true;
      timer.markConnect();
    });
    socket.on('secureConnect', () => {
      timer.markFirstByte();
      settle('ok', describeSession(socket));
    });
    socket.on('error', (err) => {
      if (!connected) settle(connectErrorOutcome(errnoOf(err)), describeError(err));
      else settle('tls_handshake_failed', describeError(err));
    });
    socket.on('close', () => settle('tls_handshake_failed', 'the connection closed during the TLS handshake'));
  });
}

function describeSession(socket: tls.TLSSocket): string {
  const parts = [socket.getProtocol() ?? 'TLS', socket.getCipher()?.name ?? 'unknown cipher'];
  const cert = socket.getPeerCertificate();
  if (cert && Object.keys(cert).length > 0) {
    const subject = cert.subject?.CN ? `CN=${cert.subject.CN}` : 'no CN';
    const expires = Number.isNaN(Date.parse(cert.valid_to)) ? cert.valid_to : new Date(cert.valid_to).toISOString().slice(0, 10);
    parts.push(`certificate ${subject}, expires ${expires}`);
  }
  return parts.join(', ');
}
