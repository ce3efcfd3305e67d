// FC 2.0 probe function, attached to one VPC: probes a batch of backends from inside it, refusing any target outside
// SLB_DOCTOR_PROBE_ALLOWED_CIDRS, and answers {evidence}.
import { readProbeSettings } from './settings';
import { runProbeBatch } from '../../lib/fanout/probe-batch';
import type { ProbeBatchResponse } from '../../lib/fanout/protocol';
import { collectEvidence } from '../../lib/probe/evidence';
import { ProbeScheduler } from '../../lib/probe/scheduler';
import { systemClock } from '../../lib/util/clock';
import { jsonEvent, logger, runtimeOf, type FcContext } from '../runtime';

export async function handler(event: Buffer, context: FcContext): Promise<ProbeBatchResponse> {
  const startedAt = Date.now();
  const settings = readProbeSettings(runtimeOf(context, startedAt), process.env);
  const scheduler = new ProbeScheduler({ concurrency: settings.concurrency });
  const outcome = await runProbeBatch(jsonEvent(event, 'the probe request'), {
    allowedCidrs: settings.allowedCidrs,
    collect: (job) => collectEvidence(job, scheduler),
    concurrency: settings.concurrency,
    deadlineAt: settings.deadlineAt,
    clock: systemClock,
  });
  logger(context)(`probed ${outcome.evidence.length - outcome.refused} job(s), refused ${outcome.refused}, left out ${outcome.leftOut}`);
  return { evidence: outcome.evidence };
}
