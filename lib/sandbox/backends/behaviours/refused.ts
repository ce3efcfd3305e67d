// Nothing listens, so the kernel answers every SYN with a RST (connection refused).
import type { Behaviour } from '../behaviour';

export const refused: Behaviour = {
  protocol: 'tcp',
  start: () => Promise.resolve(null),
};
