// WeCom (企业微信) group robot: markdown; the key in the URL is the only secret. Success is errcode 0.
import { fitDigest } from '../digest/fit';
import { parseReplyObject, statusFailure } from '../http';
import type { Channel, HttpReply, SendResult } from '../types';
import { wecomRenderer } from './render';
import { asOneMessage } from '../digest/model';

/** 20 messages per minute: after 45009 the window has to roll over. */
export const WECOM_THROTTLE_WAIT_MS = 60_000;

export function classifyWeComReply({ host, status, body, retryAfterMs }: HttpReply): SendResult {
  if (status !== 200) return statusFailure(host, status, body, retryAfterMs);
  const reply = parseReplyObject(body);
  if (!reply || typeof reply.errcode !== 'number') return { ok: false, retryable: false, reason: `${host}: unexpected reply without errcode` };
  const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg.split(',')[0] : '';
  if (reply.errcode === 0) return { ok: true };
  if (reply.errcode === 45009) return { ok: false, retryable: true, retryAfterMs: WECOM_THROTTLE_WAIT_MS, reason: `${host}: errcode 45009 "${errmsg}" (over 20 messages a minute)` };
  if (reply.errcode === 93000) return { ok: false, retryable: false, reason: `${host}: errcode 93000 "${errmsg}": the robot's key is invalid; copy the webhook URL again` };
  return { ok: false, retryable: false, reason: `${host}: errcode ${reply.errcode} "${errmsg}"` };
}

export const wecomChannel: Channel = {
  kind: 'wecom',
  rateLimits: [{ count: 20, perMs: 60_000 }],
  split: asOneMessage,
  render(digest, target) {
    const { payload } = fitDigest(digest, wecomRenderer);
    return { url: target.url, headers: {}, body: JSON.stringify(payload) };
  },
  classify: classifyWeComReply,
};
