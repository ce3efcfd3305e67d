// WeCom group robot: markdown whose content is at most 4,096 BYTES of UTF-8 (a Chinese character is 3 of them).
import { entryText, utf8Bytes, type ChannelRenderer, type DigestView } from '../digest/fit';
import { moreLine, neutralizeUntrusted, resolvedWhere } from '../digest/markup';

export const WECOM_MAX_CONTENT_BYTES = 4096;

export interface WeComPayload {
  msgtype: 'markdown';
  markdown: { content: string };
}

const COLOR: Record<string, 'warning' | 'comment' | 'info'> = { critical: 'warning', error: 'warning', warning: 'comment', info: 'comment' };

function render(view: DigestView): WeComPayload {
  const { mentions, hasNewProblems } = view.digest;
  const lines: string[] = [`### ${view.title}`, ...view.headline.map((line) => `> ${neutralizeUntrusted(line)}`)];
  for (const group of view.groups) {
    const lb = group.loadBalancerId ? `**${group.loadBalancerName}** \`${group.loadBalancerId}\`` : `**${group.loadBalancerName}**`;
    for (const listener of group.listeners) {
      lines.push('', `${lb}${listener.listener ? ` · ${listener.listener}` : ''}`);
      for (const entry of listener.entries) {
        const text = entryText(entry, view.detail);
        lines.push(`<font color="${COLOR[entry.severity]}">${text.label} ${text.code}</font> ${neutralizeUntrusted(text.where)}`);
        if (text.evidence) lines.push(`> ${neutralizeUntrusted(text.evidence)}`);
        if (text.remedy) lines.push(`> Fix: ${neutralizeUntrusted(text.remedy)}`);
        if (text.reproduce) lines.push(`> \`${text.reproduce.replace(/`/g, "'")}\``);
      }
    }
  }
  if (view.resolved.length) {
    lines.push('', '**Resolved**');
    for (const entry of view.resolved) lines.push(`<font color="info">${entry.code}</font> ${neutralizeUntrusted(resolvedWhere(entry))}`);
  }
  const more = moreLine(view.more);
  if (more) lines.push('', more);
  if (hasNewProblems && mentions.userIds.length) lines.push('', mentions.userIds.map((id) => `<@${id}>`).join(' '));
  return { msgtype: 'markdown', markdown: { content: lines.join('\n') } };
}

export const wecomRenderer: ChannelRenderer<WeComPayload> = {
  render,
  fits: (payload) => utf8Bytes(payload.markdown.content) <= WECOM_MAX_CONTENT_BYTES,
};
