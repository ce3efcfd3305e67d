// The fault zoo on a worker thread of its own, as the sandbox cloud runs it. Why: a real backend is a machine of its
// own, but the sandbox's main loop also serves the OpenAPI and FC emulators and SLB's checker, and under a large
// fleet it stalls for hundreds of milliseconds at a time. A backend that can only accept, answer or reset when that
// loop turns then answers late, and a late answer is a different fault: at 3,000 load balancers a reset backend
// read as a response timeout and a source-blocked one as flapping (docs/performance.md, "Accuracy").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { Scenario } from '../scenario/types';
import { BackendConfigError } from './config-error';
import type { StartBackendsOptions } from './index';
import type { FromZoo, ToZoo, ZooStart } from './zoo-messages';

export interface BackendsOnThread {
  /** The endpoints that listen, as `tcp://ip:port` / `udp://ip:port` (refused, udp-closed and external ones excluded). */
  readonly addresses: readonly string[];
  /** Per client address, the most connections it ever held open at once to any one TCP endpoint. */
  peakConnectionsByClient(): Promise<Map<string, number>>;
  /** Stops every server and helper process, and ends the thread. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The thread's program: the compiled zoo-thread.js next to this file (dist/, or a bundle that puts it beside itself),
 * or, when this file runs as TypeScript (ts-jest), zoo-thread.ts bundled first, because a worker thread cannot load
 * TypeScript (in a function scope: the bundle's top-level names, such as `crypto`, must not land on the worker's
 * global object).
 */
function zooWorker(start: ZooStart): Worker {
  const compiled = join(__dirname, 'zoo-thread.js');
  if (existsSync(compiled)) return new Worker(compiled, { workerData: start });
  const source = join(__dirname, 'zoo-thread.ts');
  if (!existsSync(source)) throw new Error(`the backends' thread program ${compiled} is missing: run 'npm run build' (a bundle of the sandbox must emit lib/sandbox/backends/zoo-thread.ts beside itself)`);
  const bundle = buildSync({ entryPoints: [source], bundle: true, platform: 'node', target: 'node20', format: 'iife', write: false, logLevel: 'silent' });
  return new Worker(bundle.outputFiles[0]?.text ?? '', { eval: true, workerData: start });
}

/** startBackends() on a thread of its own: the same servers and the same errors (a BackendConfigError keeps `taken`). */
export function startBackendsOnThread(scenario: Scenario, options: StartBackendsOptions = {}): Promise<BackendsOnThread> {
  const worker = zooWorker({ scenario, options });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const send = (message: ToZoo): void => worker.postMessage(message);
  const asked = new Map<number, (peaks: Map<string, number>) => void>();
  let nextId = 1;
  let stopping: Promise<void> | undefined;
  let gone = false;
  return new Promise<BackendsOnThread>((resolve, reject) => {
    let started = false;
    worker.once('error', (err) => {
      if (!started) return reject(new Error(`the sandbox's backends could not start on their thread: ${err.message}`, { cause: err }));
      // Nothing answers for the backends any more: fail loudly rather than serve a cloud whose servers all refuse.
      throw new Error(`the sandbox's backends stopped: ${err.message}`, { cause: err });
    });
    worker.once('exit', () => {
      gone = true;
      if (!started) reject(new Error('the sandbox\'s backends\' thread exited before it was ready'));
      for (const answer of asked.values()) answer(new Map());
      asked.clear();
    });
    worker.on('message', (message: FromZoo) => {
      if (message.type === 'failed') {
        reject(message.configError ? new BackendConfigError(message.message, message.taken === null ? {} : { taken: message.taken }) : new Error(message.message));
        return;
      }
      if (message.type === 'peaks') {
        asked.get(message.id)?.(new Map(message.peaks));
        asked.delete(message.id);
        return;
      }
      started = true;
      resolve({
        addresses: message.addresses,
        // Once the thread is gone no one can answer: no connections are held any more.
        peakConnectionsByClient: () =>
          stopping || gone
            ? Promise.resolve(new Map())
            : new Promise((answer) => {
                const id = nextId++;
                asked.set(id, answer);
                send({ type: 'peaks', id });
              }),
        stop: () => {
          if (!stopping) {
            send({ type: 'stop' });
            stopping = exited;
          }
          return stopping;
        },
      });
    });
  });
}
