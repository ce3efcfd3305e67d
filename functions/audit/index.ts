// FC 2.0 audit function: a timer event or an async invocation (from the alarm function) → one audit run.
import { deliverAuditNotices, runAuditForDelivery } from '../../lib/audit/run';
import { invocationResult, type AuditInvocationResult } from '../../lib/audit/invocation-result';
import { parseAuditEvent } from '../../lib/audit/request';
import { errorMessage } from '../../lib/util/errors';
import { logger, runtimeOf, type FcContext } from '../runtime';
import { planAuditRun } from './plan';

export async function handler(event: Buffer, context: FcContext): Promise<AuditInvocationResult> {
  const startedAt = Date.now();
  const log = logger(context);
  try {
    const request = parseAuditEvent(event);
    const plan = await planAuditRun(request, runtimeOf(context, startedAt), process.env, log);
    log(`audit of ${plan.options.scope.regionId} started (${request.trigger ?? 'direct invocation'})`);
    const { summary, examined, backendsPerListener, delivery } = await runAuditForDelivery(plan.options);
    const notify = await deliverAuditNotices({ summary, examined, backendsPerListener, delivery }, { onProgress: log });
    const result = invocationResult({ ...summary, notify }, request, plan.fanout);
    log(`audit ${result.runId}: ${result.covered.length} covered, ${result.uncovered.length} not covered, ${result.findingCount} finding(s)`);
    return result;
  } catch (err) {
    // Thrown on: FC records the invocation as failed with this message; the log line says it in our words.
    log(`audit failed: ${errorMessage(err)}`);
    throw err;
  }
}
