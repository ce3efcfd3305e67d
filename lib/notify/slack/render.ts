// Slack incoming webhook: Block Kit with a `text` fallback. At most 50 blocks and 3,000 characters per section;
// the whole message is also kept under 12,000 block characters (Slack answers msg_blocks_too_long well before
// 50 × 3,000).
import { clip, entryText, type ChannelRenderer, type DigestView } from '../digest/fit';
import { iconOf, moreLine, resolvedWhere, slackEscape } from '../digest/markup';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_CHARS = 3000;
export const SLACK_MAX_TOTAL_CHARS = 12_000;
const SLACK_MAX_HEADER_CHARS = 150;

type TextObject = { type: 'mrkdwn'; text: string } | { type: 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** Packs lines into sections of at most 3,000 characters, repeating the group's heading on continuations. */
function sections(heading: string, lines: string[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  let current = heading;
  for (const line of lines) {
    const candidate = `${current}\n${line}`;
    if (candidate.length > SLACK_MAX_SECTION_CHARS && current !== heading) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
      current = `${heading} (continued)\n${line}`;
    } else {
      current = candidate;
    }
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current.length > SLACK_MAX_SECTION_CHARS ? clip(current, SLACK_MAX_SECTION_CHARS) : current } });
  return blocks;
}

function render(view: DigestView): SlackPayload {
  const { mentions, hasNewProblems } = view.digest;
  const mentionText = hasNewProblems ? [mentions.all ? '<!channel>' : null, ...mentions.userIds.map((id) => `<@${id}>`)].filter(Boolean).join(' ') : '';
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(view.title, SLACK_MAX_HEADER_CHARS), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: [mentionText, ...view.headline.map(slackEscape)].filter(Boolean).join('\n') } },
  ];
  for (const group of view.groups) {
    const heading = group.loadBalancerId ? `*${slackEscape(group.loadBalancerName)}* \`${group.loadBalancerId}\`` : `*${slackEscape(group.loadBalancerName)}*`;
    const lines: string[] = [];
    for (const listener of group.listeners) {
      if (listener.listener) lines.push(`_${listener.listener}_`);
      for (const entry of listener.entries) {
        const text = entryText(entry, view.detail);
        const entryLines = [`${iconOf(entry)} ${text.label} *${text.code}* ${slackEscape(text.where)}`];
        if (text.evidence) entryLines.push(`      ${slackEscape(text.evidence)}`);
        if (text.remedy) entryLines.push(`      Fix: ${slackEscape(text.remedy)}`);
        if (text.reproduce) entryLines.push(`      \`${slackEscape(text.reproduce.replace(/`/g, "'"))}\``);
        lines.push(entryLines.join('\n'));
      }
    }
    blocks.push(...sections(heading, lines));
  }
  if (view.resolved.length) {
    blocks.push(...sections('*Resolved*', view.resolved.map((entry) => `${iconOf(entry)} ${entry.code} · ${slackEscape(resolvedWhere(entry))}`)));
  }
  const more = moreLine(view.more);
  if (more) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(more) }] });
  return { text: clip([view.title, ...view.headline].join(' — '), 2000), blocks };
}

function blockChars(block: SlackBlock): number {
  if (block.type === 'section' || block.type === 'header') return block.text.text.length;
  if (block.type === 'context') return block.elements.reduce((sum, e) => sum + e.text.length, 0);
  return 0;
}

export const slackRenderer: ChannelRenderer<SlackPayload> = {
  render,
  fits: (payload) =>
    payload.blocks.length <= SLACK_MAX_BLOCKS &&
    payload.blocks.every((block) => block.type !== 'section' || block.text.text.length <= SLACK_MAX_SECTION_CHARS) &&
    payload.blocks.reduce((sum, block) => sum + blockChars(block), 0) <= SLACK_MAX_TOTAL_CHARS,
};
