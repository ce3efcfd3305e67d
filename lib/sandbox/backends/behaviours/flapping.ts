// Cycles through options.pattern per request (default "ok,fail"): ok → 200, fail → 503, hang → no answer. SLB's
// checker (sources in 127.100.64.0/24) and everyone else walk the pattern separately, so that SLB sees the same
// sequence however many probes others send: a pattern without two passes in a row keeps SLB's verdict abnormal.
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { ok, serveHttp, type HttpAnswer } from '../http-behaviour';
import { MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

const STEPS: Readonly<Record<string, HttpAnswer>> = {
  ok: ok(),
  fail: { kind: 'respond', status: 503, body: 'flapping: down this time\n' },
  hang: { kind: 'hold' },
};

/** 127.100.64.0/24, the sandbox's stand-in for 100.64.0.0/10. */
const SLB_SOURCE_PREFIX = '127.100.64.';

export const flapping: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const pattern = (spec.options.pattern ?? 'ok,fail').split(',').map((step) => step.trim());
    const steps = pattern.map((step) => STEPS[step]);
    if (steps.length === 0 || steps.length > 1000 || steps.some((step) => step === undefined)) {
      throw new BackendConfigError(
        `${describeEndpoint(spec)}: options.pattern must be 1–1000 comma-separated steps of ok|fail|hang, got "${spec.options.pattern ?? ''}"`,
      );
    }
    const servedBySource = new Map<string, number>();
    return serveHttp(
      spec,
      (_request, socket) => {
        const source = (socket.remoteAddress ?? '').replace(/^::ffff:/, '').startsWith(SLB_SOURCE_PREFIX) ? 'slb' : 'others';
        const served = servedBySource.get(source) ?? 0;
        servedBySource.set(source, served + 1);
        return steps[served % steps.length] as HttpAnswer;
      },
      { idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS },
    );
  },
};
