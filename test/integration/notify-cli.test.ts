// `slb-doctor audit --notify-config FILE` end to end: the digest reaches the sandbox's DingTalk and Slack sinks, which
// verify signatures and limits like the real services; a second run with the same findings sends nothing new; a
// target list with a malformed entry is refused before any work (exit 2), and nothing is sent.
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
  let malformedConfigFile: string;

  const audit = async (extra: string[] = [], config = configFile): Promise<{ exitCode: number; stderr: string }> => {
    let stderr = '';
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      isTty: false,
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret },
    };
    const exitCode = await main(
      ['audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--lb', 'lb-sandbox-web',
        '--format', 'json', '--notify-config', config, '--state', `file:${join(dir, 'state.json')}`, ...extra],
      io,
    );
    return { exitCode, stderr };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slb-doctor-notify-'));
    cloud = await startTestCloud(relocatedDefaultScenario(NET));
    sinks = await startWebhookSinks({});
    configFile = join(dir, 'targets.json');
    const targets = [
      { name: 'oncall-dingtalk', kind: 'dingtalk', url: sinks.urls.dingtalk, secret: sinks.secrets.dingtalk, mentions: { all: true } },
      { name: 'oncall-slack', kind: 'slack', url: sinks.urls.slack },
    ];
    writeFileSync(configFile, JSON.stringify(targets));
    malformedConfigFile = join(dir, 'malformed-targets.json');
    writeFileSync(malformedConfigFile, JSON.stringify([...targets, { name: 'broken', kind: 'pager', url: 'http://127.0.0.1:1/' }]));
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  });
  afterAll(async () => {
    await sinks?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a target list with a malformed entry before any work, naming it, and sends nothing', async () => {
    const run = await audit([], malformedConfigFile);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^slb-doctor audit: invalid notification config: .*broken.*kind[^\n]*\n$/);
    for (const kind of ['dingtalk', 'slack'] as const) expect(sinks.attempts(kind)).toHaveLength(0);
  });

  it('delivers one digest to each sink, which both accept', async () => {
    const run = await audit();
    expect(run.exitCode).toBe(1);
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
