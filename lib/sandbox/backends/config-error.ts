// The one error a backend raises when the scenario asks for something it cannot serve (kept apart so that the
// behaviour contract and the python helper can both use it without importing each other).
/** A scenario endpoint the sandbox cannot serve as written (bad options, port taken, missing python3 …). */
export class BackendConfigError extends Error {
  /** The endpoint's address is taken by someone else (the sandbox may then move the scenario to free addresses). */
  readonly addressInUse: boolean;
  /** What is taken, in a few words, e.g. "tcp 127.0.0.11:8080 is in use"; null unless `addressInUse`. */
  readonly taken: string | null;

  constructor(message: string, options?: { cause?: unknown; taken?: string }) {
    super(message, options);
    this.name = 'BackendConfigError';
    this.taken = options?.taken ?? null;
    this.addressInUse = this.taken !== null;
  }
}
