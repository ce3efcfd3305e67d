// In-process state: for a run without a configured state (nothing persists between runs) and for tests.
import { decodeState, emptyState, encodeState } from './codec';
import type { NotifyState, StateStore } from './types';

class MemoryStateStore implements StateStore {
  readonly location = 'memory:';
  readonly warnings: string[] = [];
  // Kept serialised so that a caller can never mutate the stored state outside update().
  private text: string;

  constructor(initial: NotifyState) {
    this.text = encodeState(initial);
  }

  private parse(): NotifyState {
    const decoded = decodeState(this.text);
    if (!decoded.ok) throw new Error(`memory state became unreadable: ${decoded.problem}`);
    return decoded.state;
  }

  async load(): Promise<NotifyState> {
    return this.parse();
  }

  async update<T>(mutator: (state: NotifyState) => T): Promise<T> {
    const state = this.parse();
    const result = mutator(state);
    state.revision += 1;
    this.text = encodeState(state);
    return result;
  }
}

export function memoryStateStore(initial: NotifyState = emptyState()): StateStore {
  return new MemoryStateStore(initial);
}
