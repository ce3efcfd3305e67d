// Errors a person can act on: one line that names the problem and what to do. The CLI prints only `message`
// (plus the stack with --debug); everything else is a bug.
export class UserFacingError extends Error {
  constructor(
    message: string,
    /** A stable machine-readable code, e.g. `CREDENTIALS_INVALID`, `CONFIG_INVALID`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UserFacingError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A thrown value as an Error: rejections must carry an Error, and code may throw anything. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
