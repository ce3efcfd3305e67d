// After the request: a status line, then one header byte every options.delayMs (default 1 s), never finishing the head.
import { delayOption, type Behaviour } from '../behaviour';
import { listenTcp, MAX_CONNECTION_LIFETIME_MS } from '../tcp-server';

const FILLER = Buffer.from('X-Trickle: ' + 'z'.repeat(53) + '\r\n', 'latin1');

export const trickle: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const delayMs = Math.max(1, delayOption(spec, 1000));
    return listenTcp(
      spec,
      (socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\n');
          let sent = 0;
          const timer = setInterval(() => {
            socket.write(FILLER.subarray(sent % FILLER.length, (sent % FILLER.length) + 1));
            sent += 1;
          }, delayMs);
          socket.once('close', () => clearInterval(timer));
        });
      },
      { idleTimeoutMs: MAX_CONNECTION_LIFETIME_MS },
    );
  },
};
