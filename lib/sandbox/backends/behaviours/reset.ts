// Accepts the connection, then resets it at once.
import type { Behaviour } from '../behaviour';
import { listenTcp } from '../tcp-server';

export const reset: Behaviour = {
  protocol: 'tcp',
  start: (spec) => listenTcp(spec, (socket) => socket.resetAndDestroy()),
};
