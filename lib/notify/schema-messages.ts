// One-line messages for valibot issues: the field path as a person writes it (`mentions.mobiles[1]`) and the JSON
// type found, e.g. "url must be a string, got number". Shared by the notify targets, the silences and the state codec.
import type { BaseIssue } from 'valibot';

type Issue = BaseIssue<unknown>;

/** The JSON type of a value, as the error message names it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

export function pathOf(issue: { path?: readonly { key: unknown }[] | undefined }): string {
  let text = '';
  for (const item of issue.path ?? []) {
    const key = item.key;
    text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/**
 * A message for a schema: "must be <what>, got <type>". Messages leave the path out (valibot adds it to the issue
 * after the message is made); issueLine puts it in front.
 */
export function mustBe(what: string): (issue: Issue) => string {
  return (issue) => `must be ${what}, got ${jsonTypeOf(issue.input)}`;
}

/** The first issue as one line, "<path> <message>"; a missing field is "<path> is missing". */
export function issueLine(issues: readonly Issue[]): string {
  const issue = issues[0];
  if (!issue) return 'is invalid';
  const path = pathOf(issue);
  const message = issue.input === undefined && issue.kind === 'schema' && path !== '' ? 'is missing' : issue.message;
  return path ? `${path} ${message}` : message;
}
