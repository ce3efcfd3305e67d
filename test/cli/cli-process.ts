// The real `slb-doctor` as a user runs it: bin/slb-doctor.js in a child process, over the compiled CLI. The CLI is
// compiled from the current sources (esbuild, into a temporary copy of the package layout: bin/, dist/lib/cli/,
// package.json), so that a test never runs a stale dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

export const ROOT = resolve(__dirname, '..', '..');
/** Every child is killed after this long: a hung CLI fails its test instead of hanging the suite. */
const RUN_TIMEOUT_MS = 90_000;

export interface CompiledCli {
  /** The bin script of the compiled copy. */
  bin: string;
  devBin: string;
  remove(): void;
}

export function compileCli(): CompiledCli {
  const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-cli-'));
  const entries = { 'lib/cli/main': 'lib/cli/main.ts', 'lib/cli/io': 'lib/cli/io.ts', 'lib/dev/main': 'lib/dev/main.ts' };
  buildSync({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(entries).map(([out, source]) => ({ out, in: join(ROOT, source) })),
    outdir: join(dir, 'dist'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // As in scripts/build.js: optional native add-ons and modules the product never loads.
    external: ['bufferutil', 'utf-8-validate', 'proxy-agent'],
    logLevel: 'error',
  });
  mkdirSync(join(dir, 'bin'));
  for (const file of ['slb-doctor.js', 'slb-doctor-dev.js']) copyFileSync(join(ROOT, 'bin', file), join(dir, 'bin', file));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return { bin: join(dir, 'bin', 'slb-doctor.js'), devBin: join(dir, 'bin', 'slb-doctor-dev.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** What the process has written to stdout so far. */
  stdoutSoFar(): string;
  /** Resolves once stderr has printed text matching `pattern` (rejects if the process ends first). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts a command line; `env` is the child's whole environment (PATH and HOME are added). */
export function startCli(command: string, args: readonly string[], env: NodeJS.ProcessEnv, options: { shell?: boolean; cwd?: string } = {}): RunningCli {
  // No spawned CLI may ask the ECS metadata service (100.100.100.200) for a RAM role: tests talk to loopback only.
  const fullEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ...env };
  const child = options.shell
    ? spawn('/bin/bash', ['-c', command], { env: fullEnv, cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [command, ...args], { env: fullEnv, cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const watcher of watchers.splice(0)) {
      if (watcher.pattern.test(stderr)) watcher.resolve();
      else watchers.push(watcher);
    }
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const done = new Promise<CliResult>((resolveDone) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolveDone({ code, signal, stdout, stderr });
    }),
  );
  return {
    child,
    stdoutSoFar: () => stdout,
    done,
    waitForStderr: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolveWait, reject) => {
        if (pattern.test(stderr)) return resolveWait();
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${String(pattern)}; it was: ${stderr}`)), timeoutMs);
        watchers.push({ pattern, resolve: () => (clearTimeout(timer), resolveWait()) });
        void done.then((result) => {
          clearTimeout(timer);
          reject(new Error(`the CLI ended (code ${String(result.code)}) before stderr matched ${String(pattern)}; stderr: ${result.stderr}`));
        });
      }),
  };
}

export function runCli(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, options: { cwd?: string } = {}): Promise<CliResult> {
  return startCli(bin, args, env, options).done;
}

/** A command line through a real shell (pipes, redirections). */
export function runShell(commandLine: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(commandLine, [], env, { shell: true }).done;
}
