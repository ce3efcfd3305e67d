// An nginx default server: only requests whose Host is options.domain reach the site; the rest (an IP, none) get 404.
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';
import { hostName } from '../http-wire';

export const defaultServer: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const domain = spec.options.domain?.trim().toLowerCase();
    if (!domain) throw new BackendConfigError(`${describeEndpoint(spec)}: set options.domain to the site's server_name`);
    return serveHttp(spec, (request) =>
      hostName(request) === domain ? ok() : { kind: 'respond', status: 404, body: 'default server: no such site\n' },
    );
  },
};
