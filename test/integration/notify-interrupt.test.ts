// Ctrl-C during delivery, for real: the CLI (bin/slb-doctor.js, compiled from the current sources) audits the
// sandbox and delivers to the Slack sink and to a local webhook that accepts and never answers; SIGINT arrives while
// that request hangs. The run must exit promptly with the accepted digest on record and no claim left behind, and the
// next run must deliver to every target at once, without repeating what Slack already got.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotifyState } from '../../lib/notify';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { compileCli, runCli, startCli, type CompiledCli } from '../cli/cli-process';
import { randomTestNet } from '../support/nets';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

describe('SIGINT during delivery (real signal, real CLI)', () => {
  let cloud: TestCloud;
  let sinks: WebhookSinks;
  let cli: CompiledCli;
  let dir: string;
  const held: ServerResponse[] = [];
  let hangRequests = 0;
  let onHangRequest: () => void = () => undefined;
  const nextHangRequest = (): Promise<void> => new Promise<void>((resolve) => (onHangRequest = resolve));
  const hang = createServer((req, res) => {
    hangRequests += 1;
    held.push(res);
    req.resume();
    onHangRequest();
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slb-doctor-interrupt-'));
    cli = compileCli();
    cloud = await startTestCloud(relocatedDefaultScenario(randomTestNet()));
    sinks = await startWebhookSinks({});
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  }, 90_000);
  afterAll(async () => {
    for (const res of held) res.destroy();
    hang.closeAllConnections();
    await new Promise((resolve) => hang.close(resolve));
    await sinks?.stop();
    await cloud?.stop();
    cli?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  let stateName = 'state.json';
  const stateFile = (): string => join(dir, stateName);
  const readState = (): NotifyState | null => {
    try {
      return JSON.parse(readFileSync(stateFile(), 'utf8')) as NotifyState;
    } catch {
      return null;
    }
  };
  const writeConfig = (hookUrl: string, secret: string | null): string => {
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify([{ name: 'slack', kind: 'slack', url: sinks.urls.slack }, { name: 'hook', kind: 'webhook', url: hookUrl, ...(secret ? { secret } : {}) }]));
    return file;
  };
  const auditArgs = (config: string): string[] => [
    'audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--lb', 'lb-sandbox-web',
    '--format', 'json', '--notify-config', config, '--state', `file:${stateFile()}`,
  ];
  const env = (): NodeJS.ProcessEnv => ({ ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret });

  it('releases its claims and records the accepted digest; the next run delivers to every target, the cut-off one once as a possible repeat', async () => {
    const { port } = hang.address() as { port: number };
    const hangArrived = nextHangRequest();
    const running = startCli(cli.bin, auditArgs(writeConfig(`http://127.0.0.1:${port}/hook`, null)), env());
    await hangArrived;
    // Slack answers at once: wait until its delivery is on record (bounded), then interrupt.
    for (let i = 0; i < 200 && readState()?.pending.slack; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(readState()?.pending.slack).toBeUndefined();
    running.child.kill('SIGINT');
    const interrupted = await running.done;
    expect({ code: interrupted.code, stderr: interrupted.stderr }).toMatchObject({ code: 130 }); // stderr shown if not
    expect(interrupted.stderr).toMatch(/SIGINT/);
    expect(interrupted.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const after = readState()!;
    expect(after.pending.slack).toBeUndefined();
    expect(after.pending.hook).toMatchObject({ claim: null, possibleRepeat: expect.stringMatching(/interrupted mid-request/) });
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(sinks.received('slack')).toHaveLength(1);

    // The webhook works again: the next run delivers there at once, and Slack gets nothing twice.
    const next = await runCli(cli.bin, auditArgs(writeConfig(sinks.urls.webhook, sinks.secrets.webhook)), env());
    expect(next.stderr).not.toMatch(/another run .* is delivering/);
    expect([0, 1]).toContain(next.code);
    expect(sinks.received('slack')).toHaveLength(1);
    const delivered = sinks.received('webhook');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.body).toMatchObject({ possibleRepeat: expect.stringMatching(/interrupted mid-request/) });
    expect(readState()!.pending).toEqual({});
    expect(hangRequests).toBe(1);
  }, 120_000);

  it('after a run killed outright (SIGKILL) mid-delivery, the next run takes its claims over at once', async () => {
    stateName = 'state-killed.json';
    const slackBefore = sinks.received('slack').length;
    const webhookBefore = sinks.received('webhook').length;
    const { port } = hang.address() as { port: number };
    const hangArrived = nextHangRequest();
    const running = startCli(cli.bin, auditArgs(writeConfig(`http://127.0.0.1:${port}/hook`, null)), env());
    await hangArrived;
    for (let i = 0; i < 200 && readState()?.pending.slack; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(readState()?.pending.slack).toBeUndefined();
    running.child.kill('SIGKILL');
    expect((await running.done).signal).toBe('SIGKILL');
    // The dead run's claim is still there, naming its process.
    expect(readState()?.pending.hook?.claim).toMatchObject({ pid: running.child.pid });

    const next = await runCli(cli.bin, auditArgs(writeConfig(sinks.urls.webhook, sinks.secrets.webhook)), env());
    expect(next.stderr).not.toMatch(/another run .* is delivering/);
    expect(sinks.received('webhook')).toHaveLength(webhookBefore + 1);
    expect(sinks.received('webhook')[webhookBefore]!.body).toMatchObject({ possibleRepeat: expect.stringMatching(/stopped while delivering/) });
    // Slack's digest was on record before the kill: the next run does not repeat it.
    expect(sinks.received('slack').length - slackBefore).toBe(1);
    expect(readState()!.pending).toEqual({});
  }, 120_000);
});
