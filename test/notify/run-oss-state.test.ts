// notifyRun end to end with its state in the OSS emulator, as the FC audit function runs it.
import OSS from 'ali-oss';
import { notifyRun, openNotifyStateStore, parseTargets } from '../../lib/notify';
import { startOssEmulator, type OssEmulator } from '../../lib/sandbox/oss';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { VirtualClock } from './clock';
import { makeFinding, wholeRegion } from './fixtures';

const KEY = { accessKeyId: 'STS.notify', accessKeySecret: 'notify-secret', securityToken: 'token-1' };

describe('notifyRun with oss:// state', () => {
  let oss: OssEmulator;
  let sinks: WebhookSinks;
  const clock = new VirtualClock();
  beforeAll(async () => {
    oss = await startOssEmulator({ credentials: KEY });
    sinks = await startWebhookSinks({ clock });
  });
  afterAll(async () => {
    await Promise.all([oss.stop(), sinks.stop()]);
  });

  it('remembers across runs (each run opens the store afresh, like a new FC invocation) and reports recovered corruption', async () => {
    const { targets } = parseTargets(JSON.stringify([{ name: 'ding', kind: 'dingtalk', url: sinks.urls.dingtalk, secret: sinks.secrets.dingtalk }]), 't');
    const runOnce = () => {
      clock.advance(5 * 60_000);
      const store = openNotifyStateStore('oss://doctor/state.json', { credentials: KEY, ossEndpoint: oss.endpoint });
      return notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock });
    };
    expect((await runOnce()).state.warnings).toEqual(['state oss://doctor/state.json does not exist yet: starting with empty state']);
    expect((await runOnce()).targets[0]!.status).toBe('idle');
    expect(sinks.received('dingtalk')).toHaveLength(1);

    await new OSS({ accessKeyId: KEY.accessKeyId, accessKeySecret: KEY.accessKeySecret, stsToken: KEY.securityToken, refreshSTSTokenInterval: 3_600_000, bucket: 'doctor', endpoint: oss.endpoint }).put('state.json', Buffer.from('{"version":1,'));
    const recovered = await runOnce();
    expect(recovered.state.warnings.join('\n')).toMatch(/was corrupt .* copied aside to oss:\/\/doctor\/state\.json\.corrupt-/);
    // Starting afresh, the open finding is announced again rather than lost.
    expect(recovered.targets[0]!.status).toBe('sent');
    expect(sinks.received('dingtalk')).toHaveLength(2);
  });
});
