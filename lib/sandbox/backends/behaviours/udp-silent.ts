// Reads every datagram and never replies.
import type { Behaviour } from '../behaviour';
import { bindUdp } from '../udp-server';

export const udpSilent: Behaviour = {
  protocol: 'udp',
  start: (spec) => bindUdp(spec, () => undefined),
};
