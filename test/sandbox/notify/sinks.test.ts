// The sinks check what the real services check. Signatures are computed here from the documented algorithms,
// independently of the product's senders.
import { createHmac } from 'node:crypto';
import { startWebhookSinks, type WebhookSinks } from '../../../lib/sandbox/webhooks';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
}

function dingtalkUrl(sinks: WebhookSinks, secret: string, timestamp = Date.now()): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return `${sinks.urls.dingtalk}&timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`;
}

const markdown = (text: string) => ({ msgtype: 'markdown', markdown: { title: 'alert', text } });

describe('webhook sinks', () => {
  let time = 0;
  const clock = { now: () => time };
  let sinks: WebhookSinks;
  beforeAll(async () => {
    sinks = await startWebhookSinks({ clock, dingtalk: { keyword: 'SLB Doctor', perMinute: 3, lockoutMs: 600_000 }, wecom: { perMinute: 2 }, feishu: { perSecond: 2 } });
  });
  afterAll(async () => {
    await sinks.stop();
  });

  it('DingTalk: accepts a correct signature, refuses a wrong secret, a stale timestamp, a missing keyword and a bad token', async () => {
    const secret = sinks.secrets.dingtalk!;
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret), markdown('SLB Doctor: ok'))).text)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(JSON.parse((await post(dingtalkUrl(sinks, 'SECwrong'), markdown('SLB Doctor'))).text)).toMatchObject({ errcode: 310000, errmsg: expect.stringMatching(/sign not match/) });
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret, Date.now() - 2 * 3600_000), markdown('SLB Doctor'))).text)).toMatchObject({ errcode: 310000, errmsg: 'invalid timestamp' });
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret), markdown('no keyword here'))).text)).toMatchObject({ errcode: 310000, errmsg: 'keywords not in content' });
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret).replace(/access_token=\w+/, 'access_token=bad'), markdown('SLB Doctor'))).text)).toMatchObject({ errcode: 300001 });
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret), markdown(`SLB Doctor ${'x'.repeat(20_000)}`))).text)).toMatchObject({ errcode: 460101 });
  });

  it('DingTalk: over the per-minute rate it answers 130101 for the whole lockout, then accepts again', async () => {
    time = 1_000_000;
    const secret = sinks.secrets.dingtalk!;
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((JSON.parse((await post(dingtalkUrl(sinks, secret), markdown('SLB Doctor'))).text) as { errcode: number }).errcode);
    expect(codes.slice(-2)).toEqual([0, 130101]); // one message was accepted in the previous test's minute
    time += 5 * 60_000;
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret), markdown('SLB Doctor'))).text)).toMatchObject({ errcode: 130101 });
    time += 5 * 60_000 + 1;
    expect(JSON.parse((await post(dingtalkUrl(sinks, secret), markdown('SLB Doctor'))).text)).toMatchObject({ errcode: 0 });
  });

  it('Slack: ok, invalid_blocks beyond 50 blocks or 3000-char sections, 429 with Retry-After beyond the burst, no_service for a wrong URL', async () => {
    time = 5_000_000;
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    expect(await post(sinks.urls.slack, { text: 'hi', blocks: [section('hello')] })).toMatchObject({ status: 200, text: 'ok' });
    expect(await post(sinks.urls.slack, { text: 'hi', blocks: Array.from({ length: 51 }, () => section('x')) })).toMatchObject({ status: 400, text: 'invalid_blocks' });
    expect(await post(sinks.urls.slack, { text: 'hi', blocks: [section('x'.repeat(3001))] })).toMatchObject({ status: 400, text: 'invalid_blocks' });
    const limited = await post(sinks.urls.slack, { text: 'hi' });
    expect(limited).toMatchObject({ status: 429, text: 'rate_limited' });
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    time += 2000;
    expect(await post(sinks.urls.slack, { text: 'hi' })).toMatchObject({ status: 200, text: 'ok' });
    expect(await post(`${sinks.urls.slack}x`, { text: 'hi' })).toMatchObject({ status: 404, text: 'no_service' });
  });

  it('Feishu: signature in the body (key = timestamp + secret), 19021 when wrong, 11232 over the rate, 20 KB limit', async () => {
    time = 9_000_000;
    const secret = sinks.secrets.feishu!;
    const signed = (key: string, extra: object = {}) => {
      const timestamp = Math.floor(Date.now() / 1000);
      return { timestamp: String(timestamp), sign: createHmac('sha256', `${timestamp}\n${key}`).update('').digest('base64'), msg_type: 'text', content: { text: 'SLB Doctor' }, ...extra };
    };
    expect(JSON.parse((await post(sinks.urls.feishu, signed(secret))).text)).toMatchObject({ code: 0 });
    expect(JSON.parse((await post(sinks.urls.feishu, signed('wrong'))).text)).toMatchObject({ code: 19021 });
    expect(JSON.parse((await post(sinks.urls.feishu, signed(secret))).text)).toMatchObject({ code: 0 });
    expect(JSON.parse((await post(sinks.urls.feishu, signed(secret))).text)).toMatchObject({ code: 11232 });
    time += 1500;
    expect(JSON.parse((await post(sinks.urls.feishu, signed(secret, { content: { text: 'x'.repeat(21 * 1024) } }))).text)).toMatchObject({ code: 9499 });
  });

  it('WeCom: 4096 BYTES of markdown (not characters), 45009 over 20/min, 93000 for a bad key', async () => {
    time = 20_000_000;
    const chinese = '错'.repeat(1366); // 4098 bytes, 1366 characters
    expect(JSON.parse((await post(sinks.urls.wecom, { msgtype: 'markdown', markdown: { content: chinese } })).text)).toMatchObject({ errcode: 40058 });
    expect(JSON.parse((await post(sinks.urls.wecom, { msgtype: 'markdown', markdown: { content: '错'.repeat(1365) } })).text)).toMatchObject({ errcode: 0 });
    expect(JSON.parse((await post(sinks.urls.wecom, { msgtype: 'markdown', markdown: { content: 'ok' } })).text)).toMatchObject({ errcode: 45009 });
    expect(JSON.parse((await post(sinks.urls.wecom.replace(/key=[^&]+/, 'key=nope'), { msgtype: 'markdown', markdown: { content: 'ok' } })).text)).toMatchObject({ errcode: 93000 });
  });

  it('generic webhook: verifies HMAC-SHA256 over timestamp and body', async () => {
    const body = JSON.stringify({ schema: 'slb-doctor.digest/v1', title: 'SLB Doctor', headline: [], notices: [] });
    const timestamp = String(Date.now());
    const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    const good = await post(sinks.urls.webhook, body, { 'x-slb-doctor-timestamp': timestamp, 'x-slb-doctor-signature': sign(sinks.secrets.webhook!) });
    expect(good.status).toBe(200);
    const bad = await post(sinks.urls.webhook, body, { 'x-slb-doctor-timestamp': timestamp, 'x-slb-doctor-signature': sign('wrong') });
    expect(bad).toMatchObject({ status: 401, text: expect.stringMatching(/bad X-SLB-Doctor-Signature/) });
  });

  it('records refused attempts, simulates outages and renders accepted messages as plain text', async () => {
    sinks.failNext('webhook', 1, 502);
    expect((await post(sinks.urls.webhook, '{}')).status).toBe(502);
    const refused = sinks.attempts('dingtalk').filter((m) => !m.accepted);
    expect(refused.map((m) => JSON.parse(m.reply).errcode)).toEqual(expect.arrayContaining([310000, 300001, 460101, 130101]));
    const transcript = sinks.transcript('dingtalk');
    expect(transcript).toMatch(/── dingtalk · \d\d:\d\d:\d\d ──\nSLB Doctor: ok/);
    expect(sinks.transcript()).not.toMatch(/\*\*|<font/);
  });
});
