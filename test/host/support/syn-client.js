// Sends one TCP connection attempt (a real SYN) per source address to HOST:PORT and prints one JSON line per
// source: {"source":"100.64.0.5","outcome":"connected"|"refused"|"reset"|"timeout"|"error","detail":…}. With
// http, it also sends a HEAD request and reports the status line. Bounded: WAIT_MS per attempt, all in parallel.
//   node syn-client.js HOST PORT WAIT_MS http|tcp SOURCE...
'use strict';
const net = require('node:net');
const [host, port, waitMs, mode, ...sources] = process.argv.slice(2);
function attempt(source) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port), localAddress: source });
    let settled = false;
    let received = '';
    const done = (outcome, detail) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ source, outcome, detail });
    };
    const timer = setTimeout(() => done(received ? 'connected' : socket.connecting ? 'timeout' : 'connected', received.split('\r\n')[0] || null), Number(waitMs));
    socket.on('connect', () => {
      if (mode !== 'http') return done('connected', null);
      socket.write(`HEAD / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) done('connected', received.split('\r\n')[0]);
    });
    socket.on('end', () => done('connected', received.split('\r\n')[0] || null));
    socket.on('error', (err) => done(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' ? 'reset' : 'error', err.code || err.message));
  });
}
Promise.all(sources.map(attempt)).then((results) => {
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
});
