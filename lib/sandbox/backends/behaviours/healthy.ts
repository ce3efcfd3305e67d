// 200 to every method on every path.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const healthy: Behaviour = {
  protocol: 'tcp',
  start: (spec) => serveHttp(spec, () => ok()),
};
