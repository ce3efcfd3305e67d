// Runs `slb-doctor sandbox` in a child process, as a user keeps it running in another terminal: the full stack from
// the function bundles in <cwd>/dist/fc, its one JSON line read from stdout, stopped with SIGINT like Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface SandboxProcess {
  /** The JSON line the sandbox printed. */
  banner: Record<string, unknown>;
  /** Sends SIGINT and resolves with the exit code once the process has exited (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
}

/** Starts the sandbox process from the given function bundles; rejects with its stderr if it exits or stays silent. */
export async function startSandboxProcess(functionsDir: string, args: readonly string[] = []): Promise<SandboxProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-sandbox-process-'));
  const entry = join(dir, 'sandbox.js');
  // The backends' thread program beside the bundle, where lib/sandbox/backends/thread.ts looks for it.
  const entryPoints = [
    { out: 'sandbox', in: join(__dirname, 'sandbox-main.ts') },
    { out: 'zoo-thread', in: join(ROOT, 'lib', 'sandbox', 'backends', 'zoo-thread.ts') },
  ];
  buildSync({ absWorkingDir: ROOT, entryPoints, outdir: dir, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
  mkdirSync(join(dir, 'dist'));
  symlinkSync(functionsDir, join(dir, 'dist', 'fc'));
  const child = spawn(process.execPath, [entry, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const banner = await firstLine(child, exited, () => stderr);
    return {
      banner,
      stop: async () => {
        child.kill('SIGINT');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const code = await exited;
        clearTimeout(killer);
        cleanUp();
        return code;
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    cleanUp();
    throw err;
  }
}

function firstLine(child: ChildProcess, exited: Promise<number | null>, stderr: () => string): Promise<Record<string, unknown>> {
  return new Promise((resolveLine, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the sandbox printed no line within ${START_TIMEOUT_MS} ms; stderr: ${stderr()}`)), START_TIMEOUT_MS);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      resolveLine(JSON.parse(stdout.slice(0, end)) as Record<string, unknown>);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (code ${String(code)}) before printing its line; stderr: ${stderr()}`));
    });
  });
}
