// Another program holds the checked port and speaks its own protocol, as the real servers do when sent an HTTP request:
// an SSH or SMTP server greets first, a MySQL server sends its handshake packet, Redis answers the "HEAD" command with
// an error and closes, and an HTTP/2-only (h2c prior knowledge) server sends its SETTINGS frame and a GOAWAY.
import type * as net from 'node:net';
import { BackendConfigError, describeEndpoint, type Behaviour } from '../behaviour';
import { listenTcp } from '../tcp-server';

export const OTHER_SERVICES = ['ssh', 'smtp', 'redis', 'mysql', 'http2'] as const;
export type OtherService = (typeof OTHER_SERVICES)[number];

/** MySQL protocol 10 handshake: 3-byte little-endian length, sequence 0, then version 10 and the server version. */
function mysqlGreeting(): Buffer {
  const payload = Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from('8.0.36\0', 'latin1'),
    Buffer.from([0x08, 0x00, 0x00, 0x00]), // connection id
    Buffer.from('abcdefgh\0', 'latin1'), // auth-plugin-data part 1 and filler
    Buffer.from([0xff, 0xf7, 0xff, 0x02, 0x00, 0xff, 0xdf, 0x15]), // capabilities, charset, status, capabilities
  ]);
  return Buffer.concat([Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, 0x00, 0x00]), payload]);
}

// RFC 9113 §4.1 frames: 24-bit length, type, flags, 31-bit stream id. SETTINGS (type 4) with MAX_CONCURRENT_STREAMS
// 100, then GOAWAY (type 7) with error PROTOCOL_ERROR (1), as an h2c-only server answers an HTTP/1 request line.
const HTTP2_SETTINGS = Buffer.from([0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x64]);
const HTTP2_GOAWAY = Buffer.from([0x00, 0x00, 0x08, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]);

function converse(service: OtherService, socket: net.Socket): void {
  switch (service) {
    case 'ssh':
      socket.write('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n');
      socket.once('data', () => socket.end('Invalid SSH identification string.\r\n'));
      return;
    case 'smtp':
      socket.write('220 mail.sandbox.example ESMTP Postfix (Ubuntu)\r\n');
      socket.once('data', () => socket.end('502 5.5.2 Error: command not recognized\r\n221 2.0.0 Bye\r\n'));
      return;
    case 'mysql':
      socket.write(mysqlGreeting());
      socket.once('data', () => socket.end());
      return;
    case 'redis':
      // Redis closes a connection that sends "Host:" (its cross-protocol guard) after answering the inline command.
      socket.once('data', () => socket.end("-ERR unknown command 'HEAD', with args beginning with: '/' 'HTTP/1.0' \r\n"));
      return;
    case 'http2':
      socket.once('data', () => socket.end(Buffer.concat([HTTP2_SETTINGS, HTTP2_GOAWAY])));
      return;
  }
}

export const otherService: Behaviour = {
  protocol: 'tcp',
  start: (spec) => {
    const service = spec.options.service;
    if (service === undefined || !(OTHER_SERVICES as readonly string[]).includes(service)) {
      throw new BackendConfigError(`${describeEndpoint(spec)}: options.service must be one of ${OTHER_SERVICES.join(', ')}, got ${String(service)}`);
    }
    return listenTcp(spec, (socket) => converse(service as OtherService, socket));
  },
};
