// The CLI's view of the outside world, injectable so that commands are testable without a terminal.
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal. */
  isTty: boolean;
  /** True when stderr is a terminal (then the audit shows its progress there); absent = false. */
  stderrIsTty?: boolean;
  /** The terminal's width in columns, when stdout is one; COLUMNS in `env` wins. */
  terminalColumns?: number;
  env: NodeJS.ProcessEnv;
  /**
   * SIGINT/SIGTERM: `listen` installs the handler for one command's run and returns its removal. Absent in tests that
   * call main() directly; the real process wires the signals (createProcessIo).
   */
  interrupts?: InterruptSource;
}

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export interface InterruptSource {
  listen(onInterrupt: (signal: InterruptSignal) => void): () => void;
  /** Leaves at once with this code (a second Ctrl-C). */
  exitNow(code: number): never;
}

/**
 * Exit codes (documented in `audit --help` and the README): 0 complete with no finding of severity error or above;
 * 1 complete with such findings; 2 usage, configuration or credential error found before any work; 3 the audit ran but
 * is incomplete (a load balancer not covered, a notification not delivered, state not saved), which wins over 1.
 * An interrupted run exits 128 + the signal number, as shells report it (130 SIGINT, 143 SIGTERM).
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;
export const SIGNAL_EXIT: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/**
 * The exit code once stdout's reader has left (`| head -n 1`): the report was not wanted in full, which is no failure,
 * so 0; except "incomplete" (a notice not delivered, state not saved), which cron must still see.
 */
export function exitCodeAfterBrokenPipe(code: number): number {
  return code === EXIT.incomplete ? code : EXIT.ok;
}

export interface ProcessIo extends CliIo {
  /** Sets the process's exit code, now and (if stdout breaks later, its error arriving after the run) then. */
  setExitCode(code: number): void;
}

/** The real process: stdout/stderr, their terminals, the environment and the signals. */
export function createProcessIo(): ProcessIo {
  let stdoutClosed = false;
  let result: number | null = null;
  // A reader that leaves early is not an error: stop writing, finish the run (a delivery still happens), exit quietly.
  process.stdout.on('error', (err) => {
    if (!isBrokenPipe(err)) throw err;
    stdoutClosed = true;
    if (result !== null) process.exitCode = exitCodeAfterBrokenPipe(result);
  });
  process.stderr.on('error', (err) => {
    if (!isBrokenPipe(err)) throw err;
  });
  return {
    stdout: (text) => {
      if (!stdoutClosed) process.stdout.write(text);
    },
    stderr: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY),
    stderrIsTty: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { terminalColumns: process.stdout.columns } : {}),
    env: process.env,
    setExitCode: (code) => {
      result = code;
      process.exitCode = stdoutClosed ? exitCodeAfterBrokenPipe(code) : code;
    },
    interrupts: {
      listen: (onInterrupt) => {
        const onSigint = (): void => onInterrupt('SIGINT');
        const onSigterm = (): void => onInterrupt('SIGTERM');
        process.on('SIGINT', onSigint);
        process.on('SIGTERM', onSigterm);
        return () => {
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigterm);
        };
      },
      exitNow: (code) => process.exit(code),
    },
  };
}
