// The worker thread's program for thread.ts: starts the zoo, then answers the caller's questions until told to stop.
import { parentPort, workerData } from 'node:worker_threads';
import { BackendConfigError } from './config-error';
import { startBackends } from './index';
import type { FromZoo, ToZoo, ZooStart } from './zoo-messages';

const port = parentPort;
if (!port) throw new Error('zoo-thread.ts is the zoo thread\'s program: start it with startBackendsOnThread()');
const { scenario, options } = workerData as ZooStart;

startBackends(scenario, options).then(
  (backends) => {
    port.on('message', (message: ToZoo) => {
      if (message.type === 'peaks') {
        const reply: FromZoo = { type: 'peaks', id: message.id, peaks: [...backends.peakConnectionsByClient()] };
        port.postMessage(reply);
        return;
      }
      // Ends this thread only (in a worker, process.exit stops the thread), once every server and helper is gone.
      void backends.stop().then(() => process.exit(0));
    });
    const ready: FromZoo = { type: 'ready', addresses: backends.addresses() };
    port.postMessage(ready);
  },
  (err: unknown) => {
    const failed: FromZoo = {
      type: 'failed',
      message: err instanceof Error ? err.message : String(err),
      taken: err instanceof BackendConfigError ? err.taken : null,
      configError: err instanceof BackendConfigError,
    };
    port.postMessage(failed);
    port.close();
  },
);
