// Nothing listens, so the kernel answers with ICMP port unreachable.
import type { Behaviour } from '../behaviour';

export const udpClosed: Behaviour = {
  protocol: 'udp',
  start: () => Promise.resolve(null),
};
