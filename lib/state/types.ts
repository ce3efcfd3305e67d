// A durable document changed only through conditional writes: one JSON document (a file on a NAS mount, or an OSS
// object). The store knows nothing of what the document means: a codec turns it into text and back.

/** Every stored document carries a revision the store increments on each write. */
export interface Revisioned {
  revision: number;
}

export type Decoded<S> = { ok: true; state: S } | { ok: false; problem: string };

export interface StateCodec<S extends Revisioned> {
  /** The document a store starts with when there is none (or the one there was corrupt). */
  empty(): S;
  encode(state: S): string;
  /**
   * The same document as `encode`, in pieces of a few tens of kilobytes, for a store that uploads bytes: a large state
   * (some 20 MB at 10,000 load balancers) then never exists as one string beside its upload buffer.
   */
  encodeChunks(state: S): Iterable<string>;
  /** Anything that is not a document this version wrote is a problem: the stores move it aside and start afresh. */
  decode(text: string): Decoded<S>;
}

export interface StateStore<S extends Revisioned> {
  /** Where the state lives, with no secret in it (for logs and the run report). */
  readonly location: string;
  /** Recoveries so far (missing or corrupt state started afresh): reported in the run result. */
  readonly warnings: readonly string[];
  load(): Promise<S>;
  /**
   * Read-modify-write. `mutator` changes the state in place and may run more than once (on a conflicting write by
   * another process it runs again on the fresh state), so it must depend only on the state and its own inputs.
   */
  update<T>(mutator: (state: S) => T): Promise<T>;
  /**
   * Starts reading the document for the next update while the caller does other work (a store that reads it
   * afresh for every update, or keeps it in memory, has nothing to start).
   */
  readAhead?(): void;
}

export interface StateLogger {
  warn(message: string): void;
}
