// DingTalk custom robot (群自定义机器人): signed markdown. HTTP 200 does not mean delivered: the body's errcode does.
import { createHmac } from 'node:crypto';
import { fitDigest } from '../digest/fit';
import { parseReplyObject, statusFailure } from '../http';
import type { Channel, HttpReply, NotifyTarget, SendResult } from '../types';
import { dingtalkRenderer } from './render';
import { asOneMessage } from '../digest/model';

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

/**
 * errcode 310000 is every security refusal (keyword, signing, IP allow-list); its errmsg and the target's own config
 * say which. A robot that requires signing answers an unsigned message with a timestamp complaint, so a missing
 * secret is named before the clock is blamed.
 * https://open.dingtalk.com/document/orgapp/customize-robot-security-settings
 */
function securityHint(errmsg: string, target: NotifyTarget): string {
  const text = errmsg.toLowerCase();
  if (text.includes('keyword')) return 'the robot requires a keyword: add "SLB Doctor" to its keywords (every message contains it) or switch it to signing';
  if (/\bip\b/.test(text)) return "this machine's egress IP is not in the robot's IP allow-list: add it, or switch the robot to signing";
  if (!target.secret) return 'the robot requires signing: add the robot\'s SEC… signing secret as this target\'s "secret"';
  if (text.includes('sign')) return "the signature was refused: set the target's secret to the robot's SEC… signing secret";
  if (text.includes('timestamp')) return "the timestamp was refused: this machine's clock is off by more than an hour";
  return "check the robot's security settings (keyword, signing secret, IP allow-list)";
}

export function classifyDingTalkReply({ host, status, body, retryAfterMs }: HttpReply, target: NotifyTarget): SendResult {
  if (status !== 200) return statusFailure(host, status, body, retryAfterMs);
  const reply = parseReplyObject(body);
  if (!reply || typeof reply.errcode !== 'number') return { ok: false, retryable: false, reason: `${host}: unexpected reply without errcode` };
  const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg : '';
  switch (reply.errcode) {
    case 0:
      return { ok: true };
    case 310000:
      return { ok: false, retryable: false, reason: `${host}: errcode 310000 "${errmsg}": ${securityHint(errmsg, target)}` };
    case 130101:
    case 410100:
      return { ok: false, retryable: true, retryAfterMs: DINGTALK_LOCKOUT_MS, reason: `${host}: errcode ${reply.errcode} "${errmsg}" (sent too fast; the robot is throttled for 10 minutes)` };
    case 460101:
      return { ok: false, retryable: false, reason: `${host}: errcode 460101 "${errmsg}" (message over 20,000 bytes)` };
    default:
      return { ok: false, retryable: false, reason: `${host}: errcode ${reply.errcode} "${errmsg}"` };
  }
}

export const dingtalkChannel: Channel = {
  kind: 'dingtalk',
  // Going over 20 messages a minute throttles the robot for 10 minutes.
  rateLimits: [{ count: 20, perMs: 60_000 }],
  split: asOneMessage,
  render(digest, target, wallClockMs) {
    const { payload } = fitDigest(digest, dingtalkRenderer);
    return { url: dingtalkSignedUrl(target.url, target.secret, wallClockMs), headers: {}, body: JSON.stringify(payload) };
  },
  classify: classifyDingTalkReply,
};
