// In-process state: for a run without a configured state (nothing persists between runs) and for tests.
import type { Revisioned, StateCodec, StateStore } from './types';

class MemoryStateStore<S extends Revisioned> implements StateStore<S> {
  readonly location = 'memory:';
  readonly warnings: string[] = [];
  // Kept serialised so that a caller can never mutate the stored state outside update().
  private text: string;

  constructor(
    private readonly codec: StateCodec<S>,
    initial: S,
  ) {
    this.text = codec.encode(initial);
  }

  private parse(): S {
    const decoded = this.codec.decode(this.text);
    if (!decoded.ok) throw new Error(`memory state became unreadable: ${decoded.problem}`);
    return decoded.state;
  }

  async load(): Promise<S> {
    return this.parse();
  }

  async update<T>(mutator: (state: S) => T): Promise<T> {
    const state = this.parse();
    const result = mutator(state);
    state.revision += 1;
    this.text = this.codec.encode(state);
    return result;
  }
}

export function memoryStateStore<S extends Revisioned>(codec: StateCodec<S>, initial: S = codec.empty()): StateStore<S> {
  return new MemoryStateStore(codec, initial);
}
