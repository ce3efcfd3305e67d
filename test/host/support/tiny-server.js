// A tiny TCP server for the network-namespace tests (not python's http.server, which can stall on name lookups):
//   node tiny-server.js ADDRESS PORT MODE     MODE: ok (HTTP 200) | notfound (HTTP 404) | garbage (not HTTP)
// Prints "listening" once bound; exits on SIGTERM, or by itself after 60 s so that no test can leak it.
'use strict';
const net = require('node:net');
const [address = '0.0.0.0', port = '8080', mode = 'ok'] = process.argv.slice(2);
const replies = {
  ok: 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n',
  notfound: 'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n',
  garbage: 'SSH-2.0-OpenSSH_9.2p1\r\n',
};
const reply = replies[mode];
if (reply === undefined) {
  process.stderr.write(`tiny-server: unknown mode '${mode}' (ok, notfound, garbage)\n`);
  process.exit(2);
}
const server = net.createServer((socket) => {
  socket.on('error', () => socket.destroy());
  if (mode === 'garbage') {
    socket.end(reply);
    return;
  }
  let seen = '';
  socket.on('data', (chunk) => {
    seen += chunk.toString('latin1');
    if (seen.includes('\r\n\r\n')) socket.end(reply);
    else if (seen.length > 16384) socket.destroy();
  });
});
server.listen(Number(port), address, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => process.exit(0), 60_000).unref();
