// WeCom (企业微信) group robot: markdown; the key in the URL is the only secret. Success is errcode 0.
import { fitDigest } from '../digest/fit';
import { wecomRenderer } from '../digest/wecom';
import type { Notifier, NotifyTarget, SendResult } from '../types';
import { hostOf, parseReplyObject, postJson, statusFailure, type SendDeps } from './http';

/** 20 messages per minute: after 45009 the window has to roll over. */
export const WECOM_THROTTLE_WAIT_MS = 60_000;

export function classifyWeComReply(host: string, status: number, body: string, retryAfterMs: number | null): SendResult {
  if (status !== 200) return statusFailure(host, status, body, retryAfterMs);
  const reply = parseReplyObject(body);
  if (!reply || typeof reply.errcode !== 'number') return { ok: false, retryable: false, reason: `${host}: unexpected reply without errcode` };
  const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg.split(',')[0] : '';
  if (reply.errcode === 0) return { ok: true };
  if (reply.errcode === 45009) return { ok: false, retryable: true, retryAfterMs: WECOM_THROTTLE_WAIT_MS, reason: `${host}: errcode 45009 "${errmsg}" (over 20 messages a minute)` };
  if (reply.errcode === 93000) return { ok: false, retryable: false, reason: `${host}: errcode 93000 "${errmsg}": the robot's key is invalid; copy the webhook URL again` };
  return { ok: false, retryable: false, reason: `${host}: errcode ${reply.errcode} "${errmsg}"` };
}

export function wecomNotifier(target: NotifyTarget, deps: SendDeps): Notifier {
  return {
    target,
    async send(digest, signal) {
      const { payload } = fitDigest(digest, wecomRenderer);
      const body = JSON.stringify(payload);
      const reply = await postJson(deps, target.url, body, {}, signal);
      if (!reply.ok) return reply.failure;
      return { ...classifyWeComReply(hostOf(target.url), reply.status, reply.body, reply.retryAfterMs), bytes: Buffer.byteLength(body, 'utf8') };
    },
  };
}
