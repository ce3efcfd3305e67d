import { execFileSync } from 'node:child_process';
import { curlHttpCommand, ncHttpCommand, reproduceCommands, shellQuote } from '../../lib/diagnose';
import type { HttpProbeRequest } from '../../lib/model';

const base: HttpProbeRequest = { kind: 'http', ip: '10.0.0.1', port: 80, method: 'HEAD', uri: '/test.html', httpVersion: '1.0', host: 'www.slb-test.com', acceptedCodes: ['http_2xx'], timeoutMs: 5000 };

/** What bash makes of `printf %s WORD`: the word must come back unchanged. */
function throughBash(word: string): string {
  return execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'latin1' });
}
/** The bytes `echo -e …` writes in bash (the nc line minus the `| nc …`). */
function echoBytes(ncLine: string): string {
  return execFileSync('bash', ['-c', ncLine.replace(/ \| nc .*$/, '')], { encoding: 'latin1' });
}

describe('shellQuote', () => {
  it.each([
    ['www.slb-test.com'],
    ['/health?x=1&y=$(reboot)'],
    ["it's"],
    ['a b;rm -rf /'],
    ['`id`'],
    ['back\\slash'],
    ['new\nline\ttab\x1b[31m'],
    [''],
    ['!event'],
  ])('round-trips %j through bash unchanged', (value) => {
    expect(throughBash(shellQuote(value))).toBe(value);
  });
  it('leaves harmless words bare', () => {
    expect(shellQuote('10.0.0.1')).toBe('10.0.0.1');
    expect(shellQuote('Host: www.slb-test.com')).toBe("'Host: www.slb-test.com'");
  });
});

describe('the guide commands', () => {
  it('nc line is the guide line for ordinary values', () => {
    expect(ncHttpCommand(base)).toBe('echo -e "HEAD /test.html HTTP/1.0\\r\\nHost: www.slb-test.com\\r\\n\\r\\n" | nc -w 5 10.0.0.1 80');
    expect(ncHttpCommand({ ...base, method: 'GET', httpVersion: '1.1', host: null, userAgent: 'KeepAliveClient' })).toBe(
      'echo -e "GET /test.html HTTP/1.1\\r\\nUser-Agent: KeepAliveClient\\r\\nConnection: close\\r\\n\\r\\n" | nc -w 5 10.0.0.1 80',
    );
  });
  it('nc line writes exactly the probe bytes, even for hostile values', () => {
    expect(echoBytes(ncHttpCommand(base))).toBe('HEAD /test.html HTTP/1.0\r\nHost: www.slb-test.com\r\n\r\n\n');
    const hostile = { ...base, uri: "/a'$(id)`x`\\c!", host: 'evil"$HOME' };
    expect(echoBytes(ncHttpCommand(hostile))).toBe(`HEAD /a'$(id)\`x\`\\c! HTTP/1.0\r\nHost: evil"$HOME\r\n\r\n\n`);
  });
  it('curl line follows the guide (-0 -I, -m, Host) and quotes the URL', () => {
    expect(curlHttpCommand(base)).toBe("curl -0 -I -m 5 -H 'Host: www.slb-test.com' http://10.0.0.1:80/test.html");
    expect(curlHttpCommand({ ...base, uri: "/x?a=1&b='2'" })).toBe(`curl -0 -I -m 5 -H 'Host: www.slb-test.com' 'http://10.0.0.1:80/x?a=1&b='\\''2'\\'''`);
    expect(curlHttpCommand({ ...base, uri: '/[a]', method: 'GET', host: null, timeoutMs: 1500 })).toBe('curl -0 -sS -D - -o /dev/null -m 2 -H Host: -g \'http://10.0.0.1:80/[a]\'');
  });
  it('TCP and UDP checks use telnet / nc -vz and nc -u', () => {
    expect(reproduceCommands({ kind: 'tcp', ip: '10.0.0.1', port: 3306, timeoutMs: 5000 })).toEqual(['telnet 10.0.0.1 3306', 'nc -vz -w 5 10.0.0.1 3306']);
    expect(reproduceCommands({ kind: 'udp', ip: '10.0.0.1', port: 53, timeoutMs: 10000, payload: "it's", expect: null })).toEqual([`echo -n 'it'\\''s' | nc -u -w 10 10.0.0.1 53`]);
  });
});
