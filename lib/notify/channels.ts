// Every channel behind one Notifier: the registry of target kinds, and each kind's documented rate budget.
import type { RateLimit } from '../util/rate';
import { dingtalkChannel } from './dingtalk/channel';
import { feishuChannel } from './feishu/channel';
import { notifierFor, type SendDeps } from './http';
import { slackChannel } from './slack/channel';
import type { Channel, Notifier, NotifyTarget, TargetKind } from './types';
import { webhookChannel } from './webhook/channel';
import { wecomChannel } from './wecom/channel';

export type { SendDeps } from './http';

const CHANNELS: Record<TargetKind, Channel> = {
  dingtalk: dingtalkChannel,
  slack: slackChannel,
  feishu: feishuChannel,
  wecom: wecomChannel,
  webhook: webhookChannel,
};

export function createNotifier(target: NotifyTarget, deps: SendDeps): Notifier {
  return notifierFor(CHANNELS[target.kind], target, deps);
}

/** Each service's published budget per webhook (docs/notifications.md cites them). */
export const RATE_LIMITS: Record<TargetKind, RateLimit[]> = {
  dingtalk: dingtalkChannel.rateLimits,
  slack: slackChannel.rateLimits,
  feishu: feishuChannel.rateLimits,
  wecom: wecomChannel.rateLimits,
  webhook: webhookChannel.rateLimits,
};
