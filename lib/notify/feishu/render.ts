// Feishu/Lark custom bot: an interactive card with lark_md text. The request body (signature included) must stay
// within 20 KB; we keep 20,000 bytes to be safe under either reading of "KB".
import { entryText, utf8Bytes, type ChannelRenderer, type DigestView } from '../digest/fit';
import { iconOf, moreLine, resolvedWhere } from '../digest/markup';

export const FEISHU_MAX_BYTES = 20_000;
/** Room for `"timestamp":"…","sign":"…"` that the sender adds after rendering. */
const SIGNATURE_ROOM = 120;

type CardElement =
  | { tag: 'div'; text: { tag: 'lark_md'; content: string } }
  | { tag: 'hr' }
  | { tag: 'note'; elements: { tag: 'plain_text'; content: string }[] };

export interface FeishuPayload {
  msg_type: 'interactive';
  card: {
    config: { wide_screen_mode: boolean };
    header: { template: 'red' | 'orange' | 'yellow' | 'blue' | 'green'; title: { tag: 'plain_text'; content: string } };
    elements: CardElement[];
  };
}

/** lark_md understands HTML entities; escaping < > & keeps backend text from becoming tags or mentions. */
function larkEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function template(view: DigestView): FeishuPayload['card']['header']['template'] {
  const open = view.groups.flatMap((g) => g.listeners.flatMap((l) => l.entries));
  if (open.some((e) => e.severity === 'critical' || e.severity === 'error')) return 'red';
  if (open.some((e) => e.severity === 'warning')) return 'orange';
  if (open.length > 0) return 'blue';
  return 'green';
}

function render(view: DigestView): FeishuPayload {
  const { mentions, hasNewProblems } = view.digest;
  const mentionText = hasNewProblems ? [mentions.all ? '<at id=all></at>' : null, ...mentions.userIds.map((id) => `<at id=${larkEscape(id)}></at>`)].filter(Boolean).join(' ') : '';
  const elements: CardElement[] = [{ tag: 'div', text: { tag: 'lark_md', content: [mentionText, ...view.headline.map(larkEscape)].filter(Boolean).join('\n') } }];
  for (const group of view.groups) {
    const heading = group.loadBalancerId ? `**${larkEscape(group.loadBalancerName)}** (${group.loadBalancerId})` : `**${larkEscape(group.loadBalancerName)}**`;
    const lines: string[] = [heading];
    for (const listener of group.listeners) {
      if (listener.listener) lines.push(`*${listener.listener}*`);
      for (const entry of listener.entries) {
        const text = entryText(entry, view.detail);
        lines.push(`${iconOf(entry)} ${text.label} **${text.code}** ${larkEscape(text.where)}`);
        if (text.evidence) lines.push(`　${larkEscape(text.evidence)}`);
        if (text.remedy) lines.push(`　Fix: ${larkEscape(text.remedy)}`);
        if (text.reproduce) lines.push(`　Reproduce: \`${larkEscape(text.reproduce)}\``);
      }
    }
    elements.push({ tag: 'hr' }, { tag: 'div', text: { tag: 'lark_md', content: lines.join('\n') } });
  }
  if (view.resolved.length) {
    const lines = ['**Resolved**', ...view.resolved.map((entry) => `${iconOf(entry)} ${entry.code} · ${larkEscape(resolvedWhere(entry))}`)];
    elements.push({ tag: 'hr' }, { tag: 'div', text: { tag: 'lark_md', content: lines.join('\n') } });
  }
  const more = moreLine(view.more);
  if (more) elements.push({ tag: 'note', elements: [{ tag: 'plain_text', content: more }] });
  return {
    msg_type: 'interactive',
    card: { config: { wide_screen_mode: true }, header: { template: template(view), title: { tag: 'plain_text', content: view.title } }, elements },
  };
}

export const feishuRenderer: ChannelRenderer<FeishuPayload> = {
  render,
  fits: (payload) => utf8Bytes(JSON.stringify(payload)) + SIGNATURE_ROOM <= FEISHU_MAX_BYTES,
};
