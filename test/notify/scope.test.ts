// Scope-aware state: a run concludes only about what it examined. Unit cases of the scope predicate, then the
// sandbox: a full audit, a run scoped to one listener (as `audit --lb lb-sandbox-web --listener 80/http` and every
// CloudMonitor alarm run), and a full audit again, delivering to the sandbox's webhook sink each time.
import { handleAlarmRequest } from '../../lib/alarm/handle';
import { examinedScopeOf } from '../../lib/audit/coverage';
import type { AuditRequest } from '../../lib/audit/request';
import { deliverAuditNotices, runAudit } from '../../lib/audit/run';
import type { AuditScope } from '../../lib/audit/types';
import { isInExaminedScope, memoryNotifyStateStore, notifyRun, parseTargets, type ExaminedScope, type NotifyReport, type NotifyStateStore } from '../../lib/notify';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { randomTestNet } from '../support/nets';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';
import { VirtualClock } from './clock';
import { evidenceOf, httpReplay, inventoryOf, jobOf, listener, status } from '../diagnose/fixtures';
import { makeFinding, wholeRegion } from './fixtures';

const scoped = (overrides: Partial<ExaminedScope>): ExaminedScope => ({ ...wholeRegion(), wholeRegion: false, loadBalancerIds: ['lb-web1'], ...overrides });

describe('isInExaminedScope', () => {
  const http80 = makeFinding({ listener: { port: 80, protocol: 'http' } });
  const https443 = makeFinding({ listener: { port: 443, protocol: 'https' } });
  const lbLevel = makeFinding({ listener: null, backend: null });

  it('keeps findings of other listeners, and load-balancer-level ones, outside a listener-scoped run', () => {
    const scope = scoped({ listener: { port: 80, protocol: 'http' } });
    expect(isInExaminedScope(http80, scope)).toBe(true);
    expect(isInExaminedScope(https443, scope)).toBe(false);
    expect(isInExaminedScope(lbLevel, scope)).toBe(false);
    // An alarm names a port only: any protocol on that port is in scope.
    expect(isInExaminedScope(http80, scoped({ listener: { port: 80 } }))).toBe(true);
  });

  it('keeps other load balancers, other regions and uncovered load balancers outside', () => {
    expect(isInExaminedScope(makeFinding({ loadBalancerId: 'lb-other' }), scoped({}))).toBe(false);
    expect(isInExaminedScope(makeFinding({ regionId: 'cn-beijing' }), scoped({}))).toBe(false);
    const whole = { ...wholeRegion(), uncovered: [{ loadBalancerId: 'lb-web1', reason: 'deadline reached' }] };
    expect(isInExaminedScope(makeFinding(), whole)).toBe(false);
    // A whole-region run that did not see a load balancer at all: it is gone, its findings resolve.
    expect(isInExaminedScope(makeFinding({ loadBalancerId: 'lb-deleted' }), wholeRegion())).toBe(true);
  });

  it('decides sweep-only findings (TIMEOUT_RISK) only in runs that probed healthy backends', () => {
    const risk = makeFinding({ code: 'TIMEOUT_RISK', severity: 'warning' });
    expect(isInExaminedScope(risk, scoped({ healthyBackendsProbed: false }))).toBe(false);
    expect(isInExaminedScope(risk, scoped({ healthyBackendsProbed: true }))).toBe(true);
  });
});

describe('examinedScopeOf', () => {
  const job = jobOf(listener());
  const inventory = inventoryOf([listener()]);
  const probed = [evidenceOf(job, status(httpReplay(job), 404, false))];

  it('an unfiltered run that listed everything and probed every job covers the whole region', () => {
    expect(examinedScopeOf({ inventory, jobs: [job], evidence: probed, filter: { all: true } })).toEqual({
      regionId: 'cn-hangzhou',
      loadBalancerIds: ['lb-1'],
      uncovered: [],
      wholeRegion: true,
      listener: null,
      healthyBackendsProbed: true,
    });
  });

  it('a filter (--lb, --tag, --listener), a listing error or a deadline narrows it', () => {
    expect(examinedScopeOf({ inventory, jobs: [job], evidence: probed, filter: { tags: { team: 'web' } } })).toMatchObject({ wholeRegion: false, healthyBackendsProbed: false });
    expect(examinedScopeOf({ inventory, jobs: [job], evidence: probed, filter: { loadBalancerIds: ['lb-1'], listener: { port: 80, protocol: 'http' } } })).toMatchObject({
      wholeRegion: false,
      listener: { port: 80, protocol: 'http' },
    });
    const pageFailed = inventoryOf([listener()], { errors: [{ loadBalancerId: null, action: 'DescribeLoadBalancers', code: 'ServiceUnavailable', message: 'page 2' }] });
    expect(examinedScopeOf({ inventory: pageFailed, jobs: [job], evidence: probed, filter: {} }).wholeRegion).toBe(false);
    // The deadline left the job unprobed: the load balancer is in scope but uncovered, so nothing of it is concluded.
    const late = examinedScopeOf({ inventory, jobs: [job], evidence: [], filter: {} });
    expect(late).toMatchObject({ loadBalancerIds: [], uncovered: [{ loadBalancerId: 'lb-1', reason: expect.stringMatching(/deadline/) }] });
    expect(isInExaminedScope(makeFinding({ loadBalancerId: 'lb-1' }), late)).toBe(false);
  });
});

