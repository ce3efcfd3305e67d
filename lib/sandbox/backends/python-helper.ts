// Runs tiny python3 scripts for the few faults Node cannot produce (a never-accepting listener, a kernel socket
// filter). Work asked for in the same turn of the event loop is coalesced into ONE process per script, so a scenario
// with hundreds of such endpoints costs one python3 start, not hundreds. A helper reads its stdin only to notice when
// we go away, so it can never outlive the sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { BackendConfigError } from './config-error';

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2_000;
const MAX_STDERR_CHARS = 2_000;

export interface PythonJob {
  /** Appended to the batch's argv. */
  args: string[];
  /** A file descriptor of ours to share; the script sees the batch's shared fds as 3, 4, … in join order. */
  fd?: number;
  /** Names the endpoint in error messages. */
  purpose: string;
}

/** Frees a job's share of the helper; the process is stopped once every job of its batch is released. */
export type Release = () => Promise<void>;

/**
 * Batches jobs for one script. The script gets argv `[fdCount, ...args of every job]`, must print `ready` once all
 * jobs are in place, and either exit (one-shot work) or wait for its stdin to close (work it must keep holding).
 */
export class PythonBatcher {
  private pending: { job: PythonJob; resolve: (release: Release) => void; reject: (err: Error) => void }[] = [];

  constructor(private readonly script: string) {}

  join(job: PythonJob): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ job, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const fds = batch.flatMap(({ job }) => (job.fd === undefined ? [] : [job.fd]));
    const args = [String(fds.length), ...batch.flatMap(({ job }) => job.args)];
    let child: ChildProcess;
    try {
      child = await startPythonHelper(this.script, args, fds);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // The helper names the endpoint it failed on ("ip:port: [Errno 98] Address already in use"; TCP-only helpers).
      const inUse = /(\d+\.\d+\.\d+\.\d+:\d+): \[Errno 98\] Address already in use/.exec(reason);
      const taken = inUse ? { taken: `tcp ${inUse[1] ?? ''} is in use` } : {};
      for (const { job, reject } of batch) reject(new BackendConfigError(`${job.purpose}: ${reason}`, { cause: err, ...taken }));
      return;
    }
    let holders = batch.length;
    let stopping: Promise<void> | undefined;
    for (const { resolve } of batch) {
      let released = false;
      resolve(() => {
        if (!released) {
          released = true;
          holders -= 1;
        }
        if (holders > 0) return Promise.resolve();
        stopping ??= stopPythonHelper(child);
        return stopping;
      });
    }
  }
}

/** Starts the script and resolves once it prints `ready`; rejects with its last stderr line if it exits first. */
function startPythonHelper(script: string, args: string[], sharedFds: number[]): Promise<ChildProcess> {
  const child = spawn('python3', ['-c', script, ...args], { stdio: ['pipe', 'pipe', 'pipe', ...sharedFds] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    if (stderr.length < MAX_STDERR_CHARS) stderr += text;
  });
  child.stdin?.on('error', () => undefined);
  return new Promise<ChildProcess>((resolve, reject) => {
    const fail = (reason: string, cause?: unknown): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(reason, { cause }));
    };
    const timer = setTimeout(() => fail(`the python3 helper did not get ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' ? 'needs python3 on PATH; install python3' : `cannot run python3: ${err.message}`, err),
    );
    child.once('exit', (code, signal) => {
      const lastLine = stderr.trim().split('\n').pop() ?? '';
      fail(`the python3 helper exited (${signal ?? `code ${String(code)}`}) before it was ready${lastLine ? `: ${lastLine}` : ''}`);
    });
    let stdout = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      stdout += text;
      if (!stdout.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      child.on('error', () => undefined);
      resolve(child);
    });
  });
}

/** Closes the helper's stdin (it exits by itself), and kills it if it does not within a grace period. */
function stopPythonHelper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.stdin?.end();
  });
}
