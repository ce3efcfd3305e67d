// Bounded concurrency for everything that fans out (API calls, probes, FC invocations).
import { asError } from './errors';

/** Maps `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Serialises work per key (no backend gets two probes at once) while different keys run in parallel. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(fn, fn);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }
}

/** At most `capacity` holders per key at once; `acquire` resolves with the release function (FIFO per key). */
export class KeyedSemaphore {
  private readonly holders = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(readonly capacity: number) {}

  acquire(key: string): Promise<() => void> {
    const held = this.holders.get(key) ?? 0;
    if (held < this.capacity) {
      this.holders.set(key, held + 1);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push(() => resolve(this.releaser(key)));
      this.waiting.set(key, queue);
    });
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.waiting.get(key);
      const next = queue?.shift();
      if (queue?.length === 0) this.waiting.delete(key);
      // The unit passes straight to the next waiter, so the count stays as it is.
      if (next) return next();
      const held = (this.holders.get(key) ?? 1) - 1;
      if (held === 0) this.holders.delete(key);
      else this.holders.set(key, held);
    };
  }
}

/**
 * A gate that lets at most `limit` calls run at once, whoever makes them (FIFO). A call with a free slot starts
 * synchronously (not on a later microtask, as after an awaited acquire), so calls asked for inside a synchronous pass
 * are on the wire while that pass goes on.
 */
export function concurrencyGate(limit: number): <T>(call: () => Promise<T>) => Promise<T> {
  const slots = Math.max(1, limit);
  let running = 0;
  const waiting: Array<() => void> = [];
  const done = (): void => {
    running -= 1;
    waiting.shift()?.();
  };
  return <T>(call: () => Promise<T>): Promise<T> => {
    const start = (): Promise<T> => {
      running += 1;
      let result: Promise<T>;
      try {
        result = call();
      } catch (err) {
        result = Promise.reject(asError(err));
      }
      result.then(done, done);
      return result;
    };
    if (running < slots) return start();
    return new Promise<T>((resolve, reject) => waiting.push(() => start().then(resolve, reject)));
  };
}
