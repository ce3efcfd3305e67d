// A request rate limit such as nginx `limit_req` under the steady load of checks: after options.burst answered
// requests (default 1) the next options.refused (default 2) are refused with options.status (503 as limit_req does by
// default, or 429), over and over. Counting requests instead of time keeps the sandbox deterministic.
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const rateLimited: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const burst = spec.options.burst ?? 1;
    const refused = spec.options.refused ?? 2;
    const status = spec.options.status ?? 503;
    if (status !== 503 && status !== 429) throw new BackendConfigError(`${describeEndpoint(spec)}: options.status must be 503 or 429, got ${status}`);
    let served = 0;
    return serveHttp(spec, () => {
      const inBurst = served % (burst + refused) < burst;
      served += 1;
      return inBurst ? ok() : { kind: 'respond', status, body: status === 429 ? 'Too Many Requests\n' : 'limit_req: Service Temporarily Unavailable\n' };
    });
  },
};
