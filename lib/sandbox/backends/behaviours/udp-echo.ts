// Replies to every datagram with options.reply, or echoes it back.
import type { Behaviour } from '../behaviour';
import { bindUdp } from '../udp-server';

export const udpEcho: Behaviour = {
  protocol: 'udp',
  start: (spec) => {
    const reply = spec.options.reply === undefined ? undefined : Buffer.from(spec.options.reply, 'utf8');
    return bindUdp(spec, (message, remote, socket) => socket.send(reply ?? message, remote.port, remote.address));
  },
};
