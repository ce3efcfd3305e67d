// Interruption-safe delivery, in process: a run aborted while one target hangs records what the other target
// accepted, releases its claims and marks the cut-off digest as a possible repeat; the next run delivers to every
// target at once. A claim left by a process that died is taken over at once.
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { memoryNotifyStateStore, notifyRun, parseTargets, type NotifyState, type NotifyStateStore, type NotifyTarget } from '../../lib/notify';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { VirtualClock } from './clock';
import { makeFinding, wholeRegion } from './fixtures';

/** An endpoint that accepts requests and never answers them. */
async function hangingServer(): Promise<{ url: string; requests: () => number; firstRequest: Promise<void>; stop: () => Promise<void> }> {
  const held: ServerResponse[] = [];
  let count = 0;
  let arrived: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count += 1;
    held.push(res);
    req.resume();
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests: () => count,
    firstRequest,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('an interrupted delivery', () => {
  let sinks: WebhookSinks;
  const clock = new VirtualClock();
  beforeAll(async () => {
    sinks = await startWebhookSinks({ clock });
  });
  afterAll(async () => {
    await sinks.stop();
  });

  const targetsWith = (hookUrl: string, secret: string | null): NotifyTarget[] => {
    const parsed = parseTargets(JSON.stringify([{ name: 'slack', kind: 'slack', url: sinks.urls.slack }, { name: 'hook', kind: 'webhook', url: hookUrl, ...(secret ? { secret } : {}) }]), 't');
    expect(parsed.errors).toEqual([]);
    return parsed.targets;
  };

  it('records the accepted digest, releases its claims, and the next run delivers everywhere, the cut-off digest once as a possible repeat', async () => {
    const hang = await hangingServer();
    const store = memoryNotifyStateStore();
    const controller = new AbortController();
    try {
      const running = notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets: targetsWith(hang.url, null), store, clock, signal: controller.signal });
      await hang.firstRequest;
      // The Slack sink answers at once; wait until its delivery is on record before interrupting.
      for (let i = 0; i < 200 && (await store.load()).pending.slack; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      const report = await running;
      expect(report).toMatchObject({ interrupted: true, complete: false });
      expect(report.targets.map((t) => [t.label, t.status])).toEqual([
        ['slack', 'sent'],
        ['hook', 'interrupted'],
      ]);
      expect(report.undelivered).toEqual([expect.objectContaining({ label: 'hook', status: 'interrupted', reason: expect.stringMatching(/interrupted mid-request: it may have arrived/) })]);
      const state = await store.load();
      expect(state.pending.slack).toBeUndefined();
      expect(state.pending.hook).toMatchObject({ claim: null, possibleRepeat: expect.stringMatching(/interrupted mid-request/) });

      // The next run, the hook working again: delivered at once (no claim to wait out), said to be a possible repeat.
      clock.advance(5 * 60_000);
      const next = await notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets: targetsWith(sinks.urls.webhook, sinks.secrets.webhook), store, clock });
      expect(next.targets.map((t) => [t.label, t.status, t.possibleRepeat])).toEqual([
        ['slack', 'idle', false],
        ['hook', 'sent', true],
      ]);
      expect(sinks.received('slack')).toHaveLength(1);
      const delivered = sinks.received('webhook');
      expect(delivered).toHaveLength(1);
      expect(delivered[0]!.body).toMatchObject({ possibleRepeat: expect.stringMatching(/interrupted mid-request/), notices: [expect.objectContaining({ event: 'new' })] });
      expect((await store.load()).pending).toEqual({});
      expect(hang.requests()).toBe(1);

      // Once delivered it is no longer a possible repeat, and nothing is sent again.
      clock.advance(5 * 60_000);
      await notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets: targetsWith(sinks.urls.webhook, sinks.secrets.webhook), store, clock });
      expect(sinks.received('webhook')).toHaveLength(1);
    } finally {
      await hang.stop();
    }
  });

  it('takes over at once a claim whose owner process is gone, and marks the digest as a possible repeat', async () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(exited.stdout);
    const seed: NotifyStateStore = memoryNotifyStateStore();
    const targets = targetsWith(sinks.urls.webhook, sinks.secrets.webhook).filter((t) => t.label === 'hook');
    clock.advance(5 * 60_000);
    // A run that died mid-send: its digest is queued and claimed far into the future.
    const { state } = await (async () => {
      const blocked = new AbortController();
      blocked.abort();
      await notifyRun({ findings: [makeFinding({ code: 'SLOW_RESPONSE' })], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store: seed, clock, signal: blocked.signal });
      return { state: await seed.load() };
    })();
    const crashed: NotifyState = structuredClone(state);
    crashed.pending.hook!.claim = { runId: 'crashed-run', until: clock.now() + 60 * 60_000, pid: deadPid, host: hostname() };
    const store = memoryNotifyStateStore(crashed);
    const before = sinks.received('webhook').length;
    const report = await notifyRun({ findings: [makeFinding({ code: 'SLOW_RESPONSE' })], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock });
    expect(report.targets[0]).toMatchObject({ status: 'sent', possibleRepeat: true });
    expect(sinks.received('webhook')).toHaveLength(before + 1);
    expect(sinks.received('webhook')[before]!.body).toMatchObject({ possibleRepeat: expect.stringMatching(/crashed-run.*stopped while delivering/) });

    // A live owner (this very process, another run) keeps its claim.
    const live: NotifyState = structuredClone(state);
    live.pending.hook!.claim = { runId: 'live-run', until: clock.now() + 60 * 60_000, pid: process.pid, host: hostname() };
    const held = await notifyRun({ findings: [makeFinding({ code: 'SLOW_RESPONSE' })], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store: memoryNotifyStateStore(live), clock });
    expect(held.targets[0]).toMatchObject({ status: 'pending', reason: expect.stringContaining('another run (live-run)') });
  });

  it('keeps its claim alive with a heartbeat while a send is slow, and gives it back when done', async () => {
    const hang = await hangingServer();
    const store = memoryNotifyStateStore();
    try {
      const targets = targetsWith(hang.url, null).filter((t) => t.label === 'hook');
      const running = notifyRun({
        findings: [makeFinding({ code: 'RESPONSE_TIMEOUT' })],
        regionId: 'cn-hangzhou',
        examined: wholeRegion(),
        targets,
        store,
        options: { claimHeartbeatMs: 40, sendTimeoutMs: 600, retry: { maxAttempts: 1 } },
      });
      await hang.firstRequest;
      const first = (await store.load()).pending.hook!.claim!;
      expect(first).toMatchObject({ pid: process.pid, host: hostname() });
      expect(first.until - Date.now()).toBeLessThanOrEqual(3 * 40);
      let renewed = first.until;
      for (let i = 0; i < 50 && renewed === first.until; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        renewed = (await store.load()).pending.hook?.claim?.until ?? renewed;
      }
      expect(renewed).toBeGreaterThan(first.until);
      const report = await running;
      expect(report.targets[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no reply within 600 ms/) });
      expect((await store.load()).pending.hook).toMatchObject({ claim: null, attempts: 1 });
    } finally {
      await hang.stop();
    }
  });
});
