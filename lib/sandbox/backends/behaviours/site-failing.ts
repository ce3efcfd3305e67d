// A name-based virtual host whose application fails: Host options.domain gets 500 (the site exists, its code
// crashes), every other Host reaches another site that answers 200. The Host contrast must not read as HOST_REJECTED.
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';
import { hostName } from '../http-wire';

export const siteFailing: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const domain = spec.options.domain?.trim().toLowerCase();
    if (!domain) throw new BackendConfigError(`${describeEndpoint(spec)}: set options.domain to the failing site's server_name`);
    return serveHttp(spec, (request) =>
      hostName(request) === domain ? { kind: 'respond', status: 500, body: 'Internal Server Error: the application crashed\n' } : ok('another site\n'),
    );
  },
};
