import {
  buildDigest,
  dingtalkRenderer,
  feishuRenderer,
  fitDigest,
  slackRenderer,
  utf8Bytes,
  webhookBody,
  webhookParts,
  webhookPayload,
  wecomRenderer,
  DINGTALK_MAX_BYTES,
  FEISHU_MAX_BYTES,
  SLACK_MAX_BLOCKS,
  SLACK_MAX_SECTION_CHARS,
  WECOM_MAX_CONTENT_BYTES,
  type Digest,
} from '../../lib/notify';
import { fingerprintOf, summarize } from '../../lib/notify/fingerprint';
import type { DigestItem, RunContext } from '../../lib/notify';
import type { Finding } from '../../lib/model';
import { makeFinding, manyFindings } from './fixtures';

const NO_MENTIONS = { mobiles: [], userIds: [], all: false };

const EVENTS: DigestItem['event'][] = ['new', 'new', 'repeat', 'resolved', 'new'];

function digestOf(findings: Finding[], options: { mixedEvents?: boolean; backendsPerListener?: Record<string, number> } = {}): Digest {
  const items: DigestItem[] = findings.map((finding, i) => {
    const summary = summarize(finding, options.backendsPerListener);
    const fingerprint = fingerprintOf(summary);
    const event = options.mixedEvents ? EVENTS[i % EVENTS.length]! : 'new';
    return { id: `run1:${event}:${fingerprint}`, event, fingerprint, at: 0, previousCode: null, summary };
  });
  const context: RunContext = { runId: 'run1', regionId: 'cn-hangzhou', at: 0, openBySeverity: { critical: 1, error: 2, warning: 0, info: 0 }, loadBalancersAffected: 1, uncovered: [] };
  return buildDigest({ items, overflow: 0, contexts: { 'cn-hangzhou': context } }, { now: 0, mentions: NO_MENTIONS });
}

function textOf(value: unknown): string {
  return JSON.stringify(value);
}

describe('digest fitting', () => {
  const big = digestOf(manyFindings(500), { mixedEvents: true });

  it('fits 500 findings into DingTalk (20,000 bytes) and says +N more', () => {
    const { payload, view } = fitDigest(big, dingtalkRenderer);
    expect(utf8Bytes(JSON.stringify(payload))).toBeLessThanOrEqual(DINGTALK_MAX_BYTES);
    expect(view.more).toBeGreaterThan(0);
    expect(payload.markdown.text).toContain(`+${view.more} more`);
  });

  it('fits 500 findings into Slack (50 blocks, 3,000 chars per section)', () => {
    const { payload, view } = fitDigest(big, slackRenderer);
    expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    for (const block of payload.blocks) if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_MAX_SECTION_CHARS);
    expect(view.more).toBeGreaterThan(0);
    expect(textOf(payload)).toContain(`+${view.more} more`);
  });

  it('fits 500 findings into Feishu (20 KB) and WeCom (4,096 bytes of UTF-8)', () => {
    const feishu = fitDigest(big, feishuRenderer);
    expect(utf8Bytes(JSON.stringify(feishu.payload)) + 120).toBeLessThanOrEqual(FEISHU_MAX_BYTES);
    expect(textOf(feishu.payload)).toContain(`+${feishu.view.more} more`);
    const wecom = fitDigest(big, wecomRenderer);
    expect(utf8Bytes(wecom.payload.markdown.content)).toBeLessThanOrEqual(WECOM_MAX_CONTENT_BYTES);
    expect(wecom.payload.markdown.content).toContain(`+${wecom.view.more} more`);
    // The load balancer names are Chinese (3 bytes a character): counting characters would overshoot.
    expect(wecom.payload.markdown.content.length).toBeLessThan(utf8Bytes(wecom.payload.markdown.content));
  });

  it('keeps the most severe findings and drops the lowest severity first', () => {
    const { view } = fitDigest(big, wecomRenderer);
    const shown = view.groups.flatMap((g) => g.listeners.flatMap((l) => l.entries));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((e) => e.severity === 'critical' || e.severity === 'error')).toBe(true);
  });

  it('folds identical causes into one line with a count before giving up detail', () => {
    const findings = Array.from({ length: 120 }, (_, i) => makeFinding({ loadBalancerId: `lb-${i % 4}`, backend: { ip: `127.0.1.${i + 1}`, port: 80 } }));
    const { payload, view } = fitDigest(digestOf(findings), dingtalkRenderer);
    expect(view.more).toBe(0);
    expect(payload.markdown.text).toMatch(/PORT_CLOSED\*\* × 30 — 127\.0\.1\.1:80, /);
    expect(payload.markdown.text).toContain('Fix: Start the service on port 80');
  });

  it("makes the webhook's body one notice at a time, byte for byte the payload's JSON", () => {
    for (const part of [...webhookParts(big), ...webhookParts(big, 50_000), ...webhookParts({ ...big, items: [] })]) {
      expect(webhookBody(part).equals(Buffer.from(JSON.stringify(webhookPayload(part)), 'utf8'))).toBe(true);
    }
  });

  it('sends every notice to the webhook, in numbered parts within the size limit when one payload would pass it', () => {
    const whole = webhookParts(big);
    expect(whole).toHaveLength(1);
    const payload = webhookPayload(whole[0]!);
    expect(payload).toMatchObject({ part: 1, parts: 1, omitted: 0 });
    expect(payload.notices).toHaveLength(500);

    const parts = webhookParts(big, 50_000).map(webhookPayload);
    expect(parts.length).toBeGreaterThan(1);
    for (const [index, part] of parts.entries()) {
      expect(utf8Bytes(JSON.stringify(part))).toBeLessThanOrEqual(50_000);
      expect(part).toMatchObject({ part: index + 1, parts: parts.length, omitted: 0, title: payload.title, generatedAt: payload.generatedAt });
      expect(part.counts.new + part.counts.changed + part.counts.repeat + part.counts.resolved).toBe(part.notices.length);
    }
    // Every notice exactly once, in the digest's order (most important first).
    expect(parts.flatMap((part) => part.notices.map((n) => n.fingerprint))).toEqual(payload.notices.map((n) => n.fingerprint));
    expect(parts[0]!.notices[0]!.finding.severity).toBe('critical');
  });

  it('counts a notice larger than the whole limit as omitted instead of sending a payload over it', () => {
    const huge = makeFinding({ backend: { ip: '127.0.0.99', port: 80 }, evidenceLine: 'x'.repeat(60_000) });
    const digest = digestOf([huge, makeFinding()]);
    const parts = webhookParts(digest, 50_000).map(webhookPayload);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ parts: 1, omitted: 1 });
    expect(parts[0]!.notices.map((n) => n.finding.subject.backend?.ip)).toEqual(['127.0.0.11']);
  });
});

