// One emulated function: its pool of instances (at most maxInstances, each instanceConcurrency invocations at a time,
// kept warm),
// the sync callers waiting for a free instance (bounded: beyond it FC answers 429), and its async queue (bounded).
import { randomBytes } from 'node:crypto';
import { FunctionInstance, type InstanceReply } from './instance';
import type { AsyncInvocationRecord, EmulatedCredentials, EmulatedFunction, FunctionStats } from './types';

export interface HostGlobals {
  accountId: string;
  region: string;
  credentials: EmulatedCredentials;
  onLog: (functionName: string, line: string) => void;
  onAsyncDone: (record: AsyncInvocationRecord) => void;
}

export interface HttpTriggerRequest {
  method: string;
  path: string;
  url: string;
  queries: Record<string, string | string[]>;
  headers: Record<string, string>;
  clientIP: string;
  body: Buffer;
}

const DEFAULT_MAX_INSTANCES = 4;
const DEFAULT_MAX_WAITING = 32;
const DEFAULT_ASYNC_QUEUE_CAP = 100;

export class FunctionHost {
  readonly stats: FunctionStats = { invocations: 0, sync: 0, async: 0, http: 0, timeouts: 0, errors: 0, coldStarts: 0, throttled: 0 };
  private readonly instances = new Set<FunctionInstance>();
  private readonly waiters: Array<(instance: FunctionInstance) => void> = [];
  private syncWaiting = 0;
  private readonly asyncQueue: Array<{ record: AsyncInvocationRecord; event: Buffer }> = [];
  private asyncRunning = 0;
  private stopped = false;

  constructor(
    readonly spec: EmulatedFunction,
    private readonly globals: HostGlobals,
  ) {}

  get handler(): string {
    return this.spec.handler ?? 'index.handler';
  }

  private get maxInstances(): number {
    return this.spec.maxInstances ?? DEFAULT_MAX_INSTANCES;
  }

  /** Runs an event invocation (sync caller waiting); 'throttled' when too many callers already wait. */
  async invokeEvent(event: Buffer, requestId: string): Promise<InstanceReply | 'throttled'> {
    const instance = await this.acquire(true);
    if (instance === 'throttled') return 'throttled';
    this.stats.sync++;
    return this.runOn(instance, { type: 'event', event, context: this.context(requestId) });
  }

  async invokeHttp(request: HttpTriggerRequest, requestId: string): Promise<InstanceReply | 'throttled'> {
    const instance = await this.acquire(true);
    if (instance === 'throttled') return 'throttled';
    this.stats.http++;
    return this.runOn(instance, { type: 'http', request: { ...request, body: request.body.toString('base64') }, context: this.context(requestId) });
  }

