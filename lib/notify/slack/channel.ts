// Slack incoming webhook: success is HTTP 200 with the body `ok`; errors are a status plus a short string.
import { fitDigest } from '../digest/fit';
import { statusFailure } from '../http';
import type { Channel, HttpReply, SendResult } from '../types';
import { slackRenderer } from './render';
import { asOneMessage } from '../digest/model';

const PERMANENT_HINT: Record<string, string> = {
  invalid_payload: 'the message was malformed (a bug: please report it)',
  invalid_blocks: 'Slack refused the blocks (a bug in fitting: please report it)',
  no_text: 'the message had no text (a bug: please report it)',
  channel_not_found: 'the webhook\'s channel no longer exists: create a new webhook',
  channel_is_archived: 'the webhook\'s channel is archived: unarchive it or create a new webhook',
  action_prohibited: 'an admin restricted posting to this channel',
  no_service: 'the webhook was removed or disabled: create a new one',
  invalid_token: 'the webhook URL is no longer valid: create a new one',
};

export function classifySlackReply({ host, status, body, retryAfterMs }: HttpReply): SendResult {
  const text = body.trim();
  if (status === 200 && text === 'ok') return { ok: true };
  if (status === 200) return { ok: false, retryable: false, reason: `${host}: HTTP 200 but the reply was "${text.slice(0, 100)}", not "ok"` };
  // Slack asks for a pause with Retry-After; hammering a rate-limited webhook can get the app disabled.
  if (status === 429) return { ok: false, retryable: true, retryAfterMs: retryAfterMs ?? 1000, reason: `${host}: HTTP 429 rate limited` };
  if ([400, 403, 404, 410].includes(status)) {
    const hint = PERMANENT_HINT[text];
    return { ok: false, retryable: false, reason: `${host}: HTTP ${status} ${text.slice(0, 100)}${hint ? `: ${hint}` : ''}` };
  }
  return statusFailure(host, status, body, retryAfterMs);
}

export const slackChannel: Channel = {
  kind: 'slack',
  rateLimits: [{ count: 1, perMs: 1_000 }],
  split: asOneMessage,
  render(digest, target) {
    const { payload } = fitDigest(digest, slackRenderer);
    return { url: target.url, headers: {}, body: JSON.stringify(payload) };
  },
  classify: classifySlackReply,
};
