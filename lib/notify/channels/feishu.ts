// Feishu/Lark custom bot: an interactive card; the signature travels in the body. Success is code 0 in the body.
import { createHmac } from 'node:crypto';
import { feishuRenderer } from '../digest/feishu';
import { fitDigest } from '../digest/fit';
import type { Notifier, NotifyTarget, SendResult } from '../types';
import { hostOf, parseReplyObject, postJson, statusFailure, type SendDeps } from './http';

/** Feishu's limits are 5/s and 100/min; not knowing which one tripped, wait out the longer. */
export const FEISHU_THROTTLE_WAIT_MS = 60_000;

/** base64(HMAC-SHA256(key = `${timestampSeconds}\n${secret}`, message = "")): the key is the string to sign. */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export function classifyFeishuReply(host: string, status: number, body: string, retryAfterMs: number | null): SendResult {
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

export function feishuNotifier(target: NotifyTarget, deps: SendDeps): Notifier {
  return {
    target,
    async send(digest, signal) {
      const { payload } = fitDigest(digest, feishuRenderer);
      const timestamp = Math.floor(deps.wallClock() / 1000);
      const signature = target.secret ? { timestamp: String(timestamp), sign: feishuSign(target.secret, timestamp) } : {};
      const body = JSON.stringify({ ...signature, ...payload });
      const reply = await postJson(deps, target.url, body, {}, signal);
      if (!reply.ok) return reply.failure;
      return { ...classifyFeishuReply(hostOf(target.url), reply.status, reply.body, reply.retryAfterMs), bytes: Buffer.byteLength(body, 'utf8') };
    },
  };
}
