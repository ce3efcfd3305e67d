// A web-server source allow-list (nginx `allow 10.0.0.0/8; deny all;`, Apache `Require ip 10.0.0.0/8`) that leaves out
// SLB's health-check source: sources in 127.100.64.0/24 (the sandbox's 100.64.0.0/10) get 403, everyone else 200.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

/** 127.100.64.0/24, the sandbox's stand-in for 100.64.0.0/10. */
const SLB_SOURCE_PREFIX = '127.100.64.';

export const slbSourceForbidden: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    serveHttp(spec, (_request, socket) =>
      (socket.remoteAddress ?? '').replace(/^::ffff:/, '').startsWith(SLB_SOURCE_PREFIX) ? { kind: 'respond', status: 403, body: '403 Forbidden\n' } : ok(),
    ),
};
