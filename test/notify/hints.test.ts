// A refusal says what to fix, from the reply and the target's own config: DingTalk's errcode 310000 covers keyword,
// signing and IP allow-list alike, so the hint names the likely one before blaming the clock.
import { classifyDingTalkReply } from '../../lib/notify/dingtalk/channel';
import { memoryNotifyStateStore, notifyRun, parseTargets, type NotifyReport } from '../../lib/notify';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { VirtualClock } from './clock';
import { makeFinding, wholeRegion } from './fixtures';

async function deliverTo(sinks: WebhookSinks, entry: Record<string, unknown>): Promise<NotifyReport> {
  const { targets, errors } = parseTargets(JSON.stringify([{ name: 'ding', kind: 'dingtalk', url: sinks.urls.dingtalk, ...entry }]), 't');
  expect(errors).toEqual([]);
  return notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store: memoryNotifyStateStore(), clock: new VirtualClock() });
}

describe('DingTalk 310000 hints', () => {
  it('a robot that requires signing, with no secret configured: "add secret", not the clock', async () => {
    const sinks = await startWebhookSinks({});
    try {
      const report = await deliverTo(sinks, {});
      expect(report.targets[0]).toMatchObject({ status: 'failed', attempts: 1 });
      expect(report.targets[0]!.reason).toMatch(/errcode 310000 "invalid timestamp": the robot requires signing: add the robot's SEC… signing secret as this target's "secret"/);
      expect(report.targets[0]!.reason).not.toMatch(/clock/);
    } finally {
      await sinks.stop();
    }
  });

  it('a robot secured by a keyword the messages lack: names the keyword setting', async () => {
    const sinks = await startWebhookSinks({ dingtalk: { secret: null, keyword: 'deploy-alerts' } });
    try {
      const report = await deliverTo(sinks, {});
      expect(report.targets[0]!.reason).toMatch(/errcode 310000 "keywords not in content": the robot requires a keyword: add "SLB Doctor" to its keywords/);
    } finally {
      await sinks.stop();
    }
  });

  it('a configured but wrong secret: names the secret', async () => {
    const sinks = await startWebhookSinks({});
    try {
      const report = await deliverTo(sinks, { secret: 'SECwrong' });
      expect(report.targets[0]!.reason).toMatch(/errcode 310000 "sign not match.*set the target's secret to the robot's SEC… signing secret/);
    } finally {
      await sinks.stop();
    }
  });

  it('an egress IP outside the allow-list: names the allow-list', () => {
    const { targets } = parseTargets(JSON.stringify([{ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t' }]), 't');
    const result = classifyDingTalkReply({ host: 'oapi.dingtalk.com', status: 200, body: JSON.stringify({ errcode: 310000, errmsg: 'ip 203.0.113.7 not in whitelist' }), retryAfterMs: null }, targets[0]!);
    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/egress IP is not in the robot's IP allow-list/) });
  });
});
