// Opening a store of the notification state by URL (lib/state keeps it; lib/notify/state-codec.ts says what it is).
import { memoryStateStore, openStateStore, type OpenStateStoreDeps, type StateStore } from '../state';
import { notifyStateCodec } from './state-codec';
import type { NotifyState } from './vocabulary';

export { notifyStateCodec } from './state-codec';

export type NotifyStateStore = StateStore<NotifyState>;

/** `file:<path>`, `oss://bucket/key` or `memory:`. */
export function openNotifyStateStore(url: string, deps: OpenStateStoreDeps = {}): NotifyStateStore {
  return openStateStore(url, notifyStateCodec, deps);
}

/** A state that lives only as long as this process (tests, and runs configured without a state). */
export function memoryNotifyStateStore(initial?: NotifyState): NotifyStateStore {
  return memoryStateStore(notifyStateCodec, initial);
}
