// Every request is redirected (302) to options.location (default /login), e.g. an auth wall or an HTTPS upgrade.
import type { Behaviour } from '../behaviour';
import { serveHttp } from '../http-behaviour';

export const redirect: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const location = spec.options.location ?? '/login';
    return serveHttp(spec, () => ({ kind: 'respond', status: 302, headers: { Location: location }, body: `see ${location}\n` }));
  },
};
