// Generic webhook: the digest as JSON (lib/notify/webhook-payload.schema.json), optionally signed:
//   X-SLB-Doctor-Timestamp: <epoch ms>
//   X-SLB-Doctor-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
// The timestamp is inside the MAC so that a captured request cannot be replayed later with a fresh timestamp.
import { createHmac } from 'node:crypto';
import { webhookPayload } from '../digest/webhook';
import type { Notifier, NotifyTarget, SendResult } from '../types';
import { hostOf, postJson, statusFailure, type SendDeps } from './http';

export const SIGNATURE_HEADER = 'X-SLB-Doctor-Signature';
export const TIMESTAMP_HEADER = 'X-SLB-Doctor-Timestamp';

export function webhookSignature(secret: string, timestampMs: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${body}`, 'utf8').digest('hex')}`;
}

export function classifyWebhookReply(host: string, status: number, body: string, retryAfterMs: number | null): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  return statusFailure(host, status, body, retryAfterMs);
}

export function webhookNotifier(target: NotifyTarget, deps: SendDeps): Notifier {
  return {
    target,
    async send(digest, signal) {
      const body = JSON.stringify(webhookPayload(digest));
      const headers: Record<string, string> = {};
      if (target.secret) {
        const timestamp = deps.wallClock();
        headers[TIMESTAMP_HEADER] = String(timestamp);
        headers[SIGNATURE_HEADER] = webhookSignature(target.secret, timestamp, body);
      }
      const reply = await postJson(deps, target.url, body, headers, signal);
      if (!reply.ok) return reply.failure;
      return { ...classifyWebhookReply(hostOf(target.url), reply.status, reply.body, reply.retryAfterMs), bytes: Buffer.byteLength(body, 'utf8') };
    },
  };
}
