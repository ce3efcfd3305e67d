// The alarm function's logic: authenticate, bound, parse, then queue one audit scoped to the alarming load balancer
// and port, and answer at once (CloudMonitor waits 5 s and retries 3 times). Every rejection is a 4xx with a JSON
// body saying why, and queues nothing.
import type { AuditRequest } from '../audit/request';
import { errorMessage } from '../util/errors';
import { tokenMatches } from './auth';
import { AlarmRequestError, assertFresh, parseAlarmCallback, scopeOfAlarm } from './callback';

export const MAX_ALARM_BODY_BYTES = 64 * 1024;

export interface AlarmHttpRequest {
  method: string;
  queries: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  /** The body, or 'too-large' when it exceeded MAX_ALARM_BODY_BYTES (reading stopped there). */
  body: Buffer | 'too-large';
}

export interface AlarmHttpResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface AlarmDeps {
  expectedToken: string;
  /** Queues an asynchronous audit run; resolves once it is accepted. */
  queueAudit: (request: AuditRequest) => Promise<{ requestId: string | null }>;
  log?: (line: string) => void;
  /** Epoch milliseconds now, for the replay window (default Date.now). */
  now?: () => number;
}

function single(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value.length === 1 ? (value[0] ?? null) : null;
  return value ?? null;
}

function reject(status: number, error: string, message: string): AlarmHttpResponse {
  return { status, body: { queued: false, error, message } };
}

export async function handleAlarmRequest(request: AlarmHttpRequest, deps: AlarmDeps): Promise<AlarmHttpResponse> {
  if (!tokenMatches(single(request.queries.token), deps.expectedToken)) {
    return reject(401, 'UNAUTHENTICATED', 'missing or wrong ?token= in the callback URL');
  }
  if (request.method.toUpperCase() !== 'POST') return reject(405, 'METHOD_NOT_ALLOWED', 'CloudMonitor callbacks are POST requests');
  if (request.body === 'too-large') return reject(413, 'BODY_TOO_LARGE', `body exceeds ${MAX_ALARM_BODY_BYTES} bytes`);

  let scope;
  let alarm;
  try {
    alarm = parseAlarmCallback(request.body, single(request.headers['content-type']));
    assertFresh(alarm, (deps.now ?? Date.now)());
    scope = scopeOfAlarm(alarm);
  } catch (err) {
    if (err instanceof AlarmRequestError) return reject(err.status, err.code, err.message);
    throw err;
  }
  if (alarm.alertState === 'INSUFFICIENT_DATA') {
    return { status: 200, body: { queued: false, reason: 'INSUFFICIENT_DATA carries no verdict; nothing to examine', loadBalancerId: scope.loadBalancerId } };
  }

  // ALERT finds out why; OK runs too, so that findings of this listener resolve without waiting for the timer.
  // An alarm from another region audits that region, not the function's own.
  const auditRequest: AuditRequest = {
    ...(alarm.regionId ? { regionId: alarm.regionId } : {}),
    loadBalancerIds: [scope.loadBalancerId],
    ...(scope.listener ? { listener: scope.listener } : {}),
    trigger: `alarm ${alarm.alertState}${alarm.alertName ? ` '${alarm.alertName}'` : ''}${alarm.transId ? ` (transId ${alarm.transId})` : ''}`.slice(0, 200),
  };
  try {
    const { requestId } = await deps.queueAudit(auditRequest);
    deps.log?.(`queued audit ${requestId ?? '(no request id)'} for ${scope.loadBalancerId}${scope.listener ? `:${scope.listener.port}` : ''} (${alarm.alertState})`);
    return {
      status: 202,
      body: {
        queued: true,
        requestId,
        alertState: alarm.alertState,
        regionId: alarm.regionId,
        loadBalancerId: scope.loadBalancerId,
        listenerPort: scope.listener?.port ?? null,
      },
    };
  } catch (err) {
    deps.log?.(`could not queue the audit for ${scope.loadBalancerId}: ${errorMessage(err)}`);
    // 503 makes CloudMonitor retry the callback.
    return reject(503, 'AUDIT_NOT_QUEUED', `could not queue the audit: ${errorMessage(err)}`);
  }
}
