// Text that must fit: one line of at most N characters, whatever a backend, an API or a person wrote.

/** One line (whitespace runs become one space), at most `max` characters (code points), an ellipsis marking the cut. */
export function clip(text: string, max: number): string {
  if (max <= 0) return '';
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Text fragments joined into pieces of at least `size` characters (the last may be shorter), so that a large document
 * made fragment by fragment never exists as one string: V8 keeps such strings until its next full collection.
 */
export function* inPieces(fragments: Iterable<string>, size: number = 64 * 1024): Generator<string> {
  let piece = '';
  for (const fragment of fragments) {
    piece += fragment;
    if (piece.length >= size) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}