describe('notifyRun with a scoped run between two full runs', () => {
  it('resolves nothing outside the scope, and the next full run sends nothing new', async () => {
    const clock = new VirtualClock();
    const sinks = await startWebhookSinks({ clock });
    try {
      const { targets } = parseTargets(JSON.stringify([{ name: 'hook', kind: 'webhook', url: sinks.urls.webhook, secret: sinks.secrets.webhook }]), 't');
      const store = memoryNotifyStateStore();
      const findings = [makeFinding({ listener: { port: 80, protocol: 'http' } }), makeFinding({ listener: { port: 443, protocol: 'https' }, code: 'STATUS_MISMATCH' })];
      const run = (found: typeof findings, examined: ExaminedScope): Promise<NotifyReport> => {
        clock.advance(5 * 60_000);
        return notifyRun({ findings: found, regionId: 'cn-hangzhou', examined, targets, store, clock });
      };
      expect((await run(findings, wholeRegion())).counts.new).toBe(2);
      const scopedRun = await run([findings[0]!], scoped({ listener: { port: 80, protocol: 'http' } }));
      expect(scopedRun.counts).toMatchObject({ new: 0, resolved: 0 });
      expect(scopedRun.targets[0]!.status).toBe('idle');
      expect((await run(findings, wholeRegion())).counts).toMatchObject({ new: 0, resolved: 0 });
      expect(sinks.received('webhook')).toHaveLength(1);
    } finally {
      await sinks.stop();
    }
  });
});

describe('scoped audits against the sandbox', () => {
  let cloud: TestCloud;
  let sinks: WebhookSinks;
  let store: NotifyStateStore;

  beforeAll(async () => {
    cloud = await startTestCloud(relocatedDefaultScenario(randomTestNet()));
    sinks = await startWebhookSinks({});
    store = memoryNotifyStateStore();
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  }, 60_000);
  afterAll(async () => {
    await sinks?.stop();
    await cloud?.stop();
  });

  const targetsJson = (): string => JSON.stringify([{ name: 'hook', kind: 'webhook', url: sinks.urls.webhook, secret: sinks.secrets.webhook, minSeverity: 'info' }]);

  /** One audit, then its delivery, as the CLI and functions/audit run them. */
  const auditAndDeliver = async (scope: Partial<AuditScope>): Promise<NotifyReport> => {
    const run = await runAudit(cloud.auditOptions(scope, { notify: { targetsJson: targetsJson(), targetsSource: 'test', stateUrl: 'memory:' } }));
    // The memory: store is per run; the suite keeps one store across runs, as a file: or oss:// state would. Only what
    // functions/audit keeps is passed on: the delivery must not need the inventory or the evidence.
    const { summary, examined, backendsPerListener } = run;
    const report = await deliverAuditNotices({ summary, examined, backendsPerListener, delivery: run.delivery ? { ...run.delivery, store } : null });
    if (!report) throw new Error('no delivery: the target list was empty');
    return report;
  };

  type Notice = { event: string; finding: { subject: { loadBalancerId: string; listener: { port: number } | null } } };
  const noticesOf = (index: number): Notice[] => (sinks.received('webhook')[index]!.body as { notices: Notice[] }).notices;

  it('a run scoped to lb-sandbox-web 80/http resolves nothing of 443/https or other load balancers; the next full run sends nothing', async () => {
    const first = await auditAndDeliver({});
    expect(first.counts.new).toBeGreaterThan(0);
    const https = noticesOf(0).filter((n) => n.finding.subject.loadBalancerId === 'lb-sandbox-web' && n.finding.subject.listener?.port === 443);
    expect(https.length).toBeGreaterThan(0); // the scoped run has something outside its scope to wrongly resolve

    const narrow = await auditAndDeliver({ loadBalancerIds: ['lb-sandbox-web'], listener: { port: 80, protocol: 'http' } });
    expect(narrow.counts).toMatchObject({ new: 0, resolved: 0, changed: 0 });
    expect(narrow.targets[0]!.status).toBe('idle');

    const again = await auditAndDeliver({});
    expect(again.counts).toMatchObject({ new: 0, resolved: 0, changed: 0 });
    expect(again.targets[0]!.status).toBe('idle');
    expect(sinks.received('webhook')).toHaveLength(1);
  }, 120_000);

  it('an alarm-scoped run (the scope travels in the audit request) resolves nothing outside its load balancer and port', async () => {
    let queued: AuditRequest | null = null;
    const response = await handleAlarmRequest(
      {
        method: 'POST',
        queries: { token: 'a-token-long-enough-for-the-alarm-check-123' },
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ alertState: 'OK', alertName: 'health', dimensions: "{userId=1, instanceId=lb-sandbox-web, port=443, vip=1.1.1.1}", timestamp: Date.now() })),
      },
      {
        expectedToken: 'a-token-long-enough-for-the-alarm-check-123',
        queueAudit: async (request) => {
          queued = request;
          return { requestId: 'r1' };
        },
      },
    );
    expect(response.status).toBe(202);
    const request = queued as AuditRequest | null;
    expect(request).toMatchObject({ loadBalancerIds: ['lb-sandbox-web'], listener: { port: 443 } });
    const before = sinks.received('webhook').length;
    const report = await auditAndDeliver({ loadBalancerIds: request!.loadBalancerIds!, ...(request!.listener ? { listener: request!.listener } : {}) });
    expect(report.counts).toMatchObject({ new: 0, resolved: 0, changed: 0 });
    expect(sinks.received('webhook')).toHaveLength(before);
    expect((await auditAndDeliver({})).counts).toMatchObject({ new: 0, resolved: 0 });
    expect(sinks.received('webhook')).toHaveLength(before);
  }, 120_000);
});
