// `slb-doctor audit --notify-config FILE` end to end: the digest reaches the sandbox's DingTalk and Slack sinks, which
// verify signatures and limits like the real services; a second run with the same findings sends nothing new.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/io';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

/** This suite's copy of the default scenario lives in 127.63.0.0/24. */
const NET = '127.63.0';

describe('slb-doctor audit --notify-config', () => {
  let cloud: TestCloud;
  let sinks: WebhookSinks;
  let dir: string;
  let configFile: string;

  const audit = async (extra: string[] = []): Promise<{ exitCode: number; stderr: string }> => {
    let stderr = '';
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      isTty: false,
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret },
    };
    const exitCode = await main(
      ['audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--lb', 'lb-sandbox-web',
        '--format', 'json', '--notify-config', configFile, '--state', `file:${join(dir, 'state.json')}`, ...extra],
      io,
    );
    return { exitCode, stderr };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slb-doctor-notify-'));
    cloud = await startTestCloud(relocatedDefaultScenario(NET));
    sinks = await startWebhookSinks({});
    configFile = join(dir, 'targets.json');
    writeFileSync(
      configFile,
      JSON.stringify([
        { name: 'oncall-dingtalk', kind: 'dingtalk', url: sinks.urls.dingtalk, secret: sinks.secrets.dingtalk, mentions: { all: true } },
        { name: 'oncall-slack', kind: 'slack', url: sinks.urls.slack },
        { name: 'broken', kind: 'pager', url: 'http://127.0.0.1:1/' },
      ]),
    );
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  });
  afterAll(async () => {
    await sinks?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers one digest to each sink, which both accept, and names the malformed target', async () => {
    const run = await audit();
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/notify: .*broken.*kind/);
    for (const kind of ['dingtalk', 'slack'] as const) {
      const attempts = sinks.attempts(kind);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]?.accepted).toBe(true);
    }
    const dingtalk = sinks.transcript('dingtalk');
    expect(dingtalk).toContain('PATH_NOT_FOUND');
    expect(dingtalk).toContain('lb-sandbox-web');
    expect(sinks.transcript('slack')).toContain('HEAD_NOT_SUPPORTED');
  });

  it('sends nothing more when the next run finds the same', async () => {
    await audit();
    expect(sinks.attempts('dingtalk')).toHaveLength(1);
    expect(sinks.attempts('slack')).toHaveLength(1);
  });
});
