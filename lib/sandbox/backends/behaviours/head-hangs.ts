// HEAD never gets an answer, GET gets 200.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';
import { MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

export const headHangs: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    serveHttp(spec, (request) => (request.method === 'HEAD' ? { kind: 'hold' } : ok()), {
      idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS,
    }),
};
