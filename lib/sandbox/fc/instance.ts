// One function instance: a child Node.js process running RUNNER_SOURCE with the function's code directory, its
// environment and a heap limit of its memory size. It runs up to `concurrency` invocations at a time (FC's
// InstanceConcurrency, default 1); when an invocation outlives the function's timeout the process is killed (as FC
// does), every invocation on it fails and the instance is gone.
import { isUtf8 } from 'node:buffer';
import { spawn, type ChildProcess } from 'node:child_process';
import { RUNNER_SOURCE, type ParentMessage, type WireEncoding } from './runner';

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
  /** Invocations at once; default 1. */
  concurrency?: number;
  onLog: (line: string) => void;
}

type HttpRequestMessage = Extract<ParentMessage, { type: 'http' }>['request'];

interface Pending {
  id: number;
  resolve: (reply: InstanceReply) => void;
  timer: NodeJS.Timeout;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: boolean; body?: string; encoding?: WireEncoding; error?: InvocationError }
  | { type: 'http-response'; id: number; status: number; headers: Record<string, string>; body: string }
  | { type: 'http-error'; id: number; error: InvocationError }
  | { type: 'crash'; error: InvocationError };

export class FunctionInstance {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
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
        this.settleAll({
          kind: 'died',
          timedOut: false,
          error: this.lastCrash ?? { errorMessage: `Process exited unexpectedly before completing request (code ${code ?? 'none'}, signal ${signal ?? 'none'})`, errorType: 'ProcessExitedError' },
        });
        resolve();
      });
      this.child.once('error', (err) => {
        this.exited = true;
        this.settleAll({ kind: 'died', timedOut: false, error: { errorMessage: `could not start the instance: ${err.message}`, errorType: 'InstanceStartError' } });
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.exited && !this.killed;
  }

  /** Whether it can take one more invocation now. */
  get hasRoom(): boolean {
    return this.pending.size < (this.options.concurrency ?? 1);
  }

  /** Runs one invocation; never rejects (every failure is a reply). */
  run(message: { type: 'event'; event: Buffer; context: unknown } | { type: 'http'; request: HttpRequestMessage; context: unknown }): Promise<InstanceReply> {
    if (!this.hasRoom) throw new Error(`instance is busy: ${this.options.concurrency ?? 1} invocation(s) at a time`);
    const id = this.nextId++;
    return new Promise<InstanceReply>((resolve) => {
      const timer = setTimeout(() => this.timeOut(), this.options.timeoutSeconds * 1000);
      this.pending.set(id, { id, resolve, timer });
      if (!this.alive) {
        this.settle(id, { kind: 'died', timedOut: false, error: { errorMessage: 'instance is not running', errorType: 'InstanceStartError' } });
        return;
      }
      const sent: ParentMessage =
        message.type === 'event'
          ? isUtf8(message.event)
            ? { type: 'event', id, event: message.event.toString('utf8'), encoding: 'utf8', context: message.context }
            : { type: 'event', id, event: message.event.toString('base64'), encoding: 'base64', context: message.context }
          : { type: 'http', id, request: message.request, context: message.context };
      this.child.send(sent);
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
    this.settleAll({ kind: 'died', timedOut: true, error: { errorMessage: `Function timed out after ${seconds} seconds`, errorType: 'FunctionTimeoutError' } });
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private settle(id: number, reply: InstanceReply): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(reply);
  }

  private settleAll(reply: InstanceReply): void {
    for (const id of [...this.pending.keys()]) this.settle(id, reply);
  }

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'crash':
        this.lastCrash = message.error;
        return;
      case 'result':
        this.settle(
          message.id,
          message.ok
            ? { kind: 'result', ok: true, body: Buffer.from(message.body ?? '', message.encoding ?? 'base64') }
            : { kind: 'result', ok: false, error: message.error ?? { errorMessage: 'unknown error', errorType: 'Error' } },
        );
        return;
      case 'http-response':
        this.settle(message.id, { kind: 'http', status: message.status, headers: message.headers, body: Buffer.from(message.body, 'base64') });
        return;
      case 'http-error':
        this.settle(message.id, { kind: 'http-error', error: message.error });
        return;
    }
  }
}
