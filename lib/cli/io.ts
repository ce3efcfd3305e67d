// The CLI's view of the outside world, injectable so that commands are testable without a terminal.
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal (then the CLI prints tables and progress). */
  isTty: boolean;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stdout.isTTY),
  env: process.env,
};

/** Exit codes: 0 clean, 1 an error-severity finding, 2 bad usage or a failure the user must fix. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;
