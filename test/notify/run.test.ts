import { createServer } from 'node:net';
import { dingtalkSignedUrl, notifyRun, parseTargets, WEBHOOK_MAX_BYTES, type NotifyReport, type NotifyRunInput, type NotifyTarget } from '../../lib/notify';
import type { HttpFetch } from '../../lib/notify/types';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { memoryNotifyStateStore, type NotifyStateStore } from '../../lib/notify';
import type { Finding } from '../../lib/model';
import { VirtualClock } from './clock';
import { makeFinding, manyFindings, wholeRegion } from './fixtures';

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 20 * 60_000 };

function targetsFor(sinks: WebhookSinks, overrides: Record<string, Partial<Record<string, unknown>>> = {}): NotifyTarget[] {
  const entries = [
    { name: 'ding', kind: 'dingtalk', url: sinks.urls.dingtalk, secret: sinks.secrets.dingtalk, mentions: { mobiles: ['13800000000'] } },
    { name: 'slack', kind: 'slack', url: sinks.urls.slack },
    { name: 'feishu', kind: 'feishu', url: sinks.urls.feishu, secret: sinks.secrets.feishu },
    { name: 'wecom', kind: 'wecom', url: sinks.urls.wecom },
    { name: 'hook', kind: 'webhook', url: sinks.urls.webhook, secret: sinks.secrets.webhook },
  ].map((entry) => ({ ...entry, ...overrides[entry.name] }));
  const parsed = parseTargets(JSON.stringify(entries), 'test');
  expect(parsed.errors).toEqual([]);
  return parsed.targets;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function statuses(report: NotifyReport): Record<string, string> {
  return Object.fromEntries(report.targets.map((t) => [t.label, t.status]));
}

describe('notifyRun against the webhook sinks', () => {
  let clock: VirtualClock;
  let sinks: WebhookSinks;
  let store: NotifyStateStore;
  let targets: NotifyTarget[];

  beforeEach(async () => {
    clock = new VirtualClock();
    sinks = await startWebhookSinks({ clock });
    store = memoryNotifyStateStore();
    targets = targetsFor(sinks);
  });
  afterEach(async () => {
    await sinks.stop();
  });

  // Each run happens five minutes after the previous one, as a scheduled audit would.
  const run = async (findings: Finding[], extra: Partial<NotifyRunInput> = {}): Promise<NotifyReport> => {
    clock.advance(5 * 60_000);
    return notifyRun({ findings, regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock, options: { retry: FAST_RETRY, ...extra.options }, ...extra });
  };

  it('delivers one signed digest to every channel, each accepted by its sink', async () => {
    const report = await run([makeFinding(), makeFinding({ code: 'SLOW_RESPONSE', backend: { ip: '127.0.0.12', port: 8080 }, severity: 'warning' })]);
    expect(statuses(report)).toEqual({ ding: 'sent', slack: 'sent', feishu: 'sent', wecom: 'sent', hook: 'sent' });
    expect(report.counts).toMatchObject({ findings: 2, new: 2, stillOpen: 2 });
    for (const kind of ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'] as const) expect(sinks.received(kind)).toHaveLength(1);
    expect(sinks.attempts().every((m) => m.accepted)).toBe(true);
    const transcript = sinks.transcript();
    expect(transcript).toContain('NEW PORT_CLOSED 127.0.0.11:8080');
    expect(transcript).toContain('@13800000000');
    expect(report.targets[0]!.bytes).toBeGreaterThan(0);
  });

  it('sends one message for two runs with the same findings, a repeat after the repeat interval, and a resolved notice', async () => {
    const findings = [makeFinding()];
    await run(findings);
    const second = await run(findings);
    expect(statuses(second)).toEqual({ ding: 'idle', slack: 'idle', feishu: 'idle', wecom: 'idle', hook: 'idle' });
    expect(sinks.received('dingtalk')).toHaveLength(1);

    clock.advance(4 * 60 * 60_000);
    const repeat = await run(findings);
    expect(repeat.counts.repeat).toBe(1);
    expect(sinks.received('dingtalk')).toHaveLength(2);
    expect(sinks.transcript('dingtalk')).toContain('STILL FAILING PORT_CLOSED');

    const resolved = await run([]);
    expect(resolved.counts.resolved).toBe(1);
    expect(resolved.targets.every((t) => t.events.resolved === 1 && t.status === 'sent')).toBe(true);
    expect(sinks.transcript('slack')).toMatch(/Resolved\n✅ PORT_CLOSED · web-prod · tcp:80 · 127\.0\.0\.11:8080/);
    expect((await store.load()).records).toEqual({});
  });

  it('reports a new code on the same backend as one CHANGED line, not resolved + new', async () => {
    await run([makeFinding({ code: 'SLOW_RESPONSE' })]);
    const report = await run([makeFinding({ code: 'RESPONSE_TIMEOUT' })]);
    expect(report.counts).toMatchObject({ changed: 1, new: 0, resolved: 0 });
    expect(sinks.transcript('wecom')).toContain('CHANGED from SLOW_RESPONSE RESPONSE_TIMEOUT 127.0.0.11:8080');
  });

  it('keeps the code told while the ECS API is down: a verdict reached without ECS facts announces no change, and none when they are back', async () => {
    const blocked = makeFinding({ code: 'SLB_SOURCE_BLOCKED' });
    const withoutEcs = { ...makeFinding({ code: 'UNDETERMINED' }), withoutFacts: 'ECS facts unavailable: DescribeInstances failed (ECONNREFUSED)' };
    await run([blocked]);
    expect(sinks.received('dingtalk')).toHaveLength(1);
    for (let outage = 0; outage < 2; outage += 1) {
      const report = await run([withoutEcs]);
      expect(report.counts).toMatchObject({ changed: 0, new: 0, resolved: 0, stillOpen: 1 });
    }
    const back = await run([blocked]);
    expect(back.counts).toMatchObject({ changed: 0, new: 0, resolved: 0, stillOpen: 1 });
    expect(sinks.received('dingtalk')).toHaveLength(1);
    expect(Object.values((await store.load()).records).map((r) => r.summary.code)).toEqual(['SLB_SOURCE_BLOCKED']);
    // The held code still resolves when the backend is gone from the findings altogether.
    expect((await run([])).counts.resolved).toBe(1);
  });

  it('tells a verdict reached without ECS facts as it is when nothing was open for that backend', async () => {
    const report = await run([{ ...makeFinding({ code: 'UNDETERMINED' }), withoutFacts: 'ECS facts unavailable: DescribeInstances failed (ECONNREFUSED)' }]);
    expect(report.counts).toMatchObject({ new: 1 });
    expect(sinks.transcript('wecom')).toContain('UNDETERMINED 127.0.0.11:8080');
  });

  it('damps flapping both ways: K runs to notify, K absent runs to resolve', async () => {
    const options = { flapRuns: 2, retry: FAST_RETRY };
    const findings = [makeFinding()];
    const first = await run(findings, { options });
    expect(first.counts).toMatchObject({ awaitingConfirmation: 1, new: 0 });
    expect(sinks.received()).toHaveLength(0);
    // A blip that does not hold is forgotten without a word.
    await run([], { options });
    expect((await run(findings, { options })).counts.new).toBe(0);
    expect((await run(findings, { options })).counts.new).toBe(1);
    expect(sinks.received('dingtalk')).toHaveLength(1);
    expect((await run([], { options })).counts.resolved).toBe(0);
    expect((await run(findings, { options })).counts.resolved).toBe(0); // back before K absences: still the same open finding
    expect(sinks.received('dingtalk')).toHaveLength(1);
    await run([], { options });
    expect((await run([], { options })).counts.resolved).toBe(1);
    expect(sinks.received('dingtalk')).toHaveLength(2);
  });

  it('honours silences until they expire', async () => {
    const silences = [{ loadBalancerId: 'lb-web1', listener: 'tcp:80', backend: null, code: 'PORT_CLOSED' as const, expiresAt: clock.now() + 60 * 60_000, comment: 'maintenance' }];
    const findings = [makeFinding(), makeFinding({ loadBalancerId: 'lb-other' })];
    const silenced = await run(findings, { options: { silences, retry: FAST_RETRY } });
    expect(silenced.counts).toMatchObject({ suppressed: 1, new: 2 });
    expect(silenced.targets[0]!.events.new).toBe(1);
    expect(sinks.transcript('dingtalk')).not.toContain('lb-web1');
    clock.advance(2 * 60 * 60_000);
    const expired = await run(findings, { options: { silences, retry: FAST_RETRY } });
    expect(expired.targets[0]!.events.new).toBe(1);
    expect(sinks.transcript('dingtalk')).toContain('(lb-web1)');
  });

  it('does not resolve findings of load balancers this run did not examine', async () => {
    await run([makeFinding()]);
    const partial = await run([], { examined: { ...wholeRegion(), wholeRegion: false, loadBalancerIds: ['lb-other'], uncovered: [{ loadBalancerId: 'lb-web1', reason: 'deadline reached' }] } });
    expect(partial.counts.resolved).toBe(0);
    expect(Object.keys((await store.load()).records)).toHaveLength(1);
  });

  it('applies each target\'s severity and match filters', async () => {
    targets = targetsFor(sinks, { ding: { minSeverity: 'critical' }, slack: { match: { loadBalancerIds: ['lb-other'] } }, feishu: { match: { tags: { env: 'staging' } } } });
    const report = await run([makeFinding({ severity: 'error' })]);
    expect(statuses(report)).toEqual({ ding: 'idle', slack: 'idle', feishu: 'idle', wecom: 'sent', hook: 'sent' });
  });

  it('retries DingTalk 130101 after the 10-minute lockout (virtual clock) and then delivers', async () => {
    // Use up the robot's 20 messages of this minute.
    for (let i = 0; i < 20; i++) {
      const url = dingtalkSignedUrl(sinks.urls.dingtalk, sinks.secrets.dingtalk, Date.now());
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'text', text: { content: 'filler' } }) });
    }
    clock.advance(1000);
    const started = clock.now();
    const report = await notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets: targets.slice(0, 1), store, clock, options: { retry: FAST_RETRY } });
    expect(report.targets[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(clock.now() - started).toBeGreaterThanOrEqual(10 * 60_000);
    const replies = sinks.attempts('dingtalk').slice(20).map((m) => (JSON.parse(m.reply) as { errcode: number }).errcode);
    expect(replies).toEqual([130101, 0]);
  });

  it('waits as long as Slack\'s Retry-After asks on 429', async () => {
    await sinks.stop();
    sinks = await startWebhookSinks({ clock, slack: { burst: 1, perSecond: 0.25 } });
    targets = targetsFor(sinks).filter((t) => t.kind === 'slack');
    await notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock, options: { retry: FAST_RETRY } });
    const started = clock.now();
    const report = await notifyRun({ findings: [makeFinding({ code: 'SLOW_RESPONSE' })], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock, options: { retry: FAST_RETRY } });
    expect(report.targets[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sinks.attempts('slack').map((m) => m.status)).toEqual([200, 429, 200]);
    expect(clock.now() - started).toBeGreaterThanOrEqual(4000);
  });

  it('a permanent failure (wrong secret) is not retried, says why, and keeps the digest pending until it can be delivered', async () => {
    targets = targetsFor(sinks, { ding: { secret: 'SECwrong' }, feishu: { secret: 'wrong' }, hook: { secret: 'wrong' } });
    const failed = await run([makeFinding()]);
    expect(statuses(failed)).toEqual({ ding: 'failed', slack: 'sent', feishu: 'failed', wecom: 'sent', hook: 'failed' });
    const byLabel = Object.fromEntries(failed.targets.map((t) => [t.label, t]));
    expect(byLabel.ding).toMatchObject({ attempts: 1, reason: expect.stringMatching(/errcode 310000 "sign not match.*set the target's secret/) });
    expect(byLabel.feishu).toMatchObject({ attempts: 1, reason: expect.stringMatching(/code 19021/) });
    expect(byLabel.hook).toMatchObject({ attempts: 1, reason: expect.stringMatching(/HTTP 401/) });
    for (const target of failed.targets) expect(target.reason ?? '').not.toContain(sinks.urls.dingtalk.split('access_token=')[1]!);

    targets = targetsFor(sinks);
    const next = await run([makeFinding(), makeFinding({ backend: { ip: '127.0.0.12', port: 8080 } })]);
    expect(statuses(next)).toMatchObject({ ding: 'sent', feishu: 'sent', hook: 'sent', slack: 'sent' });
    expect(next.targets.find((t) => t.label === 'ding')).toMatchObject({ items: 2 });
    expect(next.targets.find((t) => t.label === 'slack')).toMatchObject({ items: 1 });
    expect(sinks.transcript('dingtalk')).toContain('127.0.0.11:8080');
    expect(sinks.transcript('dingtalk')).toContain('Includes notices from 1 earlier run');
    expect((await store.load()).pending).toEqual({});
  });

  it('a dead target (closed port) does not stop the others; its digest stays pending and is delivered next run', async () => {
    const port = await closedPort();
    targets = targetsFor(sinks, { hook: { url: `http://127.0.0.1:${port}/hook` } });
    const first = await run([makeFinding()]);
    expect(statuses(first)).toEqual({ ding: 'sent', slack: 'sent', feishu: 'sent', wecom: 'sent', hook: 'failed' });
    expect(first.targets[4]).toMatchObject({ attempts: 3, reason: expect.stringMatching(/127\.0\.0\.1:\d+: ECONNREFUSED/) });
    expect((await store.load()).pending.hook?.items).toHaveLength(1);

    targets = targetsFor(sinks);
    const second = await run([makeFinding()]);
    expect(statuses(second)).toEqual({ ding: 'idle', slack: 'idle', feishu: 'idle', wecom: 'idle', hook: 'sent' });
    const delivered = sinks.received('webhook')[0]!.body as { notices: { event: string; finding: { code: string } }[] };
    expect(delivered.notices).toEqual([expect.objectContaining({ event: 'new', finding: expect.objectContaining({ code: 'PORT_CLOSED' }) })]);
  });

  it('sends a webhook digest over 1 MiB in numbered parts; a part that fails leaves exactly the rest pending, sent by the next run', async () => {
    targets = targetsFor(sinks).filter((t) => t.kind === 'webhook');
    const findings = manyFindings(3500);
    let webhookPosts = 0;
    // The second part is refused for good (a 4xx is not retried); everything else reaches the sinks.
    const refusingSecondPart: HttpFetch = (url, init) => {
      if (url === sinks.urls.webhook && ++webhookPosts === 2) return Promise.resolve({ status: 400, headers: { get: () => null }, text: () => Promise.resolve('bad part') });
      return fetch(url, init);
    };
    const first = await run(findings, { http: refusingSecondPart });
    const hook = first.targets[0]!;
    expect(hook.parts).toBeGreaterThan(2);
    expect(hook).toMatchObject({ status: 'failed', partsSent: 1, attempts: 2, reason: expect.stringMatching(new RegExp(`^part 2 of ${hook.parts}: .*HTTP 400 bad part \\(parts 1-1 delivered, \\d+ notice\\(s\\)\\)`)) });
    expect(first.complete).toBe(false);
    expect(first.problems).toEqual([expect.stringMatching(/^notify: hook \(webhook\) not delivered: part 2 of/)]);
    const firstPart = sinks.received('webhook')[0]!.body as { part: number; parts: number; notices: { fingerprint: string }[] };
    expect(firstPart).toMatchObject({ part: 1, parts: hook.parts });
    expect(Buffer.byteLength(JSON.stringify(firstPart))).toBeLessThanOrEqual(WEBHOOK_MAX_BYTES);
    // Only what the target did not accept stays queued.
    expect((await store.load()).pending.hook?.items).toHaveLength(hook.items - firstPart.notices.length);

    const second = await run(findings);
    expect(second.targets[0]).toMatchObject({ status: 'sent', items: hook.items - firstPart.notices.length });
    const bodies = sinks.received('webhook').map((m) => m.body as { part: number; parts: number; notices: { fingerprint: string }[] });
    expect(bodies.slice(1).map((b) => `${b.part}/${b.parts}`)).toEqual(Array.from({ length: second.targets[0]!.parts }, (_, i) => `${i + 1}/${second.targets[0]!.parts}`));
    const fingerprints = bodies.flatMap((b) => b.notices.map((n) => n.fingerprint));
    // Every notice the target takes (its minimum severity) reached it exactly once.
    expect(new Set(fingerprints).size).toBe(hook.items);
    expect(fingerprints).toHaveLength(hook.items);
    expect((await store.load()).pending).toEqual({});
  });

  it('an interrupt after the first part keeps exactly the parts not yet sent, and the next run sends them once', async () => {
    targets = targetsFor(sinks).filter((t) => t.kind === 'webhook');
    const findings = manyFindings(3500);
    const interrupt = new AbortController();
    // SIGINT arrives right after the target's answer to the first part was read.
    const interruptedAfterFirstPart: HttpFetch = async (url, init) => {
      const reply = await fetch(url, init);
      const body = await reply.text();
      interrupt.abort();
      return { status: reply.status, headers: reply.headers, text: () => Promise.resolve(body) };
    };
    const first = await run(findings, { http: interruptedAfterFirstPart, signal: interrupt.signal });
    const hook = first.targets[0]!;
    expect(hook.parts).toBeGreaterThan(1);
    expect(hook).toMatchObject({ status: 'interrupted', partsSent: 1, reason: expect.stringMatching(/^parts 1-1 delivered, \d+ notice\(s\); the run was interrupted before the rest was sent; kept for the next run$/) });
    expect(first.interrupted).toBe(true);
    const firstPart = sinks.received('webhook')[0]!.body as { notices: { fingerprint: string }[] };
    expect(sinks.received('webhook')).toHaveLength(1);
    expect((await store.load()).pending.hook?.items).toHaveLength(hook.items - firstPart.notices.length);

    const second = await run(findings);
    expect(second.targets[0]).toMatchObject({ status: 'sent', items: hook.items - firstPart.notices.length });
    const fingerprints = sinks.received('webhook').flatMap((m) => (m.body as { notices: { fingerprint: string }[] }).notices.map((n) => n.fingerprint));
    expect(new Set(fingerprints).size).toBe(hook.items);
    expect(fingerprints).toHaveLength(hook.items);
  });

  it('records the outcomes of targets that finish while a state write is under way together, in the next write', async () => {
    let updates = 0;
    const memory = store;
    // A slow state (a large document on OSS): every write takes 200 ms of real time.
    const slow: NotifyStateStore = {
      location: memory.location,
      warnings: memory.warnings,
      load: () => memory.load(),
      update: async (mutator) => {
        updates += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return memory.update(mutator);
      },
    };
    const report = await run([makeFinding()], { store: slow });
    expect(statuses(report)).toEqual({ ding: 'sent', slack: 'sent', feishu: 'sent', wecom: 'sent', hook: 'sent' });
    expect(report.complete).toBe(true);
    // The plan and claim, then fewer settlement writes than the five targets; every outcome is on record.
    expect(updates).toBeLessThan(1 + targets.length);
    expect((await memory.load()).pending).toEqual({});
  });


  it('records the outcomes of digests that go out together in one write', async () => {
    let updates = 0;
    const memory = store;
    const counted: NotifyStateStore = {
      location: memory.location,
      warnings: memory.warnings,
      load: () => memory.load(),
      update: (mutator) => {
        updates += 1;
        return memory.update(mutator);
      },
    };
    const report = await run([makeFinding()], { store: counted });
    expect(statuses(report)).toEqual({ ding: 'sent', slack: 'sent', feishu: 'sent', wecom: 'sent', hook: 'sent' });
    // The plan and claim, then one settlement for the five targets (each waited for the digests still on their way).
    expect(updates).toBe(2);
    expect((await memory.load()).pending).toEqual({});
  });

  it('sends the next digest while the previous target\'s outcome is being written, and returns once every outcome is on record', async () => {
    const memory = store;
    let releaseSettlements: () => void = () => undefined;
    const settlementsHeld = new Promise<void>((resolve) => {
      releaseSettlements = resolve;
    });
    let writes = 0;
    // The plan and claim go through at once; every later write (the settlements) waits until released.
    const held: NotifyStateStore = {
      location: memory.location,
      warnings: memory.warnings,
      load: () => memory.load(),
      update: async (mutator) => {
        writes += 1;
        if (writes > 1) await settlementsHeld;
        return memory.update(mutator);
      },
    };
    let finished = false;
    // One target at a time: before, the second digest went out only after the first target's outcome was written.
    const running = run([makeFinding()], { store: held, options: { retry: FAST_RETRY, concurrency: 1 } }).then((report) => {
      finished = true;
      return report;
    });
    const deadline = Date.now() + 10_000;
    while (sinks.received('slack').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sinks.received('dingtalk')).toHaveLength(1);
    expect(sinks.received('slack')).toHaveLength(1);
    expect(finished).toBe(false);
    releaseSettlements();
    const report = await running;
    expect(statuses(report)).toEqual({ ding: 'sent', slack: 'sent', feishu: 'sent', wecom: 'sent', hook: 'sent' });
    expect(report.complete).toBe(true);
    expect((await memory.load()).pending).toEqual({});
  });
  it('retries a 5xx outage and succeeds within the run', async () => {
    sinks.failNext('wecom', 2, 503);
    const report = await run([makeFinding()]);
    expect(report.targets.find((t) => t.label === 'wecom')).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('two concurrent runs never send the same digest twice', async () => {
    clock.advance(60_000);
    const input = { findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock, options: { retry: FAST_RETRY } };
    const [a, b] = await Promise.all([notifyRun(input), notifyRun(input)]);
    expect(sinks.received('dingtalk')).toHaveLength(1);
    const [sender, other] = a.targets[0]!.status === 'sent' ? [a, b] : [b, a];
    expect(sender.targets[0]!.status).toBe('sent');
    expect(other.targets[0]).toMatchObject({ status: 'pending', reason: expect.stringContaining(`another run (${sender.runId})`) });
  });

  it('still notifies when the state cannot be read, as possible repeats with dedup off, and says so', async () => {
    const broken: NotifyStateStore = {
      location: 'oss://broken/state.json',
      warnings: [],
      load: () => Promise.reject(new Error('OSS down')),
      update: () => Promise.reject(new Error('OSS down')),
    };
    const report = await run([makeFinding()], { store: broken });
    expect(report.state.error).toMatch(/state oss:\/\/broken\/state\.json unavailable \(OSS down\): dedup is off/);
    expect(report).toMatchObject({ dedup: 'off', complete: false, state: { loaded: false, saved: false } });
    expect(report.problems[0]).toMatch(/^state oss:\/\/broken\/state\.json unavailable \(OSS down\)/);
    expect(statuses(report).ding).toBe('sent');
    // Never announced as new, and said to be a possible repeat.
    expect(report.counts).toMatchObject({ new: 0, repeat: 1, resolved: 0 });
    expect(report.targets.every((t) => t.possibleRepeat && t.events.new === 0)).toBe(true);
    const transcript = sinks.transcript('dingtalk');
    expect(transcript).toContain('Possible repeat: state oss://broken/state.json unavailable (OSS down), dedup off');
    expect(transcript).not.toContain('NEW');
  });
});
