import { buildDigest, fitDigest, dingtalkRenderer, notifyRun, parseTargets } from '../../lib/notify';
import { fingerprintOf, summarize } from '../../lib/notify/fingerprint';
import { claimPending, mergePending, MAX_PENDING_ITEMS, settlePending } from '../../lib/notify/pending';
import { memoryNotifyStateStore, type DigestItem, type RunContext } from '../../lib/notify';
import { VirtualClock } from './clock';
import { makeFinding, manyFindings, wholeRegion } from './fixtures';

const context: RunContext = { runId: 'r1', regionId: 'cn-hangzhou', at: 0, openBySeverity: { critical: 0, error: 0, warning: 0, info: 0 }, loadBalancersAffected: 0, uncovered: [] };

function item(runId: string, event: DigestItem['event'], finding = makeFinding()): DigestItem {
  const summary = summarize(finding);
  const fingerprint = fingerprintOf(summary);
  return { id: `${runId}:${event}:${fingerprint}`, event, fingerprint, at: 0, previousCode: null, summary };
}

describe('pending digests', () => {
  it('keeps an undelivered "new" when a repeat of it is queued later, and lets a resolution supersede it', () => {
    const pending = mergePending(undefined, [item('r1', 'new')], context, 0);
    mergePending(pending, [item('r2', 'repeat')], context, 1);
    expect(pending.items.map((i) => i.id.split(':').slice(0, 2).join(':'))).toEqual(['r1:new']);
    mergePending(pending, [item('r3', 'resolved')], context, 2);
    expect(pending.items.map((i) => i.event)).toEqual(['resolved']);
  });

  it('is bounded: beyond the limit the least important notices of earlier runs go, counted as overflow and shown as +N more', () => {
    const items = manyFindings(MAX_PENDING_ITEMS + 50).map((f) => item('r1', 'new', f));
    const pending = mergePending(undefined, items, context, 0);
    // One run's own notices are all kept, however many.
    expect(pending.items).toHaveLength(MAX_PENDING_ITEMS + 50);
    expect(pending.overflow).toBe(0);
    const later = [item('r2', 'new', makeFinding({ backend: { ip: '127.9.0.1', port: 80 }, severity: 'info' }))];
    mergePending(pending, later, context, 1);
    expect(pending.items).toHaveLength(MAX_PENDING_ITEMS);
    expect(pending.overflow).toBe(51);
    expect(pending.items.some((i) => i.id.startsWith('r2:'))).toBe(true);
    expect(pending.items.some((i) => i.summary.severity === 'critical')).toBe(true);
    const { view } = fitDigest(buildDigest(pending, { now: 0, mentions: { mobiles: [], userIds: [], all: false } }), dingtalkRenderer);
    expect(view.more).toBeGreaterThanOrEqual(50);
  });

  it('lets only one run claim a digest until its lease runs out, and removes only what was delivered', () => {
    const pending = mergePending(undefined, [item('r1', 'new')], context, 0);
    expect(claimPending(pending, 'r1', 0, 1000)).toBe(true);
    expect(claimPending(pending, 'r2', 500, 1000)).toBe(false);
    const sent = { ids: new Set(pending.items.map((i) => i.id)), overflow: 0 };
    mergePending(pending, [item('r2', 'new', makeFinding({ backend: { ip: '127.0.0.12', port: 80 } }))], context, 600);
    settlePending(pending, 'r1', sent, { kind: 'delivered' });
    expect(pending.items.map((i) => i.id.slice(0, 2))).toEqual(['r2']);
    expect(pending.claim).toBeNull();
    expect(claimPending(pending, 'r3', 5000, 1000)).toBe(true);
  });

  it('leaves the digest pending, untried, when the run has no time left', async () => {
    const clock = new VirtualClock();
    const store = memoryNotifyStateStore();
    const { targets } = parseTargets(JSON.stringify([{ name: 'hook', kind: 'webhook', url: 'http://127.0.0.1:9/never-called' }]), 't');
    const report = await notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock, deadlineAt: clock.now() - 1 });
    expect(report.targets[0]).toMatchObject({ status: 'pending', attempts: 0, reason: expect.stringMatching(/deadline/) });
    const state = await store.load();
    expect(state.pending.hook).toMatchObject({ claim: null, attempts: 0 });
    expect(state.pending.hook!.items).toHaveLength(1);
  });
});
