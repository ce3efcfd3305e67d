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
 * V8 flags for a probe instance, which warms up on its own and is done with a sweep within a few thousand probes, so
 * that its own JIT warm-up is a large part of what it spends (docs/performance.md, "Fifth look"):
 * - V8 optimizes a function once it has run through its interrupt budget of bytecode (66 KB by default in Node 20's
 *   V8, `node --v8-options`). At 16 KB the hot code is optimized sooner: replayed at a captured sweep's pace, the same
 *   sweep batches cost 18 % less CPU (the whole sweep audit 10 %).
 * - The optimizing compiler then takes about a quarter of the instance's CPU (perf, session 27). Half of TurboFan's
 *   cumulative inlining budget (920 bytes of bytecode by default) keeps its compile units smaller: the sweep audit's
 *   probe instances used 7.6 % less CPU on average in six interleaved comparisons, from +5 % to −14 %
 *   (docs/performance.md, session 28).
 * Set when the module loads, before the first invocation's code runs (https://nodejs.org/api/v8.html#v8setflagsfromstringflags).
 */
const PROBE_V8_FLAGS = ['--interrupt-budget=16384', '--max-inlined-bytecode-size-cumulative=460'];
for (const flag of PROBE_V8_FLAGS) setFlagsFromString(flag);

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
