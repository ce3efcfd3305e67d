// Accepts and reads, but never answers.
import type { Behaviour } from '../behaviour';
import { serveHttp } from '../http-behaviour';
import { MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

export const hang: Behaviour = {
  protocol: 'tcp',
  start: (spec) => serveHttp(spec, () => ({ kind: 'hold' }), { idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS }),
};
