// FC 2.0 alarm function (HTTP trigger): CloudMonitor's alert callback → an async, scoped run of the audit function.
// Answers at once with JSON; a function that is not configured answers 500 and says nothing more to the caller.
import { readBoundedBody } from '../../lib/alarm/body';
import { handleAlarmRequest, MAX_ALARM_BODY_BYTES, type AlarmHttpResponse } from '../../lib/alarm/handle';
import { alarmDeps } from './settings';
import { UserFacingError, errorMessage } from '../../lib/util/errors';
import { logger, runtimeOf, type FcContext, type FcHttpRequest, type FcHttpResponse } from '../runtime';

export async function handler(req: FcHttpRequest, resp: FcHttpResponse, context: FcContext): Promise<void> {
  const startedAt = Date.now();
  const log = logger(context);
  let response: AlarmHttpResponse;
  try {
    const deps = alarmDeps(runtimeOf(context, startedAt), process.env, log);
    const body = await readBoundedBody(req, MAX_ALARM_BODY_BYTES);
    response = await handleAlarmRequest({ method: req.method, queries: req.queries, headers: req.headers, body }, deps);
  } catch (err) {
    // The caller may be anyone: the details go to the log only.
    log(`alarm function failed: ${errorMessage(err)}`);
    const error = err instanceof UserFacingError ? 'NOT_CONFIGURED' : 'INTERNAL_ERROR';
    response = { status: 500, body: { queued: false, error, message: 'the alarm function cannot handle callbacks now; see its log' } };
  }
  if (response.status >= 400) log(`answered ${response.status} ${String(response.body.error)}`);
  resp.setStatusCode(response.status);
  resp.setHeader('content-type', 'application/json');
  resp.send(JSON.stringify(response.body));
}
