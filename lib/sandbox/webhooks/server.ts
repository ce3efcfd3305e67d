// One HTTP server on a loopback address with a route per chat service. Each route verifies what the real service
// verifies (token, signature and its timestamp window, keyword, size, rate) and answers with the real error codes.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BurstLimiter, WindowLimiter } from './limits';
import { renderForPerson } from './render';
import { type RecordedMessage, type SinkKind, type WebhookSinkOptions, type WebhookSinks } from './types';

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const SIGNATURE_WINDOW_MS = 60 * 60 * 1000;

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

interface Request {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  json: Record<string, unknown> | null;
}

const json = (value: unknown, status = 200): Reply => ({ status, body: JSON.stringify(value), headers: { 'content-type': 'application/json; charset=utf-8' } });
const plain = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({ status, body, headers: { 'content-type': 'text/plain', ...headers } });

function token(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
  };
  visit(body);
  return parts.join('\n');
}

export async function startWebhookSinks(options: WebhookSinkOptions = {}): Promise<WebhookSinks> {
  const clock = options.clock ?? { now: () => Date.now() };
  const host = options.host ?? '127.0.0.1';
  const ding = {
    secret: options.dingtalk?.secret === undefined ? `SEC${token(32)}` : options.dingtalk.secret,
    accessToken: options.dingtalk?.accessToken ?? token(32),
    keyword: options.dingtalk?.keyword ?? null,
    maxBytes: options.dingtalk?.maxBytes ?? 20_000,
    limiter: new WindowLimiter(options.dingtalk?.perMinute ?? 20, options.dingtalk?.windowMs ?? 60_000, options.dingtalk?.lockoutMs ?? 10 * 60_000, clock),
  };
  const slack = { token: options.slack?.token ?? token(12), limiter: new BurstLimiter(options.slack?.perSecond ?? 1, options.slack?.burst ?? 3, clock) };
  const feishu = {
    secret: options.feishu?.secret === undefined ? token(16) : options.feishu.secret,
    token: options.feishu?.token ?? `${token(4)}-${token(2)}-${token(2)}-${token(2)}-${token(6)}`,
    maxBytes: options.feishu?.maxBytes ?? 20 * 1024,
    perSecond: new WindowLimiter(options.feishu?.perSecond ?? 5, 1000, 0, clock),
    perMinute: new WindowLimiter(options.feishu?.perMinute ?? 100, 60_000, 0, clock),
  };
  const wecom = {
    key: options.wecom?.key ?? `${token(4)}-${token(2)}-${token(2)}-${token(2)}-${token(6)}`,
    maxMarkdownBytes: options.wecom?.maxMarkdownBytes ?? 4096,
    limiter: new WindowLimiter(options.wecom?.perMinute ?? 20, options.wecom?.windowMs ?? 60_000, 0, clock),
  };
  const hookSecret = options.webhook?.secret === undefined ? token(16) : options.webhook.secret;

  const log: RecordedMessage[] = [];
  const outages = new Map<SinkKind, { count: number; status: number }>();

  const dingtalkRoute = (req: Request): Reply => {
    if (req.query.get('access_token') !== ding.accessToken) return json({ errcode: 300001, errmsg: 'token is not exist' });
    if (!req.json) return json({ errcode: 40035, errmsg: '缺少参数 json' });
    if (ding.secret) {
      const timestamp = Number(req.query.get('timestamp'));
      const sign = req.query.get('sign') ?? '';
      if (!Number.isFinite(timestamp) || Math.abs(Date.now() - timestamp) > SIGNATURE_WINDOW_MS) return json({ errcode: 310000, errmsg: 'invalid timestamp' });
      const expected = createHmac('sha256', ding.secret).update(`${timestamp}\n${ding.secret}`).digest('base64');
      if (!sameText(sign, expected)) return json({ errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]' });
    }
    if (ding.keyword && !messageText(req.json).includes(ding.keyword)) return json({ errcode: 310000, errmsg: 'keywords not in content' });
    if (req.raw.length > ding.maxBytes) return json({ errcode: 460101, errmsg: `message too long, exceed ${ding.maxBytes} bytes` });
    const { msgtype } = req.json;
    const markdown = isObject(req.json.markdown) ? req.json.markdown : null;
    if (msgtype === 'markdown' && (!markdown || typeof markdown.title !== 'string' || typeof markdown.text !== 'string')) return json({ errcode: 40035, errmsg: '缺少参数 markdown' });
    if (msgtype !== 'markdown' && msgtype !== 'text') return json({ errcode: 40035, errmsg: '不支持的 msgtype' });
    if (!ding.limiter.admit()) return json({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
    return json({ errcode: 0, errmsg: 'ok' });
  };

  const slackRoute = (req: Request): Reply => {
    if (req.path !== `/slack/services/T0SANDBOX/B0SANDBOX/${slack.token}`) return plain(404, 'no_service');
    const wait = slack.limiter.admit();
    if (wait > 0) return plain(429, 'rate_limited', { 'retry-after': String(wait) });
    if (!req.json) return plain(400, 'invalid_payload');
    const blocks = req.json.blocks;
    if (typeof req.json.text !== 'string' && !Array.isArray(blocks)) return plain(400, 'no_text');
    if (blocks !== undefined) {
      if (!Array.isArray(blocks) || blocks.length > 50) return plain(400, 'invalid_blocks');
      for (const block of blocks) {
        if (!isObject(block)) return plain(400, 'invalid_blocks');
        const text = isObject(block.text) ? block.text.text : undefined;
        if (block.type === 'section' && (typeof text !== 'string' || text.length > 3000)) return plain(400, 'invalid_blocks');
        if (block.type === 'header' && (typeof text !== 'string' || text.length > 150)) return plain(400, 'invalid_blocks');
      }
    }
    return plain(200, 'ok');
  };

  const feishuRoute = (req: Request): Reply => {
    if (req.path !== `/feishu/open-apis/bot/v2/hook/${feishu.token}`) return json({ code: 19001, msg: 'param invalid: incoming webhook access token invalid', data: {} });
    if (req.raw.length > feishu.maxBytes) return json({ code: 9499, msg: `Bad Request: request body exceeds ${feishu.maxBytes} bytes`, data: {} });
    if (!req.json) return json({ code: 9499, msg: 'Bad Request', data: {} });
    if (feishu.secret) {
      const timestamp = Number(req.json.timestamp);
      const sign = typeof req.json.sign === 'string' ? req.json.sign : '';
      const expected = createHmac('sha256', `${timestamp}\n${feishu.secret}`).update('').digest('base64');
      if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > SIGNATURE_WINDOW_MS / 1000 || !sameText(sign, expected)) {
        return json({ code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} });
      }
    }
    if (!feishu.perSecond.admit() || !feishu.perMinute.admit()) return json({ code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]', data: {} });
    const type = req.json.msg_type;
    if (type === 'interactive' && !isObject(req.json.card)) return json({ code: 9499, msg: 'Bad Request: card is required', data: {} });
    if (type === 'text' && !(isObject(req.json.content) && typeof req.json.content.text === 'string')) return json({ code: 9499, msg: 'Bad Request: content.text is required', data: {} });
    if (type !== 'interactive' && type !== 'text' && type !== 'post') return json({ code: 9499, msg: 'Bad Request: unknown msg_type', data: {} });
    return json({ StatusCode: 0, StatusMessage: 'success', code: 0, msg: 'success', data: {} });
  };

  const wecomRoute = (req: Request): Reply => {
    if (req.query.get('key') !== wecom.key) return json({ errcode: 93000, errmsg: 'invalid webhook url, hint: [sandbox]' });
    if (!req.json) return json({ errcode: 40035, errmsg: 'invalid json' });
    if (!wecom.limiter.admit()) return json({ errcode: 45009, errmsg: 'api freq out of limit' });
    const markdown = isObject(req.json.markdown) ? req.json.markdown : null;
    if (req.json.msgtype === 'markdown') {
      if (!markdown || typeof markdown.content !== 'string') return json({ errcode: 40035, errmsg: 'missing markdown.content' });
      const bytes = Buffer.byteLength(markdown.content, 'utf8');
      if (bytes > wecom.maxMarkdownBytes) return json({ errcode: 40058, errmsg: `markdown.content exceed max length ${wecom.maxMarkdownBytes}. invalid Request Parameter` });
    } else if (req.json.msgtype !== 'text') {
      return json({ errcode: 40008, errmsg: 'invalid message type' });
    }
    return json({ errcode: 0, errmsg: 'ok' });
  };

  const webhookRoute = (req: Request): Reply => {
    if (hookSecret) {
      const timestamp = String(req.headers['x-slb-doctor-timestamp'] ?? '');
      const signature = String(req.headers['x-slb-doctor-signature'] ?? '');
      const expected = `sha256=${createHmac('sha256', hookSecret).update(`${timestamp}.`).update(req.raw).digest('hex')}`;
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > SIGNATURE_WINDOW_MS) return json({ error: 'missing or stale X-SLB-Doctor-Timestamp' }, 401);
      if (!sameText(signature, expected)) return json({ error: 'bad X-SLB-Doctor-Signature' }, 401);
    }
    if (!req.json) return json({ error: 'body is not a JSON object' }, 400);
    return json({ ok: true });
  };

  const routes: Record<SinkKind, (req: Request) => Reply> = { dingtalk: dingtalkRoute, slack: slackRoute, feishu: feishuRoute, wecom: wecomRoute, webhook: webhookRoute };

  const kindOf = (path: string): SinkKind | null => {
    if (path === '/dingtalk/robot/send') return 'dingtalk';
    if (path.startsWith('/slack/services/')) return 'slack';
    if (path.startsWith('/feishu/open-apis/bot/v2/hook/')) return 'feishu';
    if (path === '/wecom/cgi-bin/webhook/send') return 'wecom';
    if (path === '/webhook' || path.startsWith('/webhook/')) return 'webhook';
    return null;
  };

  const handle = (request: IncomingMessage, response: ServerResponse, raw: Buffer): void => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    const kind = kindOf(url.pathname);
    const send = (reply: Reply): void => {
      response.writeHead(reply.status, reply.headers ?? {});
      response.end(reply.body);
    };
    if (request.method !== 'POST' || !kind) return send(plain(404, 'not found'));
    let parsed: Record<string, unknown> | null = null;
    let body: unknown = raw.toString('utf8');
    try {
      const value: unknown = JSON.parse(raw.toString('utf8'));
      body = value;
      if (isObject(value)) parsed = value;
    } catch {
      // recorded as text; each route answers a non-JSON body the way its service does
    }
    const outage = outages.get(kind);
    let reply: Reply;
    if (outage && outage.count > 0) {
      outage.count -= 1;
      reply = plain(outage.status, 'service unavailable (sandbox outage)');
    } else {
      reply = routes[kind]({ path: url.pathname, query: url.searchParams, headers: request.headers, raw, json: parsed });
    }
    const accepted = reply.status === 200 && (kind === 'slack' ? reply.body === 'ok' : kind === 'webhook' || /"(errcode|code)":0[,}]/.test(reply.body));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
    log.push({ kind, at: clock.now(), accepted, status: reply.status, reply: reply.body, bytes: raw.length, body, query: Object.fromEntries(url.searchParams), headers });
    send(reply);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_REQUEST_BYTES) {
        response.writeHead(413).end('request too large');
        return;
      }
      handle(request, response, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;

  return {
    urls: {
      dingtalk: `${base}/dingtalk/robot/send?access_token=${ding.accessToken}`,
      slack: `${base}/slack/services/T0SANDBOX/B0SANDBOX/${slack.token}`,
      feishu: `${base}/feishu/open-apis/bot/v2/hook/${feishu.token}`,
      wecom: `${base}/wecom/cgi-bin/webhook/send?key=${wecom.key}`,
      webhook: `${base}/webhook`,
    },
    secrets: { dingtalk: ding.secret, feishu: feishu.secret, webhook: hookSecret },
    received: (kind) => log.filter((m) => m.accepted && (!kind || m.kind === kind)),
    attempts: (kind) => log.filter((m) => !kind || m.kind === kind),
    failNext: (kind, count, status = 503) => {
      outages.set(kind, { count, status });
    },
    transcript: (kind) =>
      log
        .filter((m) => m.accepted && (!kind || m.kind === kind))
        .map((m) => `── ${m.kind} · ${new Date(m.at).toISOString().slice(11, 19)} ──\n${renderForPerson(m)}`)
        .join('\n\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

