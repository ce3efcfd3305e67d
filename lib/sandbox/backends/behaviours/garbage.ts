// Answers the request with bytes that are not HTTP at all, then closes.
import type { Behaviour } from '../behaviour';
import { listenTcp } from '../tcp-server';

const GARBAGE = Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_8.9\r\n', 'latin1'), Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a])]);

export const garbage: Behaviour = {
  protocol: 'tcp',
  start: (spec) => listenTcp(spec, (socket) => socket.once('data', () => socket.end(GARBAGE))),
};
