// A local reverse proxy (nginx upstream, haproxy) round-robins between two application processes and one of them is
// dead: answers alternate 200 and 502 Bad Gateway, request by request.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const deadUpstreamMember: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    let served = 0;
    return serveHttp(spec, () => {
      served += 1;
      return served % 2 === 1 ? ok() : { kind: 'respond', status: 502, body: '502 Bad Gateway: upstream 127.0.0.1:9002 connection refused\n' };
    });
  },
};
