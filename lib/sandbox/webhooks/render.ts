// What a person sees in each chat, as plain text: markup stripped the way the client would render it.
import type { RecordedMessage } from './types';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stripMarkdown(markdown: string): string {
  return markdown
    .replace(/<font[^>]*>|<\/font>/g, '')
    .replace(/^#{1,6}\s*/gm, '')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/^>\s?/gm, '  ')
    .replace(/^- /gm, '• ')
    .replace(/ {2}\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
}

function unescapeEntities(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function slackText(mrkdwn: string): string {
  return unescapeEntities(
    mrkdwn
      .replace(/<!channel>/g, '@channel')
      .replace(/<@([A-Z0-9]+)>/gi, '@$1')
      // Slack formats only at word boundaries: SLB_SOURCE_BLOCKED keeps its underscores.
      .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:])/gm, '$1$2')
      .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:])/gm, '$1$2')
      .replace(/`([^`\n]+)`/g, '$1'),
  );
}

function larkText(content: string): string {
  return unescapeEntities(content.replace(/<at id=(all|[^>]+)><\/at>/g, '@$1').replace(/\*\*(.+?)\*\*/g, '$1'));
}

function renderDingTalk(body: Record<string, unknown>): string {
  if (body.msgtype === 'markdown' && isObject(body.markdown)) return stripMarkdown(text(body.markdown.text));
  if (body.msgtype === 'text' && isObject(body.text)) return text(body.text.content);
  return JSON.stringify(body);
}

function renderSlack(body: Record<string, unknown>): string {
  if (!Array.isArray(body.blocks)) return slackText(text(body.text));
  return body.blocks
    .map((block: unknown) => {
      if (!isObject(block)) return '';
      if ((block.type === 'header' || block.type === 'section') && isObject(block.text)) return slackText(text(block.text.text));
      if (block.type === 'context' && Array.isArray(block.elements)) return block.elements.map((e: unknown) => (isObject(e) ? slackText(text(e.text)) : '')).join(' ');
      if (block.type === 'divider') return '───';
      return '';
    })
    .join('\n\n');
}

function renderFeishu(body: Record<string, unknown>): string {
  if (body.msg_type === 'text' && isObject(body.content)) return text(body.content.text);
  const card = isObject(body.card) ? body.card : null;
  if (!card) return JSON.stringify(body);
  const header = isObject(card.header) && isObject(card.header.title) ? text(card.header.title.content) : '';
  const elements = Array.isArray(card.elements) ? card.elements : [];
  const parts = elements.map((element: unknown) => {
    if (!isObject(element)) return '';
    if (element.tag === 'hr') return '───';
    if (element.tag === 'div' && isObject(element.text)) return larkText(text(element.text.content));
    if (element.tag === 'note' && Array.isArray(element.elements)) return element.elements.map((e: unknown) => (isObject(e) ? text(e.content) : '')).join(' ');
    return '';
  });
  return [header, ...parts].join('\n');
}

function renderWeCom(body: Record<string, unknown>): string {
  if (body.msgtype === 'markdown' && isObject(body.markdown)) return stripMarkdown(text(body.markdown.content)).replace(/<@([^>]+)>/g, '@$1');
  if (body.msgtype === 'text' && isObject(body.text)) return text(body.text.content);
  return JSON.stringify(body);
}

function renderWebhook(body: Record<string, unknown>): string {
  const lines = [text(body.title)];
  if (Array.isArray(body.headline)) lines.push(...body.headline.map(text));
  const notices = Array.isArray(body.notices) ? body.notices : [];
  for (const notice of notices) {
    if (!isObject(notice) || !isObject(notice.finding)) continue;
    const subject = isObject(notice.finding.subject) ? notice.finding.subject : {};
    const backend = isObject(subject.backend) ? `${text(subject.backend.ip)}:${String(subject.backend.port)}` : '';
    lines.push(`• ${text(notice.event)} ${text(notice.finding.code)} ${text(subject.loadBalancerId)} ${backend}`.trimEnd());
  }
  if (typeof body.omitted === 'number' && body.omitted > 0) lines.push(`(+${body.omitted} omitted)`);
  return lines.join('\n');
}

export function renderForPerson(message: RecordedMessage): string {
  const body = isObject(message.body) ? message.body : null;
  if (!body) return String(message.body);
  switch (message.kind) {
    case 'dingtalk':
      return renderDingTalk(body);
    case 'slack':
      return renderSlack(body);
    case 'feishu':
      return renderFeishu(body);
    case 'wecom':
      return renderWeCom(body);
    case 'webhook':
      return renderWebhook(body);
  }
}
