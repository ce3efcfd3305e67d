// Names the program that answered an HTTP check in its own protocol, from the first bytes the probe quotes in its
// detail (lib/probe/result.ts printableSnippet: printable ASCII kept, \r \n written as such, other bytes as \xNN).
// Each pattern is the documented first message of that protocol as a server sends it to a client that spoke first.

export interface RecognizedService {
  /** Who answers, for the cause: "an SSH server". */
  name: string;
  /** What it showed, for the cause: "its banner SSH-2.0-OpenSSH_9.6". */
  sign: string;
}

/** The quoted reply bytes of a probe detail such as `the reply does not start with …: "SSH-2.0-…"`. */
function quotedReply(detail: string): string | null {
  const start = detail.indexOf(': "');
  if (start < 0 || !detail.endsWith('"')) return null;
  return detail.slice(start + 3, -1);
}

/** Up to the first line break, without a trailing ellipsis. */
function firstLine(text: string): string {
  return text.split('\\r')[0]?.split('\\n')[0]?.replace(/\u2026$/, '') ?? text;
}

const ANY_BYTE = String.raw`(?:\\x[0-9a-f]{2}|[ -~])`;
// RFC 9113 §4.1/§6.5: a frame header (24-bit length, type 0x04 SETTINGS, flags 0, stream 0) is an HTTP/2 server's
// first frame (its connection preface).
const HTTP2_SETTINGS = new RegExp(String.raw`^\\x00${ANY_BYTE}{2}\\x04\\x00\\x00\\x00\\x00\\x00`);
// MySQL protocol 10 handshake: 3-byte length, sequence 0, protocol version 10 (written \n), a version like 8.0.36.
const MYSQL_GREETING = new RegExp(String.raw`^${ANY_BYTE}{3}\\x00\\n(\d+\.\d+\.\d+[^\\]*)`);

export function recognizeService(detail: string | null): RecognizedService | null {
  const reply = detail === null ? null : quotedReply(detail);
  if (reply === null || reply === '') return null;
  if (HTTP2_SETTINGS.test(reply)) return { name: 'an HTTP/2-only server (h2c, prior knowledge)', sign: 'an HTTP/2 SETTINGS frame' };
  if (/^SSH-\d\.\d+-/.test(reply)) return { name: 'an SSH server', sign: `its banner ${firstLine(reply)}` };
  if (/^220[ -]/.test(reply)) {
    const banner = firstLine(reply);
    if (/\bE?SMTP\b|Postfix|Exim|Sendmail/i.test(banner)) return { name: 'an SMTP mail server', sign: `its greeting ${banner}` };
    if (/\bFTP\b/i.test(banner)) return { name: 'an FTP server', sign: `its greeting ${banner}` };
  }
  if (/^-(ERR|NOAUTH|DENIED|WRONGPASS)\b/.test(reply)) return { name: 'a Redis server', sign: `its error reply ${firstLine(reply)}` };
  const mysql = MYSQL_GREETING.exec(reply);
  if (mysql) return { name: 'a MySQL (or MariaDB) server', sign: `its handshake for version ${mysql[1]}` };
  if (/is not allowed to connect to this (MySQL|MariaDB) server/.test(reply)) return { name: 'a MySQL (or MariaDB) server', sign: 'its "host is not allowed" error' };
  return null;
}
