// FC 2.0 probe function, attached to one VPC: probes a batch of backends from inside it, refusing any target outside
// SLB_DOCTOR_PROBE_ALLOWED_CIDRS, and answers {evidence}.
import { setFlagsFromString } from 'node:v8';
import { readProbeSettings } from './settings';
import { runProbeBatch } from '../../lib/fanout/probe-batch';
import type { ProbeBatchResponse } from '../../lib/fanout/protocol';
import { collectEvidence } from '../../lib/probe/evidence';
import { ProbeScheduler } from '../../lib/probe/scheduler';
import { systemClock } from '../../lib/util/clock';
import { jsonEvent, logger, runtimeOf, type FcContext } from '../runtime';

/**
 * V8 optimizes a function once it has run through this much bytecode (its interrupt budget; V8's default is 132 KB,
 * src/flags/flag-definitions.h). Each probe instance warms up on its own, and a sweep is over within a few thousand
 * probes per instance, so at the default much of it runs before its hot functions are optimized: replayed at a captured
 * sweep's pace, the same sweep batches cost 29 % less CPU on an instance that had already run them twice, and 18 % less
 * (the whole sweep audit 10 %) with a budget of 16 KB (docs/performance.md, "Fifth look"). Set when the module loads,
 * before the first invocation's code runs (https://nodejs.org/api/v8.html#v8setflagsfromstringflags).
 */
export const PROBE_INTERRUPT_BUDGET_FLAG = '--interrupt-budget=16384';
setFlagsFromString(PROBE_INTERRUPT_BUDGET_FLAG);

// One scheduler per instance, shared by the invocations it runs at once (InstanceConcurrency): its limits, probes in
// flight and connections per backend, hold for the whole instance.
let instanceScheduler: ProbeScheduler | null = null;

export async function handler(event: Buffer, context: FcContext): Promise<ProbeBatchResponse> {
  const startedAt = Date.now();
  const settings = readProbeSettings(runtimeOf(context, startedAt), process.env);
  instanceScheduler ??= new ProbeScheduler({ concurrency: settings.concurrency });
  const scheduler = instanceScheduler;
  const outcome = await runProbeBatch(jsonEvent(event, 'the probe request'), {
    allowedCidrs: settings.allowedCidrs,
    collect: (job) => collectEvidence(job, scheduler),
    concurrency: settings.concurrency,
    deadlineAt: settings.deadlineAt,
    clock: systemClock,
  });
  logger(context)(
    `probed ${outcome.evidence.length - outcome.refused} job(s), refused ${outcome.refused}, left out ${outcome.leftOut}; at most ${scheduler.peakConnectionsToOneBackend()} connection(s) to one backend so far`,
  );
  return { evidence: outcome.evidence };
}
