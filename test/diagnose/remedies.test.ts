// Causes and remedies an expert would sign: a failing site is not a rejected Host, 403 causes told apart, the source
// allow-list in the web server, FLAPPING patterns, HTTP/2 and other services on an HTTP port, and a silent reset.
import { interpretEvidence } from '../../lib/diagnose';
import { COMMON_USER_AGENT } from '../../lib/probe';
import { recognizeService } from '../../lib/diagnose/services';
import type { ProbeResult, VariantLabel } from '../../lib/model';
import { backend, evidenceOf, httpCheck, httpReplay, jobOf, listener, result, status } from './fixtures';

const domainJob = () => jobOf(listener());
const ipJob = () => jobOf(listener({ healthCheck: httpCheck({ domain: null }), backends: [backend({ checkHost: null })] }));

describe('a failing site is not a rejected Host', () => {
  it('the configured Host gets 500 while the IP gets 200: STATUS_MISMATCH with the Host contrast, never "point the check elsewhere"', () => {
    const job = domainJob();
    const r = httpReplay(job);
    const ipHost = status({ ...r, httpVersion: '1.1', host: job.ip }, 200, true);
    const verdict = interpretEvidence(job, evidenceOf(job, status(r, 500, false), [['http11-domain-host', status({ ...r, httpVersion: '1.1' }, 500, false)], ['http11-ip-host', ipHost]]));
    expect(verdict?.code).toBe('STATUS_MISMATCH');
    expect(verdict?.cause).toBe('/test.html answers 500 under Host www.slb-test.com while Host 10.0.0.1 answers 200: the site exists and its application is failing.');
    expect(verdict?.remedy).toMatch(/^Fix the application behind Host www\.slb-test\.com/);
    expect(verdict?.remedy).toMatch(/Do not point HealthCheckDomain at 10\.0\.0\.1/);
    expect(verdict?.contrast).toEqual([ipHost]);
  });

  it.each<[string, (r: ReturnType<typeof httpReplay>) => ProbeResult]>([
    ['404', (r) => status(r, 404, false)],
    ['421', (r) => status(r, 421, false)],
    ['400', (r) => status(r, 400, false)],
    ['a close without a reply', (r) => result(r, 'closed_no_response')],
  ])('HOST_REJECTED for a "no such site" answer (%s), and the remedy warns against pointing at a Host of another site', (_label, failing) => {
    const job = domainJob();
    const r = httpReplay(job);
    const verdict = interpretEvidence(job, evidenceOf(job, failing(r), [['http11-ip-host', status({ ...r, httpVersion: '1.1', host: job.ip }, 200, true)]]));
    expect(verdict?.code).toBe('HOST_REJECTED');
    expect(verdict?.remedy).toMatch(/^No site on the server answers Host www\.slb-test\.com/);
    expect(verdict?.remedy).toMatch(/add www\.slb-test\.com to the server_name\/ServerName/);
    expect(verdict?.remedy).toMatch(/Do not point the check at Host 10\.0\.0\.1 only because it answers/);
  });
});

