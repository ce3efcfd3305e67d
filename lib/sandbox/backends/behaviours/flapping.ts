// Cycles through options.pattern per request (default "ok,fail"): ok → 200, fail → 503, hang → no answer.
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { ok, serveHttp, type HttpAnswer } from '../http-behaviour';
import { MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

const STEPS: Readonly<Record<string, HttpAnswer>> = {
  ok: ok(),
  fail: { kind: 'respond', status: 503, body: 'flapping: down this time\n' },
  hang: { kind: 'hold' },
};

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
    let served = 0;
    return serveHttp(
      spec,
      () => {
        const step = steps[served % steps.length] as HttpAnswer;
        served += 1;
        return step;
      },
      { idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS },
    );
  },
};
