// Untrusted JSON is checked by one valibot schema per contract (the type follows from it), and every problem is told
// as one line naming the field path, e.g. `jobs[0].checkPort must be a port from 1 to 65535`.
import * as v from 'valibot';

/** `jobs[0].checkPort` from a valibot issue's path; `root` stands for the value itself (e.g. 'the event'). */
export function issuePath(issue: v.BaseIssue<unknown>, root = ''): string {
  let path = root;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') path += `[${key}]`;
    else if (typeof key === 'string') path += /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
  }
  return path;
}

/**
 * One line per problem: `${path} ${message}` (schemas give messages that read after a field name). A required field
 * that is absent says so: valibot reports it with the enclosing object's message, which would mislead.
 */
export function problemLines(issues: readonly v.BaseIssue<unknown>[], root = ''): string[] {
  return issues.map((issue) => {
    const path = issuePath(issue, root);
    const absentKey = issue.kind === 'schema' && issue.type === 'object' && issue.input === undefined && (issue.path?.length ?? 0) > 0;
    const message = absentKey ? 'is missing' : issue.message;
    return path === '' ? message : `${path} ${message}`;
  });
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Every problem in the value (one per field: a field's checks stop at its first failure). */
export function check<T>(schema: v.GenericSchema<unknown, T>, value: unknown, root = ''): Checked<T> {
  const result = v.safeParse(schema, value, { abortPipeEarly: true });
  return result.success ? { ok: true, value: result.output } : { ok: false, problems: problemLines(result.issues, root) };
}

/** A JSON object (not null, not an array: valibot's object schemas would take an array for one). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a value as a person would name it, for "found …" in messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A whole number within [min, max]; `message` reads after the field name. */
export function integerIn(min: number, max: number, message: string) {
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

/** A TCP/UDP port. */
export function portNumber(message = 'must be a port from 1 to 65535') {
  return integerIn(1, 65535, message);
}