describe('digest content', () => {
  it('inhibits: when every backend of a listener fails with one code, one listener item replaces N', () => {
    const findings = [1, 2, 3].map((n) => makeFinding({ backend: { ip: `127.0.0.${10 + n}`, port: 80 } }));
    const digest = digestOf(findings, { backendsPerListener: { 'lb-web1/tcp:80': 3 } });
    expect(digest.entries).toHaveLength(1);
    expect(digest.entries[0]).toMatchObject({ scope: 'listener', count: 3 });
    const { payload } = fitDigest(digest, dingtalkRenderer);
    expect(payload.markdown.text).toContain('all 3 backends of tcp:80 (127.0.0.11:80, 127.0.0.12:80, 127.0.0.13:80)');

    const partial = digestOf(findings.slice(0, 2), { backendsPerListener: { 'lb-web1/tcp:80': 3 } });
    expect(partial.entries).toHaveLength(2);
  });

  it('shows headline, LB → listener → backend, evidence, remedy and the reproduce command', () => {
    const digest = digestOf([makeFinding({ code: 'PATH_NOT_FOUND', listener: { port: 443, protocol: 'https' }, backend: { ip: '127.0.0.21', port: 8443 }, evidenceLine: 'HEAD /health → 404 in 3 ms' })]);
    const text = fitDigest(digest, dingtalkRenderer).payload.markdown.text;
    expect(text).toContain('SLB Doctor · cn-hangzhou: 1 new');
    expect(text).toContain('Open now: 1 critical · 2 error on 1 load balancer');
    expect(text).toContain('**web-prod** (lb-web1) · **https:443**');
    expect(text).toContain('NEW **PATH_NOT_FOUND** 127.0.0.21:8443');
    expect(text).toContain('HEAD /health → 404 in 3 ms');
    expect(text).toContain('Fix: Start the service on port 8443');
    expect(text).toContain('Reproduce: nc -vz 127.0.0.21 8443');
  });

  it('neutralises markup that a hostile backend put in its reply', () => {
    const digest = digestOf([makeFinding({ evidenceLine: 'GET / → 500 <@all> <font color="info">[click](http://x)</font>' })]);
    expect(fitDigest(digest, wecomRenderer).payload.markdown.content).not.toMatch(/<@all>|<font color="info">|\]\(http/);
    expect(textOf(fitDigest(digest, slackRenderer).payload)).toContain('&lt;@all&gt;');
  });

  it('mentions people only when something is new or changed', () => {
    const finding = makeFinding();
    const summary = summarize(finding);
    const fingerprint = fingerprintOf(summary);
    const mentions = { mobiles: ['13800000000'], userIds: [], all: false };
    const build = (event: DigestItem['event']) =>
      buildDigest({ items: [{ id: `r:${event}:${fingerprint}`, event, fingerprint, at: 0, previousCode: null, summary }], overflow: 0, contexts: {} }, { now: 0, mentions });
    const fresh = fitDigest(build('new'), dingtalkRenderer).payload;
    expect(fresh.at.atMobiles).toEqual(['13800000000']);
    expect(fresh.markdown.text).toContain('@13800000000');
    expect(fitDigest(build('repeat'), dingtalkRenderer).payload.at.atMobiles).toEqual([]);
  });
});
