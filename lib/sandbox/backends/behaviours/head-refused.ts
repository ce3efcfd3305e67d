// HEAD is not allowed (405), GET works: the fix is HealthCheckMethod=get.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const headRefused: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    serveHttp(spec, (request) =>
      request.method === 'HEAD'
        ? { kind: 'respond', status: 405, headers: { Allow: 'GET' }, body: 'method not allowed\n' }
        : ok(),
    ),
};
