// Small helpers the channel renderers share: icons, and neutralising text that came from a backend.
import type { Severity } from '../../model';
import type { DigestEntry } from './model';

export const SEVERITY_ICON: Record<Severity, string> = { critical: '🔴', error: '🟠', warning: '🟡', info: '🔵' };
export const RESOLVED_ICON = '✅';

export function iconOf(entry: DigestEntry): string {
  return entry.event === 'resolved' ? RESOLVED_ICON : SEVERITY_ICON[entry.severity];
}

/**
 * Evidence quotes what a backend said (a Server header, a status line): it must not turn into a link, a mention or
 * a <font> tag in a chat that renders markdown. Angle brackets become look-alikes and link syntax is broken up.
 */
export function neutralizeUntrusted(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›').replace(/\]\(/g, '] (');
}

/** Slack's three mandatory escapes (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function moreLine(more: number): string | null {
  return more > 0 ? `+${more} more (lower severity or repeated causes; the CLI and the webhook channel list all)` : null;
}

export function resolvedWhere(entry: DigestEntry): string {
  const backends = entry.backends.length === 1 ? entry.backends[0] : entry.backends.length > 1 ? `${entry.backends.length} backends` : null;
  const parts = [entry.loadBalancerName, entry.listener, backends];
  return parts.filter((p): p is string => Boolean(p)).join(' · ');
}
