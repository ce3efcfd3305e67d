// One Notifier per target kind, and each kind's documented rate budget.
import type { RateLimit } from '../../util/rate';
import type { Notifier, NotifyTarget, TargetKind } from '../types';
import { dingtalkNotifier } from './dingtalk';
import { feishuNotifier } from './feishu';
import type { SendDeps } from './http';
import { slackNotifier } from './slack';
import { webhookNotifier } from './webhook';
import { wecomNotifier } from './wecom';

export type { SendDeps } from './http';

export function createNotifier(target: NotifyTarget, deps: SendDeps): Notifier {
  switch (target.kind) {
    case 'dingtalk':
      return dingtalkNotifier(target, deps);
    case 'slack':
      return slackNotifier(target, deps);
    case 'feishu':
      return feishuNotifier(target, deps);
    case 'wecom':
      return wecomNotifier(target, deps);
    case 'webhook':
      return webhookNotifier(target, deps);
  }
}

/** Each service's published budget per webhook (docs/notifications.md cites them). */
export const RATE_LIMITS: Record<TargetKind, RateLimit[]> = {
  dingtalk: [{ count: 20, perMs: 60_000 }],
  wecom: [{ count: 20, perMs: 60_000 }],
  slack: [{ count: 1, perMs: 1_000 }],
  feishu: [
    { count: 5, perMs: 1_000 },
    { count: 100, perMs: 60_000 },
  ],
  webhook: [{ count: 10, perMs: 1_000 }],
};
