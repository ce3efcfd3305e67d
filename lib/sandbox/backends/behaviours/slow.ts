// A valid 200, but only after options.delayMs (default 10 s, past SLB's default 5 s timeout).
import { delayOption, type Behaviour } from '../behaviour';
import { serveHttp } from '../http-behaviour';
import { MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

export const slow: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const delayMs = delayOption(spec, 10_000);
    return serveHttp(spec, () => ({ kind: 'respond', status: 200, body: 'ok, eventually\n', delayMs }), {
      idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS,
    });
  },
};
