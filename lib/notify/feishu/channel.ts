// Feishu/Lark custom bot: an interactive card; the signature travels in the body. Success is code 0 in the body.
import { createHmac } from 'node:crypto';
import { fitDigest } from '../digest/fit';
import { parseReplyObject, statusFailure } from '../http';
import type { Channel, HttpReply, SendResult } from '../types';
import { feishuRenderer } from './render';
import { asOneMessage } from '../digest/model';

/** Feishu's limits are 5/s and 100/min; not knowing which one tripped, wait out the longer. */
export const FEISHU_THROTTLE_WAIT_MS = 60_000;

/** base64(HMAC-SHA256(key = `${timestampSeconds}\n${secret}`, message = "")): the key is the string to sign. */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export function classifyFeishuReply({ host, status, body, retryAfterMs }: HttpReply): SendResult {
  if (status !== 200) return statusFailure(host, status, body, retryAfterMs);
  const reply = parseReplyObject(body);
  // Older bots answer StatusCode/StatusMessage, newer ones code/msg (some both).
  const code = typeof reply?.code === 'number' ? reply.code : typeof reply?.StatusCode === 'number' ? reply.StatusCode : null;
  const msg = typeof reply?.msg === 'string' ? reply.msg : typeof reply?.StatusMessage === 'string' ? reply.StatusMessage : '';
  if (code === null) return { ok: false, retryable: false, reason: `${host}: unexpected reply without code` };
  if (code === 0) return { ok: true };
  if (code === 19021) return { ok: false, retryable: false, reason: `${host}: code 19021 "${msg}": set the target's secret to the bot's signing secret (and check this machine's clock)` };
  if (code === 11232) return { ok: false, retryable: true, retryAfterMs: FEISHU_THROTTLE_WAIT_MS, reason: `${host}: code 11232 "${msg}" (throttled)` };
  return { ok: false, retryable: false, reason: `${host}: code ${code} "${msg}"` };
}

export const feishuChannel: Channel = {
  kind: 'feishu',
  rateLimits: [
    { count: 5, perMs: 1_000 },
    { count: 100, perMs: 60_000 },
  ],
  split: asOneMessage,
  render(digest, target, wallClockMs) {
    const { payload } = fitDigest(digest, feishuRenderer);
    const timestamp = Math.floor(wallClockMs / 1000);
    const signature = target.secret ? { timestamp: String(timestamp), sign: feishuSign(target.secret, timestamp) } : {};
    return { url: target.url, headers: {}, body: JSON.stringify({ ...signature, ...payload }) };
  },
  classify: classifyFeishuReply,
};
