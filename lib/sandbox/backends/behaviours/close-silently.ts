// Accepts, reads the request, and closes (FIN) without a byte of response.
import type { Behaviour } from '../behaviour';
import { listenTcp } from '../tcp-server';

export const closeSilently: Behaviour = {
  protocol: 'tcp',
  start: (spec) => listenTcp(spec, (socket) => socket.once('data', () => socket.end())),
};
