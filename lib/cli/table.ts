// Plain text for terminals: tables padded to their widest cell, a table fitted to a width by cutting one column, and
// prose and shell commands wrapped to a width.

import { clip } from '../util/text';

export { clip };

export function renderTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** The width used when neither COLUMNS nor the terminal says. */
export const DEFAULT_WIDTH = 100;
/** Narrower than this is not worth laying out for: lines then overflow rather than lose every word. */
const MIN_WIDTH = 40;

/** COLUMNS wins (so that `COLUMNS=80 slb-doctor …` works in a pipe too), then the terminal, then 100. */
export function outputWidth(env: NodeJS.ProcessEnv, terminalColumns: number | undefined): number {
  const fromEnv = Number(env.COLUMNS);
  const width = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : terminalColumns && terminalColumns > 0 ? terminalColumns : DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, width);
}

/**
 * Rows laid out within `width` characters (after `indent`): every column keeps its widest cell except `cut`, which
 * gets what is left and is clipped with an ellipsis. The caller puts the cells it must never cut in the other columns.
 */
export function fitTable(rows: string[][], cut: number, width: number, indent = ''): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
  const fixed = widths.reduce((sum, w, i) => (i === cut ? sum : sum + w), 0) + 2 * (columns - 1) + indent.length;
  const room = Math.max(1, width - fixed);
  return rows.map((row) => {
    const cells = row.map((cell, i) => (i === cut ? clip(cell, room) : cell));
    return `${indent}${cells.map((cell, i) => (i === columns - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  });
}

/** Words wrapped to `width`; continuation lines start with `hang`. A word longer than a line is cut into pieces. */
export function wrapText(text: string, width: number, first = '', hang = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = (): number => width - line.length;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let rest = word;
    if (!empty && rest.length + 1 > room()) {
      lines.push(line);
      line = hang;
      empty = true;
    }
    while (rest.length > room() - (empty ? 0 : 1) && room() > 1) {
      const take = Math.max(1, room() - (empty ? 0 : 1));
      line += `${empty ? '' : ' '}${rest.slice(0, take)}`;
      rest = rest.slice(take);
      lines.push(line);
      line = hang;
      empty = true;
    }
    line += `${empty ? '' : ' '}${rest}`;
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd());
}

/**
 * A shell command over several lines, each within `width` when a break point allows, so that it still pastes and
 * runs: lines break only at a space outside quotes and end with ` \` (a backslash-newline joins them again).
 */
export function wrapCommand(command: string, width: number, first: string, hang: string): string[] {
  const breaks: number[] = [];
  let quote: string | null = null;
  for (let i = 0; i < command.length; i += 1) {
    const ch = command[i];
    // Backslash escapes hold outside quotes, in "…" and in ANSI-C $'…', not in plain '…'.
    if (ch === '\\' && quote !== "'") i += 1;
    else if (quote === null && (ch === "'" || ch === '"')) quote = ch === "'" && command[i - 1] === '$' ? "$'" : ch;
    else if (ch === quote || (quote === "$'" && ch === "'")) quote = null;
    else if (ch === ' ' && quote === null) breaks.push(i);
  }
  const lines: string[] = [];
  let start = 0;
  let prefix = first;
  while (prefix.length + command.length - start > width) {
    // The last break that keeps `prefix + piece + " \"` within the width, before a pipe if one fits (the command
    // then reads stage by stage); else the first break after the width.
    const limit = start + width - prefix.length - 2;
    const fitting = breaks.filter((b) => b > start && b <= limit);
    const beforePipe = fitting.filter((b) => command[b + 1] === '|');
    const at = beforePipe.at(-1) ?? fitting.at(-1) ?? breaks.find((b) => b > start);
    if (at === undefined) break;
    lines.push(`${prefix}${command.slice(start, at)} \\`);
    start = at + 1;
    prefix = hang;
  }
  lines.push(`${prefix}${command.slice(start)}`);
  return lines;
}
