// Text that must fit: one line of at most N characters, whatever a backend, an API or a person wrote.

/** One line (whitespace runs become one space), at most `max` characters (code points), an ellipsis marking the cut. */
export function clip(text: string, max: number): string {
  if (max <= 0) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}
