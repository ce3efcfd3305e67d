// The notify schemas' messages in the product's one style (lib/util/schema.ts): "<path> must be <what>, found …".
import type * as v from 'valibot';
import { issuePath, jsonTypeOf } from '../util/schema';

type Issue = v.BaseIssue<unknown>;

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
  const path = issuePath(issue);
  const message = issue.input === undefined && issue.kind === 'schema' && path !== '' ? 'is missing' : issue.message;
  return path ? `${path} ${message}` : message;
}
