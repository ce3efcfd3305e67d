// One function instance: a child Node.js process running RUNNER_SOURCE with the function's code directory, its
// environment and a heap limit of its memory size. It runs one invocation at a time; when an invocation outlives
// the function's timeout the process is killed (as FC does) and the instance is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { RUNNER_SOURCE } from './runner';

export interface InvocationError {
  errorMessage: string;
  errorType: string;
  stackTrace?: string[];
}

export type InstanceReply =
  | { kind: 'result'; ok: true; body: Buffer }
  | { kind: 'result'; ok: false; error: InvocationError }
  | { kind: 'http'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'http-error'; error: InvocationError }
  /** Killed at the timeout, crashed, or exited: the instance is gone. */
  | { kind: 'died'; timedOut: boolean; error: InvocationError };

export interface InstanceOptions {
  env: Record<string, string>;
  memoryMB: number;
  timeoutSeconds: number;
  codeDir: string;
  onLog: (line: string) => void;
}

interface Pending {
  id: number;
  resolve: (reply: InstanceReply) => void;
  timer: NodeJS.Timeout;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: boolean; body?: string; error?: InvocationError }
  | { type: 'http-response'; id: number; status: number; headers: Record<string, string>; body: string }
  | { type: 'http-error'; id: number; error: InvocationError }
  | { type: 'crash'; error: InvocationError };

export class FunctionInstance {
  private readonly child: ChildProcess;
  private pending: Pending | null = null;
  private nextId = 1;
  private exited = false;
  /** Set the moment we kill the process, before it has exited, so that it is never handed another invocation. */
  private killed = false;
  private lastCrash: InvocationError | null = null;
  readonly exitedPromise: Promise<void>;

  constructor(private readonly options: InstanceOptions) {
    this.child = spawn(process.execPath, [`--max-old-space-size=${options.memoryMB}`, '-e', RUNNER_SOURCE], {
      cwd: options.codeDir,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') options.onLog(line);
    };
    this.child.stdout?.on('data', forward);
    this.child.stderr?.on('data', forward);
    this.child.on('message', (message: ChildMessage) => this.onMessage(message));
    this.exitedPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.settle({
          kind: 'died',
          timedOut: false,
          error: this.lastCrash ?? { errorMessage: `Process exited unexpectedly before completing request (code ${code ?? 'none'}, signal ${signal ?? 'none'})`, errorType: 'ProcessExitedError' },
        });
        resolve();
      });
      this.child.once('error', (err) => {
        this.exited = true;
        this.settle({ kind: 'died', timedOut: false, error: { errorMessage: `could not start the instance: ${err.message}`, errorType: 'InstanceStartError' } });
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.exited && !this.killed;
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /** Runs one invocation; never rejects (every failure is a reply). */
  run(message: { type: 'event'; event: string; context: unknown } | { type: 'http'; request: unknown; context: unknown }): Promise<InstanceReply> {
    if (this.pending) throw new Error('instance is busy: one invocation at a time');
    const id = this.nextId++;
    return new Promise<InstanceReply>((resolve) => {
      const timer = setTimeout(() => this.timeOut(), this.options.timeoutSeconds * 1000);
      this.pending = { id, resolve, timer };
      if (!this.alive) {
        this.settle({ kind: 'died', timedOut: false, error: { errorMessage: 'instance is not running', errorType: 'InstanceStartError' } });
        return;
      }
      this.child.send({ ...message, id });
    });
  }

  /** Kills the process (used at the timeout and when the emulator stops). */
  async kill(): Promise<void> {
    this.killed = true;
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exitedPromise;
  }

  private timeOut(): void {
    const seconds = this.options.timeoutSeconds;
    this.killed = true;
    this.settle({ kind: 'died', timedOut: true, error: { errorMessage: `Function timed out after ${seconds} seconds`, errorType: 'FunctionTimeoutError' } });
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private settle(reply: InstanceReply): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve(reply);
  }

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'crash':
        this.lastCrash = message.error;
        return;
      case 'result':
        if (this.pending?.id !== message.id) return;
        this.settle(
          message.ok
            ? { kind: 'result', ok: true, body: Buffer.from(message.body ?? '', 'base64') }
            : { kind: 'result', ok: false, error: message.error ?? { errorMessage: 'unknown error', errorType: 'Error' } },
        );
        return;
      case 'http-response':
        if (this.pending?.id !== message.id) return;
        this.settle({ kind: 'http', status: message.status, headers: message.headers, body: Buffer.from(message.body, 'base64') });
        return;
      case 'http-error':
        if (this.pending?.id !== message.id) return;
        this.settle({ kind: 'http-error', error: message.error });
        return;
    }
  }
}
