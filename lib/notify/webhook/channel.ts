// Generic webhook: the digest as JSON (lib/notify/webhook/payload.schema.json), optionally signed:
//   X-SLB-Doctor-Timestamp: <epoch ms>
//   X-SLB-Doctor-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
// The timestamp is inside the MAC so that a captured request cannot be replayed later with a fresh timestamp.
import { createHmac } from 'node:crypto';
import { statusFailure } from '../http';
import type { Channel, HttpReply, SendResult } from '../types';
import { webhookBody, webhookParts } from './render';

export const SIGNATURE_HEADER = 'X-SLB-Doctor-Signature';
export const TIMESTAMP_HEADER = 'X-SLB-Doctor-Timestamp';

export function webhookSignature(secret: string, timestampMs: number, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.`, 'utf8').update(body).digest('hex')}`;
}

export function classifyWebhookReply({ host, status, body, retryAfterMs }: HttpReply): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  return statusFailure(host, status, body, retryAfterMs);
}

export const webhookChannel: Channel = {
  kind: 'webhook',
  rateLimits: [{ count: 10, perMs: 1_000 }],
  split: (digest) => webhookParts(digest),
  render(digest, target, wallClockMs) {
    const body = webhookBody(digest);
    const headers: Record<string, string> = {};
    if (target.secret) {
      headers[TIMESTAMP_HEADER] = String(wallClockMs);
      headers[SIGNATURE_HEADER] = webhookSignature(target.secret, wallClockMs, body);
    }
    return { url: target.url, headers, body };
  },
  classify: classifyWebhookReply,
};
