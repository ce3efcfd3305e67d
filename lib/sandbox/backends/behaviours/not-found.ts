// The health-check page is missing: 404 on every path except "/".
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const notFound: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    serveHttp(spec, (request) => (request.path === '/' ? ok() : { kind: 'respond', status: 404, body: 'not found\n' })),
};
