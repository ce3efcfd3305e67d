// Always answers options.status (401, 403, 500, 503 …).
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { serveHttp } from '../http-behaviour';

export const status: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const code = spec.options.status;
    if (code === undefined || !Number.isInteger(code) || code < 200 || code > 599) {
      throw new BackendConfigError(`${describeEndpoint(spec)}: options.status must be an final HTTP status code 200–599, got ${String(code)}`);
    }
    return serveHttp(spec, () => ({ kind: 'respond', status: code, body: `status ${code}\n` }));
  },
};
