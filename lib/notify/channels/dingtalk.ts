// DingTalk custom robot (群自定义机器人): signed markdown. HTTP 200 does not mean delivered: the body's errcode does.
import { createHmac } from 'node:crypto';
import { dingtalkRenderer } from '../digest/dingtalk';
import { fitDigest } from '../digest/fit';
import type { Notifier, NotifyTarget, SendResult } from '../types';
import { hostOf, parseReplyObject, postJson, statusFailure, type SendDeps } from './http';

/** Going over 20 messages a minute throttles the robot for 10 minutes. */
export const DINGTALK_LOCKOUT_MS = 10 * 60 * 1000;

/** base64(HMAC-SHA256(key = secret, message = `${timestampMs}\n${secret}`)); URL-encoding happens when appended. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export function dingtalkSignedUrl(url: string, secret: string | null, timestampMs: number): string {
  if (!secret) return url;
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestampMs));
  signed.searchParams.set('sign', dingtalkSign(secret, timestampMs));
  return signed.toString();
}

/** errcode 310000's errmsg says which security setting refused the message. */
function securityHint(errmsg: string): string {
  const text = errmsg.toLowerCase();
  if (text.includes('keyword')) return 'the robot requires a keyword: add "SLB Doctor" to its keywords (every message contains it) or switch it to signing';
  if (text.includes('sign')) return "the signature was refused: set the target's secret to the robot's SEC… signing secret";
  if (text.includes('timestamp')) return "the timestamp was refused: this machine's clock is off by more than an hour";
  if (text.includes('ip')) return "this function's egress IP is not in the robot's IP allow-list";
  return 'check the robot\'s security settings (keyword, signing secret, IP allow-list)';
}

export function classifyDingTalkReply(host: string, status: number, body: string, retryAfterMs: number | null): SendResult {
  if (status !== 200) return statusFailure(host, status, body, retryAfterMs);
  const reply = parseReplyObject(body);
  if (!reply || typeof reply.errcode !== 'number') return { ok: false, retryable: false, reason: `${host}: unexpected reply without errcode` };
  const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg : '';
  switch (reply.errcode) {
    case 0:
      return { ok: true };
    case 310000:
      return { ok: false, retryable: false, reason: `${host}: errcode 310000 "${errmsg}": ${securityHint(errmsg)}` };
    case 130101:
    case 410100:
      return { ok: false, retryable: true, retryAfterMs: DINGTALK_LOCKOUT_MS, reason: `${host}: errcode ${reply.errcode} "${errmsg}" (sent too fast; the robot is throttled for 10 minutes)` };
    case 460101:
      return { ok: false, retryable: false, reason: `${host}: errcode 460101 "${errmsg}" (message over 20,000 bytes)` };
    default:
      return { ok: false, retryable: false, reason: `${host}: errcode ${reply.errcode} "${errmsg}"` };
  }
}

export function dingtalkNotifier(target: NotifyTarget, deps: SendDeps): Notifier {
  return {
    target,
    async send(digest, signal) {
      const { payload } = fitDigest(digest, dingtalkRenderer);
      const body = JSON.stringify(payload);
      const bytes = Buffer.byteLength(body, 'utf8');
      const host = hostOf(target.url);
      const reply = await postJson(deps, dingtalkSignedUrl(target.url, target.secret, deps.wallClock()), body, {}, signal);
      if (!reply.ok) return reply.failure;
      return { ...classifyDingTalkReply(host, reply.status, reply.body, reply.retryAfterMs), bytes };
    },
  };
}
