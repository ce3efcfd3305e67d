// The official guides' own commands (nc with a hand-written HEAD … HTTP/1.0, curl -0 -I, telnet), filled with this
// listener's values. Every interpolated value is shell-quoted: domains and paths come from an API we do not control.
import type { HttpProbeRequest, ProbeRequest } from '../model';
import { udpPayloadOf } from '../probe/udp';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one shell word: bare when harmless, '…' otherwise, $'…' when it holds control characters. */
export function shellQuote(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  if (!/[\x00-\x1f\x7f]/.test(value)) return `'${value.replace(/'/g, `'\\''`)}'`;
  const escaped = value.replace(/[\\'\x00-\x1f\x7f]/g, (ch) => (ch === '\\' || ch === "'" ? `\\${ch}` : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return `$'${escaped}'`;
}

function seconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

// Values that can sit inside the guide's double-quoted `echo -e "…"` unchanged (no $ ` " \ ! or control bytes).
const PLAIN_IN_DOUBLE_QUOTES = /^[A-Za-z0-9_@%+=:,./?&~;# -]*$/;

/** For `echo -e`: backslashes doubled, control bytes as \xNN, so the payload is sent byte for byte. */
function echoEscape(value: string): string {
  return value.replace(/[\\\x00-\x1f\x7f]/g, (ch) => (ch === '\\' ? '\\\\' : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** `echo -e "HEAD /test.html HTTP/1.0\r\nHost: www.slb-test.com\r\n\r\n" | nc -w 5 10.0.0.1 80` */
export function ncHttpCommand(request: HttpProbeRequest): string {
  const lines = [`${request.method} ${request.uri} HTTP/${request.httpVersion}`];
  if (request.host !== null) lines.push(`Host: ${request.host}`);
  if (request.userAgent !== undefined) lines.push(`User-Agent: ${request.userAgent}`);
  if (request.httpVersion === '1.1') lines.push('Connection: close');
  const plain = lines.every((line) => PLAIN_IN_DOUBLE_QUOTES.test(line));
  const payload = `${lines.map(echoEscape).join('\\r\\n')}\\r\\n\\r\\n`;
  const quoted = plain ? `"${payload}"` : `'${payload.replace(/'/g, `'\\''`)}'`;
  return `echo -e ${quoted} | nc -w ${seconds(request.timeoutMs)} ${shellQuote(request.ip)} ${request.port}`;
}

/** `curl -0 -I -m 5 -H 'Host: www.slb-test.com' http://10.0.0.1:80/test.html` */
export function curlHttpCommand(request: HttpProbeRequest): string {
  const words = ['curl', request.httpVersion === '1.0' ? '-0' : '--http1.1'];
  // HEAD prints the headers; GET prints the headers and discards the body.
  words.push(...(request.method === 'HEAD' ? ['-I'] : ['-sS', '-D', '-', '-o', '/dev/null']));
  words.push('-m', String(seconds(request.timeoutMs)));
  // `Host:` with no value makes curl send no Host header at all, as SLB does without a check domain.
  words.push('-H', shellQuote(request.host === null ? 'Host:' : `Host: ${request.host}`));
  if (request.userAgent !== undefined) words.push('-A', shellQuote(request.userAgent));
  if (/[[\]{}]/.test(request.uri)) words.push('-g');
  words.push(shellQuote(`http://${request.ip}:${request.port}${request.uri}`));
  return words.join(' ');
}

/** The guide's commands for one probe request: nc + curl for HTTP, telnet + nc -vz for TCP, nc -u for UDP. */
export function reproduceCommands(request: ProbeRequest, options: { timed?: boolean } = {}): string[] {
  const ip = shellQuote(request.ip);
  const wait = seconds(request.timeoutMs);
  switch (request.kind) {
    case 'http':
      return [`${options.timed ? 'time ' : ''}${ncHttpCommand(request)}`, curlHttpCommand(request)];
    case 'tcp':
      return [`telnet ${ip} ${request.port}`, `nc -vz -w ${wait} ${ip} ${request.port}`];
    case 'udp':
      return [`echo -n ${shellQuote(udpPayloadOf(request))} | nc -u -w ${wait} ${ip} ${request.port}`];
    case 'tls':
      return [`openssl s_client -connect ${ip}:${request.port}${request.serverName ? ` -servername ${shellQuote(request.serverName)}` : ''} </dev/null`];
  }
}

/** On the backend: is SLB's 100.64.0.0/10 dropped by iptables, security software or rp_filter? */
export function sourceBlockedHostCommands(port: number, protocol: 'tcp' | 'udp'): string[] {
  return [
    'iptables -S',
    'iptables -L -n -v | grep 100.64',
    `ss -l${protocol === 'tcp' ? 't' : 'u'}np 'sport = :${port}'`,
    'sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.eth0.rp_filter',
    `tcpdump -nn -i any src net 100.64.0.0/10 and ${protocol} port ${port}`,
  ];
}

/** On the backend: what listens, and on which address (a 127.0.0.1-only bind refuses SLB). */
export function portClosedHostCommands(port: number, protocol: 'tcp' | 'udp'): string[] {
  const flag = protocol === 'tcp' ? 't' : 'u';
  return [`ss -l${flag}np`, `ss -l${flag}np 'sport = :${port}'`];
}

/** On the backend: a full accept queue (Recv-Q at the backlog) or a DROP rule both look like a connect timeout. */
export function connectTimeoutHostCommands(port: number): string[] {
  return [`ss -ltn 'sport = :${port}'`, 'nstat -az TcpExtListenOverflows TcpExtListenDrops', 'iptables -S'];
}

/** On the backend: load, the usual reason an answer comes late. */
export function slowAnswerHostCommands(port: number): string[] {
  return ['uptime', 'top -b -n 1 | head -n 15', `ss -tn state established '( sport = :${port} )' | wc -l`];
}
