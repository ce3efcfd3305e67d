// What one check attempt saw on the wire, before any judgement against the listener's settings.
export type Observation =
  | { kind: 'connected' }
  | { kind: 'http-status'; status: number }
  | { kind: 'udp-reply'; reply: string }
  | { kind: 'udp-silence' }
  | { kind: 'failed'; reason: string };

/** Socket error codes in words. */
export function networkFailure(err: NodeJS.ErrnoException, connected: boolean): Observation {
  switch (err.code) {
    case 'ECONNREFUSED':
      return { kind: 'failed', reason: 'connection refused' };
    case 'ECONNRESET':
      return { kind: 'failed', reason: 'connection reset by the backend' };
    case 'EADDRNOTAVAIL':
      return { kind: 'failed', reason: `cannot use the source address: ${err.message}` };
    default:
      return { kind: 'failed', reason: `${connected ? 'after connecting' : 'connect failed'}: ${err.code ?? err.message}` };
  }
}

export const STOPPED: Observation = { kind: 'failed', reason: 'checker stopped' };
