// The application insists on a Host header: 400 without one.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const needsHost: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    serveHttp(spec, (request) =>
      request.headers.get('host') ? ok() : { kind: 'respond', status: 400, body: 'missing Host header\n' },
    ),
};