  /** Queues an async invocation; null when the queue is full. */
  enqueueAsync(event: Buffer, requestId: string, source: AsyncInvocationRecord['source']): AsyncInvocationRecord | null {
    if (this.asyncQueue.length >= (this.spec.asyncQueueCap ?? DEFAULT_ASYNC_QUEUE_CAP)) {
      this.stats.throttled++;
      return null;
    }
    const record: AsyncInvocationRecord = {
      requestId,
      service: this.spec.service,
      functionName: this.spec.name,
      source,
      status: 'queued',
      enqueuedAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      result: null,
      error: null,
    };
    this.asyncQueue.push({ record, event });
    this.pump();
    return record;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.asyncQueue.splice(0)) {
      this.finishAsync(entry.record, { kind: 'died', timedOut: false, error: { errorMessage: 'emulator stopped before the invocation ran', errorType: 'EmulatorStopped' } });
    }
    await Promise.all([...this.instances].map((instance) => instance.kill()));
    this.instances.clear();
  }

  private pump(): void {
    while (!this.stopped && this.asyncRunning < this.maxInstances && this.asyncQueue.length > 0) {
      const entry = this.asyncQueue.shift();
      if (!entry) return;
      this.asyncRunning++;
      void this.runAsync(entry.record, entry.event).finally(() => {
        this.asyncRunning--;
        this.pump();
      });
    }
  }

  private async runAsync(record: AsyncInvocationRecord, event: Buffer): Promise<void> {
    const instance = await this.acquire(false);
    if (instance === 'throttled') {
      // Async callers never wait-throttle; this only happens once the emulator is stopping.
      this.finishAsync(record, { kind: 'died', timedOut: false, error: { errorMessage: 'emulator stopped before the invocation ran', errorType: 'EmulatorStopped' } });
      return;
    }
    record.status = 'running';
    record.startedAt = Date.now();
    this.stats.async++;
    const reply = await this.runOn(instance, { type: 'event', event, context: this.context(record.requestId) });
    this.finishAsync(record, reply);
  }

  private finishAsync(record: AsyncInvocationRecord, reply: InstanceReply): void {
    record.finishedAt = Date.now();
    if (reply.kind === 'result' && reply.ok) {
      record.status = 'succeeded';
      record.result = reply.body.toString('utf8');
    } else {
      record.status = 'failed';
      const error = reply.kind === 'http' ? { errorMessage: 'unexpected HTTP reply', errorType: 'Error' } : reply.kind === 'result' && reply.ok ? null : reply.error;
      record.error = error ? { errorMessage: error.errorMessage, errorType: error.errorType } : null;
    }
    this.globals.onAsyncDone(record);
  }

  private async runOn(instance: FunctionInstance, message: Parameters<FunctionInstance['run']>[0]): Promise<InstanceReply> {
    this.stats.invocations++;
    try {
      const reply = await instance.run(message);
      if (reply.kind === 'died') {
        if (reply.timedOut) this.stats.timeouts++;
        this.stats.errors++;
      } else if ((reply.kind === 'result' && !reply.ok) || reply.kind === 'http-error') {
        this.stats.errors++;
      }
      return reply;
    } finally {
      this.release(instance);
    }
  }

  /** A running instance with room for one more invocation (the most recently started first, as FC fills instances). */
  private withRoom(): FunctionInstance | undefined {
    let found: FunctionInstance | undefined;
    for (const instance of this.instances) if (instance.alive && instance.hasRoom) found = instance;
    return found;
  }

  private acquire(sync: boolean): Promise<FunctionInstance | 'throttled'> {
    const ready = this.stopped ? undefined : this.withRoom();
    if (ready) return Promise.resolve(ready);
    if (this.stopped) return Promise.resolve('throttled');
    if (this.instances.size < this.maxInstances) return Promise.resolve(this.spawn());
    if (sync && this.syncWaiting >= (this.spec.maxWaiting ?? DEFAULT_MAX_WAITING)) {
      this.stats.throttled++;
      return Promise.resolve('throttled');
    }
    if (sync) this.syncWaiting++;
    return new Promise((resolve) =>
      this.waiters.push((instance) => {
        if (sync) this.syncWaiting--;
        resolve(instance);
      }),
    );
  }

  private release(instance: FunctionInstance): void {
    if (!instance.alive) this.instances.delete(instance);
    const waiter = this.waiters.shift();
    if (!waiter) return;
    // After stop() a dead instance is handed on as is: its run() answers at once that it is not running.
    waiter(instance.alive || this.stopped ? instance : this.spawn());
  }

  private spawn(): FunctionInstance {
    this.stats.coldStarts++;
    const { spec, globals } = this;
    const instance = new FunctionInstance({
      codeDir: spec.codeDir,
      memoryMB: spec.memoryMB,
      timeoutSeconds: spec.timeoutSeconds,
      concurrency: spec.instanceConcurrency ?? 1,
      env: this.environment(),
      onLog: (line) => globals.onLog(spec.name, line),
    });
    this.instances.add(instance);
    void instance.exitedPromise.then(() => {
      this.instances.delete(instance);
    });
    return instance;
  }

  /** A clean environment as FC gives one: the system variables plus the function's own, nothing from the emulator's. */
  private environment(): Record<string, string> {
    const { spec, globals } = this;
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: '/tmp',
      TZ: 'UTC',
      FC_FUNC_CODE_PATH: spec.codeDir,
      FC_ACCOUNT_ID: globals.accountId,
      FC_REGION: globals.region,
      FC_SERVICE_NAME: spec.service,
      FC_FUNCTION_NAME: spec.name,
      FC_FUNCTION_HANDLER: this.handler,
      FC_FUNCTION_MEMORY_SIZE: String(spec.memoryMB),
      FC_QUALIFIER: 'LATEST',
      FC_INSTANCE_ID: randomBytes(8).toString('hex'),
      ALIBABA_CLOUD_ACCESS_KEY_ID: globals.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: globals.credentials.accessKeySecret,
      ...(globals.credentials.securityToken ? { ALIBABA_CLOUD_SECURITY_TOKEN: globals.credentials.securityToken } : {}),
      ...spec.env,
    };
  }

  /** The FC 2.0 context object for one invocation. */
  private context(requestId: string): Record<string, unknown> {
    const { spec, globals } = this;
    return {
      requestId,
      credentials: { ...globals.credentials },
      function: { name: spec.name, handler: this.handler, memory: spec.memoryMB, timeout: spec.timeoutSeconds, initializer: '', initializationTimeout: 0 },
      service: { name: spec.service, logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
      region: globals.region,
      accountId: globals.accountId,
      tracing: {},
    };
  }
}
