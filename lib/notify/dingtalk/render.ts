// DingTalk custom robot: one markdown message, at most 20,000 bytes (errcode 460101 above that).
import { entryText, utf8Bytes, type ChannelRenderer, type DigestView } from '../digest/fit';
import { iconOf, moreLine, neutralizeUntrusted, resolvedWhere } from '../digest/markup';

export const DINGTALK_MAX_BYTES = 20_000;

export interface DingTalkPayload {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; atUserIds: string[]; isAtAll: boolean };
}

// DingTalk markdown keeps a line break only for two trailing spaces or an empty line.
const BREAK = '  \n';

function render(view: DigestView): DingTalkPayload {
  const { mentions, hasNewProblems } = view.digest;
  const mention = hasNewProblems && (mentions.all || mentions.mobiles.length > 0 || mentions.userIds.length > 0);
  const parts: string[] = [`#### ${view.title}`, view.headline.join(BREAK)];
  for (const group of view.groups) {
    const lb = group.loadBalancerId ? `**${group.loadBalancerName}** (${group.loadBalancerId})` : `**${group.loadBalancerName}**`;
    for (const listener of group.listeners) {
      parts.push(`${lb}${listener.listener ? ` · **${listener.listener}**` : ''}`);
      parts.push(
        listener.entries
          .map((entry) => {
            const text = entryText(entry, view.detail);
            const lines = [`- ${iconOf(entry)} ${text.label} **${text.code}** ${text.where}`];
            if (text.evidence) lines.push(`  ${neutralizeUntrusted(text.evidence)}`);
            if (text.remedy) lines.push(`  Fix: ${text.remedy}`);
            if (text.reproduce) lines.push(`  Reproduce: ${text.reproduce}`);
            return lines.join(BREAK);
          })
          .join('\n'),
      );
    }
  }
  if (view.resolved.length) {
    parts.push('**Resolved**');
    parts.push(view.resolved.map((entry) => `- ${iconOf(entry)} ${entry.code} · ${resolvedWhere(entry)}`).join('\n'));
  }
  const more = moreLine(view.more);
  if (more) parts.push(more);
  // A mobile or user id is only highlighted when it also appears in the text as @… .
  if (mention) parts.push([...mentions.mobiles, ...mentions.userIds].map((id) => `@${id}`).join(' ') || '@all');
  return {
    msgtype: 'markdown',
    markdown: { title: view.title, text: parts.join('\n\n') },
    at: { atMobiles: mention ? mentions.mobiles : [], atUserIds: mention ? mentions.userIds : [], isAtAll: mention && mentions.all },
  };
}

export const dingtalkRenderer: ChannelRenderer<DingTalkPayload> = {
  render,
  fits: (payload) => utf8Bytes(JSON.stringify(payload)) <= DINGTALK_MAX_BYTES,
};