describe('403 causes, told apart', () => {
  it('refused only without a User-Agent: the User-Agent variant passes and is the proof', () => {
    const job = ipJob();
    const r = httpReplay(job);
    const withAgent = status({ ...r, userAgent: COMMON_USER_AGENT }, 200, true);
    const verdict = interpretEvidence(job, evidenceOf(job, status(r, 403, false), [['user-agent', withAgent]]));
    expect(verdict?.code).toBe('STATUS_MISMATCH');
    expect(verdict?.cause).toMatch(/^\/test\.html answers 403 to requests without a User-Agent, as SLB's checks send them, and 200 with User-Agent "Mozilla\/5\.0/);
    expect(verdict?.remedy).toMatch(/Exempt SLB's checks from the rule that refuses an empty User-Agent/);
    expect(verdict?.contrast).toEqual([withAgent]);
  });

  it('forbidden for everyone, our probe with a User-Agent included: index, permissions or a rule', () => {
    const job = ipJob();
    const r = httpReplay(job);
    const verdict = interpretEvidence(job, evidenceOf(job, status(r, 403, false), [['user-agent', status({ ...r, userAgent: COMMON_USER_AGENT }, 403, false)]]));
    expect(verdict?.code).toBe('STATUS_MISMATCH');
    expect(verdict?.cause).toMatch(/to our probe from inside the VPC as well, with a common User-Agent too: it is forbidden for everyone, not only for SLB/);
    expect(verdict?.remedy).toMatch(/index file while listing is off/);
    expect(verdict?.remedy).toMatch(/permissions/);
  });

  it('401 asks for the check path to be exempted from authentication', () => {
    const job = ipJob();
    const verdict = interpretEvidence(job, evidenceOf(job, status(httpReplay(job), 401, false)));
    expect(verdict?.remedy).toMatch(/auth_basic off;/);
  });

  it('the probe passes while SLB fails: SLB_SOURCE_BLOCKED names web-server allow-lists and the access log', () => {
    const job = domainJob();
    const r = httpReplay(job);
    const verdict = interpretEvidence(job, evidenceOf(job, status(r, 200, true), [1, 2, 3].map((i) => [`repeat-${i}` as VariantLabel, status(r, 200, true)])));
    expect(verdict?.code).toBe('SLB_SOURCE_BLOCKED');
    expect(verdict?.cause).toMatch(/a source allow-list in the web server itself/);
    expect(verdict?.remedy).toMatch(/nginx `allow`\/`deny` \(add `allow 100\.64\.0\.0\/10;` before `deny all;`\)/);
    expect(verdict?.remedy).toMatch(/Apache `Require ip`/);
    expect(verdict?.remedy).toMatch(/access log: `grep -E '\^100/);
    expect(verdict?.remedy).toMatch(/iptables\/firewalld/);
  });
});

describe('FLAPPING patterns', () => {
  const flapping = (sequence: Array<[number, boolean]>) => {
    const job = domainJob();
    const r = httpReplay(job);
    const [first, ...rest] = sequence.map(([code, accepted]) => status(r, code, accepted));
    return interpretEvidence(job, evidenceOf(job, first as ProbeResult, rest.map((probe, i) => [`repeat-${i + 1}` as VariantLabel, probe])));
  };

  it('bursts refused with 503: a rate limit such as nginx limit_req', () => {
    const verdict = flapping([[200, true], [503, false], [503, false], [200, true]]);
    expect(verdict?.code).toBe('FLAPPING');
    expect(verdict?.cause).toMatch(/^2 of 4 identical checks passed; the others were refused with 503, in bursts: a request rate limit \(such as nginx limit_req/);
    expect(verdict?.remedy).toMatch(/without limit_req/);
  });

  it('a single 429 is a rate limit too', () => {
    expect(flapping([[429, false], [200, true], [200, true], [200, true]])?.cause).toMatch(/refused with 429, in bursts: a request rate limit/);
  });

  it('alternating answers: a dead member behind a local round-robin proxy', () => {
    const verdict = flapping([[502, false], [200, true], [502, false], [200, true]]);
    expect(verdict?.cause).toMatch(/^2 of 4 identical checks passed, alternating pass and failure .*one of them is dead\.$/);
    expect(verdict?.remedy).toMatch(/max_fails\/fail_timeout/);
  });

  it('anything else is random', () => {
    const verdict = flapping([[500, false], [500, false], [200, true], [500, false]]);
    expect(verdict?.cause).toMatch(/^1 of 4 identical checks passed: the backend fails intermittently/);
    expect(verdict?.remedy).toMatch(/GC pauses/);
  });
});

describe('PROTOCOL_ERROR names what answers instead of HTTP', () => {
  const malformed = (snippet: string) => {
    const job = domainJob();
    return interpretEvidence(job, evidenceOf(job, result(httpReplay(job), 'malformed_response', { detail: `the reply does not start with an HTTP status line: "${snippet}"` })));
  };

  it('an HTTP/2 SETTINGS frame: this port speaks only HTTP/2', () => {
    const verdict = malformed(String.raw`\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00d\x00\x00\x08\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01`);
    expect(verdict?.code).toBe('PROTOCOL_ERROR');
    expect(verdict?.cause).toBe("10.0.0.1:80 answers the HTTP/1.0 check with an HTTP/2 SETTINGS frame: this port speaks only HTTP/2 (h2c), and SLB's checks are HTTP/1.x.");
    expect(verdict?.remedy).toMatch(/HealthCheckConnectPort/);
  });

  it.each([
    [String.raw`SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n`, 'an SSH server', 'its banner SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13'],
    [String.raw`220 mail.sandbox.example ESMTP Postfix (Ubuntu)\r\n502 5.5.2`, 'an SMTP mail server', 'its greeting 220 mail.sandbox.example ESMTP Postfix (Ubuntu)'],
    [String.raw`-ERR unknown command 'HEAD', with args beginning with: '/' 'HTTP/1.0' \r\n`, 'a Redis server', "its error reply -ERR unknown command 'HEAD', with args beginning with: '/' 'HTTP/1.0' "],
    [String.raw`4\x00\x00\x00\n8.0.36\x00\x08\x00\x00\x00abcdefgh\x00\xff\xf7\xff\x02\x00\xff\xdf\x15`, 'a MySQL (or MariaDB) server', 'its handshake for version 8.0.36'],
  ])('recognizes %j', (snippet, name, sign) => {
    expect(recognizeService(`the reply does not start with an HTTP status line: "${snippet}"`)).toEqual({ name, sign });
    const verdict = malformed(snippet);
    expect(verdict?.cause).toBe(`10.0.0.1:80 is not an HTTP server: ${name} answers there (${sign}).`);
    expect(verdict?.remedy).toMatch(/^Port 80 belongs to /);
  });

  it('keeps the generic cause for bytes it does not know', () => {
    expect(recognizeService('the reply does not start with an HTTP status line: "\\x00\\xff\\x13"')).toBeNull();
    expect(malformed(String.raw`\x00\xff\x13`)?.cause).toMatch(/does not answer with HTTP/);
  });
});

describe('CONNECTION_RESET with nothing read', () => {
  it('says a non-HTTP service may hold the port and how to find it', () => {
    const job = domainJob();
    const verdict = interpretEvidence(job, evidenceOf(job, result(httpReplay(job), 'reset', { bytesRead: 0 })));
    expect(verdict?.code).toBe('CONNECTION_RESET');
    expect(verdict?.cause).toMatch(/\(not a single byte came back\)\.$/);
    expect(verdict?.remedy).toMatch(/a service that does not speak HTTP may hold port 80 .* `ss -ltnp 'sport = :80'` on the backend names the process/);
  });
});
