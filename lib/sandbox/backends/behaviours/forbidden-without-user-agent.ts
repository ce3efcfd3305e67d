// A WAF or nginx rule (`if ($http_user_agent = "") { return 403; }`) that refuses requests without a User-Agent:
// HTTP and HTTPS listeners' checks send none, so SLB gets 403 while any browser or curl gets 200.
import type { Behaviour } from '../behaviour';
import { ok, serveHttp } from '../http-behaviour';

export const forbiddenWithoutUserAgent: Behaviour = {
  protocol: 'tcp',
  start: (spec) =>
    serveHttp(spec, (request) => ((request.headers.get('user-agent') ?? '').trim() === '' ? { kind: 'respond', status: 403, body: 'Forbidden\n' } : ok())),
};
