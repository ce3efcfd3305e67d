import { diagnose, jobFor } from '../../lib/diagnose';
import { FINDING_CODES, listenerBackendKey, type DataPlaneEvidence, type Finding, type FindingCode, type Inventory, type Listener, type LoadBalancer, type ProbeJob, type ProbeResult, type SlbHealthStatus, type VariantLabel } from '../../lib/model';
import { backend, evidenceOf, httpCheck, httpReplay, inventoryOf, jobOf, listener, loadBalancer, result, status, tookMs } from './fixtures';
import { HOST_ONLY_CODES } from '../../lib/host/types';

type EvidenceFor = (job: ProbeJob) => DataPlaneEvidence;

async function diagnoseOne(l: Listener, makeEvidence: EvidenceFor | null, extras: Partial<Inventory> = {}, recheck?: Map<string, SlbHealthStatus>): Promise<Finding[]> {
  const inventory = inventoryOf([l], extras);
  const jobs = makeEvidence ? [jobOf(l)] : [];
  const evidence = jobs.map((job) => (makeEvidence as EvidenceFor)(job));
  return diagnose({ inventory, jobs, evidence, recheck: recheck ? async () => recheck : undefined });
}

function only(findings: Finding[]): Finding {
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

// Two backends so that one failing backend is an `error`, not a `critical` outage.
function withHealthyPeer(l: Listener): Listener {
  return { ...l, backends: [...l.backends, backend({ serverId: 'i-web2', ip: '10.0.0.2', checkHost: 'www.slb-test.com', slbStatus: 'normal' })] };
}

interface Case {
  code: FindingCode;
  name: string;
  run: () => Promise<Finding[]>;
  check: (finding: Finding) => void;
}

const noDomain = (slbStatus: SlbHealthStatus = 'abnormal') => withHealthyPeer(listener({ healthCheck: httpCheck({ domain: null }), backends: [backend({ checkHost: null, slbStatus })] }));

const CASES: Case[] = [
  {
    code: 'PORT_CLOSED',
    name: 'refused on every try',
    run: () => diagnoseOne(withHealthyPeer(listener()), (job) => evidenceOf(job, result(httpReplay(job), 'refused'), [1, 2, 3].map((i) => [`repeat-${i}`, result(httpReplay(job), 'refused')]))),
    check: (f) => {
      expect(f.severity).toBe('error');
      expect(f.evidenceLine).toMatch(/^HEAD \/test\.html HTTP\/1\.0, Host www\.slb-test\.com → connection refused in /);
      expect(f.reproduce).toEqual([
        'echo -e "HEAD /test.html HTTP/1.0\\r\\nHost: www.slb-test.com\\r\\n\\r\\n" | nc -w 5 10.0.0.1 80',
        "curl -0 -I -m 5 -H 'Host: www.slb-test.com' http://10.0.0.1:80/test.html",
      ]);
      expect(f.hostCommands).toEqual(['ss -ltnp', "ss -ltnp 'sport = :80'"]);
      expect(f.remedy).toMatch(/127\.0\.0\.1/);
      expect(f.guideStep).toMatch(/^L7 guide step 2/);
    },
  },
  {
    code: 'CONNECT_TIMEOUT',
    name: 'the handshake never completes',
    run: () => diagnoseOne(withHealthyPeer(listener()), (job) => evidenceOf(job, result(httpReplay(job), 'connect_timeout', { timings: { connectMs: null, firstByteMs: null, totalMs: 5000 } }))),
    check: (f) => {
      expect(f.cause).toContain('within 5 s');
      expect(f.hostCommands[0]).toBe("ss -ltn 'sport = :80'");
    },
  },
  {
    code: 'CONNECTION_RESET',
    name: 'reset after the request, whatever the variant',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, result(r, 'reset'), [
          ['repeat-1', result(r, 'reset')],
          ['tls-handshake', result({ kind: 'tls', ip: r.ip, port: r.port, timeoutMs: 5000, serverName: null }, 'tls_handshake_failed')],
          ['get', result({ ...r, method: 'GET' }, 'reset')],
          ['http11-domain-host', result({ ...r, httpVersion: '1.1' }, 'reset')],
        ]);
      }),
    check: (f) => expect(f.cause).toContain('resets the connection'),
  },
  {
    code: 'RESPONSE_TIMEOUT',
    name: 'no answer within the timeout nor the extended wait',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, result(r, 'response_timeout', { bytesRead: 17 }), [
          ['get', result({ ...r, method: 'GET' }, 'response_timeout')],
          ['extended-wait', result({ ...r, timeoutMs: 15000 }, 'response_timeout')],
        ]);
      }),
    check: (f) => {
      expect(f.cause).toContain('nor within the extended 15 s');
      expect(f.cause).toContain('sent 17 bytes but never finished the headers');
      expect(f.reproduce[0]).toMatch(/^time echo -e /);
    },
  },
  {
    code: 'SLOW_RESPONSE',
    name: 'a valid answer only after the timeout',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, result(r, 'response_timeout'), [
          ['get', result({ ...r, method: 'GET' }, 'response_timeout')],
          ['extended-wait', status({ ...r, timeoutMs: 15000 }, 200, true, { timings: tookMs(7200) })],
        ]);
      }),
    check: (f) => expect(f.cause).toBe("The backend answers 200 after 7.2 s, beyond SLB's 5 s timeout."),
  },
  {
    code: 'PATH_NOT_FOUND',
    name: '404 on the check path while / works',
    run: () =>
      diagnoseOne(withHealthyPeer(listener({ healthCheck: httpCheck({ method: 'GET' }) })), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 404, false), [
          ['repeat-1', status(r, 404, false)],
          ['http11-ip-host', status({ ...r, httpVersion: '1.1', host: '10.0.0.1' }, 404, false)],
          ['no-host', status({ ...r, host: null }, 404, false)],
          ['root-path', status({ ...r, uri: '/' }, 200, true)],
        ]);
      }),
    check: (f) => {
      expect(f.cause).toBe('/test.html answers 404 while / answers 200: the check page is missing.');
      expect(f.evidenceLine).toMatch(/^GET \/test\.html HTTP\/1\.0, Host www\.slb-test\.com → 404 in 1 ms; GET \/ HTTP\/1\.0, Host www\.slb-test\.com → 200 in 1 ms$/);
      expect(f.reproduce).toContain("curl -0 -sS -D - -o /dev/null -m 5 -H 'Host: www.slb-test.com' http://10.0.0.1:80/");
    },
  },
  {
    code: 'REDIRECT_NOT_ACCEPTED',
    name: 'a 302 when only 2xx counts',
    run: () =>
      diagnoseOne(withHealthyPeer(listener({ healthCheck: httpCheck({ acceptedCodes: ['http_2xx'] }) })), (job) =>
        evidenceOf(job, status(httpReplay(job), 302, false, { location: 'https://www.slb-test.com/test.html' })),
      ),
    check: (f) => expect(f.cause).toBe('/test.html redirects (302 to https://www.slb-test.com/test.html) and http_3xx is not an accepted code (http_2xx).'),
  },
  {
    code: 'STATUS_MISMATCH',
    name: 'a 503 on every variant',
    run: () => diagnoseOne(withHealthyPeer(listener({ healthCheck: httpCheck({ method: 'GET' }) })), (job) => evidenceOf(job, status(httpReplay(job), 503, false))),
    check: (f) => {
      expect(f.cause).toBe('/test.html answers 503, which is not in the accepted codes (http_2xx,http_3xx).');
      expect(f.remedy).toMatch(/error log/);
    },
  },
  {
    code: 'HEAD_NOT_SUPPORTED',
    name: 'HEAD gets 405 while GET gets 200',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 405, false), [['get', status({ ...r, method: 'GET' }, 200, true)]]);
      }),
    check: (f) => {
      expect(f.cause).toBe('HEAD /test.html fails (405 in 1 ms) while GET answers 200.');
      expect(f.remedy).toMatch(/HealthCheckMethod to GET/);
    },
  },
  {
    code: 'HOST_REJECTED',
    name: 'no Host gets 400, a Host header gets 200',
    run: () =>
      diagnoseOne(noDomain(), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 400, false), [['http11-ip-host', status({ ...r, httpVersion: '1.1', host: '10.0.0.1' }, 200, true)]]);
      }),
    check: (f) => {
      expect(f.cause).toBe('The answer depends on the Host header: no Host fails, Host 10.0.0.1 answers 200.');
      expect(f.reproduce[0]).toBe('echo -e "HEAD /test.html HTTP/1.0\\r\\n\\r\\n" | nc -w 5 10.0.0.1 80');
      expect(f.reproduce).toContain("curl -0 -I -m 5 -H Host: http://10.0.0.1:80/test.html");
      expect(f.reproduce).toContain("curl --http1.1 -I -m 5 -H 'Host: 10.0.0.1' http://10.0.0.1:80/test.html");
    },
  },
  {
    code: 'HTTP_VERSION_REJECTED',
    name: 'HTTP/1.0 gets 505, HTTP/1.1 with the same Host gets 200',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 505, false), [['http11-domain-host', status({ ...r, httpVersion: '1.1' }, 200, true)]]);
      }),
    check: (f) => expect(f.remedy).toMatch(/HealthCheckHttpVersion to http1\.1/),
  },
  {
    code: 'TLS_ON_PLAIN_PORT',
    name: 'plain HTTP is closed, a TLS handshake works',
    run: () =>
      diagnoseOne(withHealthyPeer(listener({ protocol: 'https', port: 443 })), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, result(r, 'closed_no_response'), [
          ['repeat-1', result(r, 'closed_no_response')],
          ['tls-handshake', result({ kind: 'tls', ip: r.ip, port: r.port, timeoutMs: 5000, serverName: 'www.slb-test.com' }, 'ok', { detail: 'TLSv1.3, TLS_AES_256_GCM_SHA384, certificate CN=www, expires 2027-01-01' })],
        ]);
      }),
    check: (f) => {
      expect(f.cause).toContain('speaks TLS (TLSv1.3');
      expect(f.reproduce).toContain('openssl s_client -connect 10.0.0.1:80 -servername www.slb-test.com </dev/null');
    },
  },
  {
    code: 'TLS_ON_PLAIN_PORT',
    name: 'plain HTTP gets nginx\'s 400 "plain HTTP request was sent to HTTPS port", a TLS handshake works',
    run: () =>
      diagnoseOne(withHealthyPeer(listener({ protocol: 'https', port: 443 })), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 400, false), [
          ['tls-handshake', result({ kind: 'tls', ip: r.ip, port: r.port, timeoutMs: 5000, serverName: null }, 'ok', { detail: 'TLSv1.3, TLS_AES_256_GCM_SHA384' })],
        ]);
      }),
    check: (f) => expect(f.cause).toContain('speaks TLS (TLSv1.3'),
  },
  {
    code: 'PROTOCOL_ERROR',
    name: 'the reply is not HTTP',
    run: () => diagnoseOne(withHealthyPeer(listener()), (job) => evidenceOf(job, result(httpReplay(job), 'malformed_response', { detail: 'the reply does not start with an HTTP status line: "SSH-2.0"' }))),
    check: (f) => expect(f.cause).toContain('SSH-2.0'),
  },
  {
    code: 'UDP_NO_REPLY',
    name: 'a UDP check with an expected reply gets silence',
    run: () =>
      diagnoseOne(
        withHealthyPeer(listener({ protocol: 'udp', port: 53, healthCheck: httpCheck({ type: 'udp', udpRequest: 'ping', udpExpect: 'pong', timeoutSeconds: 10 }), backends: [backend({ port: 53, checkPort: 53, checkHost: null })] })),
        (job) => evidenceOf(job, result({ kind: 'udp', ip: job.ip, port: 53, timeoutMs: 10000, payload: 'ping', expect: 'pong' }, 'udp_no_reply')),
      ),
    check: (f) => {
      expect(f.cause).toBe('No reply to "ping" within 10 s; SLB expects a reply containing "pong".');
      expect(f.reproduce).toEqual(['echo -n ping | nc -u -w 10 10.0.0.1 53']);
      expect(f.guideStep).toMatch(/UDP/);
    },
  },
  {
    code: 'UDP_PORT_UNREACHABLE',
    name: 'ICMP port unreachable',
    run: () =>
      diagnoseOne(
        withHealthyPeer(listener({ protocol: 'udp', port: 53, healthCheck: httpCheck({ type: 'udp' }), backends: [backend({ port: 53, checkPort: 53, checkHost: null })] })),
        (job) => evidenceOf(job, result({ kind: 'udp', ip: job.ip, port: 53, timeoutMs: 5000, payload: null, expect: null }, 'udp_port_unreachable')),
      ),
    check: (f) => expect(f.hostCommands).toEqual(['ss -lunp', "ss -lunp 'sport = :53'"]),
  },
  {
    code: 'SLB_SOURCE_BLOCKED',
    name: 'SLB says abnormal while every check from the VPC passes',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 200, true), [1, 2, 3].map((i) => [`repeat-${i}`, status(r, 200, true)]));
      }),
    check: (f) => {
      expect(f.cause).toContain('all 4 identical checks from inside the VPC pass');
      expect(f.hostCommands).toEqual([
        'iptables -S',
        'iptables -L -n -v | grep 100.64',
        "ss -ltnp 'sport = :80'",
        'sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.eth0.rp_filter',
        'tcpdump -nn -i any src net 100.64.0.0/10 and tcp port 80',
      ]);
      expect(f.guideStep).toMatch(/^L7 guide step 1/);
    },
  },
  {
    code: 'FLAPPING',
    name: 'identical checks disagree',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, status(r, 503, false), [['repeat-1', status(r, 200, true)]]);
      }),
    check: (f) => expect(f.cause).toMatch(/^1 of 2 identical checks passed/),
  },
  {
    code: 'TIMEOUT_RISK',
    name: 'a healthy backend answering at 84% of the timeout (sweep)',
    run: () => diagnoseOne(noDomain('normal'), (job) => evidenceOf(job, status(httpReplay(job), 200, true, { timings: tookMs(4200) }))),
    check: (f) => {
      expect(f.severity).toBe('warning');
      expect(f.cause).toBe("Healthy, but the check takes 4.2 s, 84% of SLB's 5 s timeout: a little more load and SLB will mark it abnormal.");
    },
  },
  {
    code: 'RECOVERED',
    name: "every check passes and SLB's re-check says normal",
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => evidenceOf(job, status(httpReplay(job), 200, true)), {}, new Map([[listenerBackendKey({ protocol: 'http', port: 80 }, { ip: '10.0.0.1', port: 80 }), 'normal']])),
    check: (f) => {
      expect(f.severity).toBe('info');
      expect(f.facts).toContain('SLB re-check: normal');
    },
  },
  {
    code: 'UNDETERMINED',
    name: 'the probe errors in a way no variant explains',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), (job) => {
        const r = httpReplay(job);
        return evidenceOf(job, result(r, 'error', { detail: 'EHOSTUNREACH' }), [['tcp-connect', result({ kind: 'tcp', ip: r.ip, port: r.port, timeoutMs: 5000 }, 'error', { detail: 'EHOSTUNREACH' })]]);
      }),
    check: (f) => {
      expect(f.cause).toContain('EHOSTUNREACH');
      expect(f.evidence.map((p) => p.label)).toEqual(['replay', 'tcp-connect']);
    },
  },
  {
    code: 'PROBE_FAILED',
    name: 'the executor reports an error',
    run: () => diagnoseOne(withHealthyPeer(listener()), (job) => ({ ...evidenceOf(job, result(httpReplay(job), 'error')), error: { code: 'PROBE_FAILED', message: 'probe function timed out' } })),
    check: (f) => expect(f.cause).toContain('probe function timed out'),
  },
  {
    code: 'NO_PROBER_FOR_VPC',
    name: 'no probe function for the VPC',
    run: () => diagnoseOne(withHealthyPeer(listener()), (job) => ({ ...evidenceOf(job, result(httpReplay(job), 'error')), error: { code: 'NO_PROBER_FOR_VPC', message: 'no probe function mapped for vpc-1' } })),
    check: (f) => expect(f.remedy).toContain('vpc-1'),
  },
  {
    code: 'LISTENER_STOPPED',
    name: 'a stopped listener',
    run: () => diagnoseOne(listener({ status: 'stopped' }), null),
    check: (f) => {
      expect(f.subject.backend).toBeNull();
      expect(f.severity).toBe('info');
    },
  },
  {
    code: 'HEALTH_CHECK_DISABLED',
    name: 'checks off',
    run: () => diagnoseOne(listener({ healthCheck: httpCheck({ enabled: false }) }), null),
    check: (f) => expect(f.severity).toBe('warning'),
  },
  {
    code: 'CHECK_PENDING',
    name: 'SLB reports unavailable',
    run: () => diagnoseOne(withHealthyPeer(listener({ backends: [backend({ slbStatus: 'unavailable' })] })), null),
    check: (f) => expect(f.remedy).toContain('Wait up to 19 s'),
  },
  {
    code: 'INSTANCE_NOT_RUNNING',
    name: 'the ECS instance is stopped',
    run: () => diagnoseOne(withHealthyPeer(listener()), null, { instances: { 'i-web1': { instanceId: 'i-web1', status: 'Stopped', privateIps: ['10.0.0.1'], securityGroupIds: [], vpcId: 'vpc-1' } } }),
    check: (f) => expect(f.cause).toContain('i-web1 is Stopped'),
  },
  {
    code: 'WEIGHT_ZERO',
    name: 'weight 0',
    run: () => diagnoseOne(withHealthyPeer(listener({ backends: [backend({ weight: 0 })] })), null),
    check: (f) => expect(f.severity).toBe('warning'),
  },
  {
    code: 'SECURITY_GROUP_BLOCKS',
    name: 'a drop rule covering 100.64.0.0/10 on the check port',
    run: () =>
      diagnoseOne(withHealthyPeer(listener()), null, {
        instances: { 'i-web1': { instanceId: 'i-web1', status: 'Running', privateIps: ['10.0.0.1'], securityGroupIds: ['sg-1'] , vpcId: 'vpc-1' } },
        securityGroupRules: { 'sg-1': [{ securityGroupId: 'sg-1', direction: 'ingress', policy: 'drop', priority: 1, ipProtocol: 'TCP', portRange: '80/80', sourceCidrIp: '0.0.0.0/0', description: 'block web' }] },
      }),
    check: (f) => {
      expect(f.cause).toBe("Security group rule drops TCP 80 from 0.0.0.0/0, which covers all of SLB's health-check source 100.64.0.0/10.");
      expect(f.evidenceLine).toBe('sg-1 ingress drop TCP 80/80 from 0.0.0.0/0 priority 1 ("block web")');
      expect(f.reproduce).toHaveLength(2);
    },
  },
  {
    code: 'INVENTORY_ERROR',
    name: 'an API call failed for a load balancer',
    run: () => diagnose({ inventory: { ...inventoryOf([]), errors: [{ loadBalancerId: 'lb-9', action: 'DescribeHealthStatus', code: 'Forbidden.RAM', message: 'no permission' }] }, jobs: [], evidence: [] }),
    check: (f) => {
      expect(f.subject.loadBalancerId).toBe('lb-9');
      expect(f.remedy).toContain('DescribeHealthStatus');
    },
  },
];

describe('diagnose: one finding per code', () => {
  it.each(CASES.map((c) => [c.code, c.name, c] as const))('%s: %s', async (code, _name, c) => {
    const finding = only(await c.run());
    expect(finding.code).toBe(code);
    for (const text of [finding.cause, finding.evidenceLine, finding.remedy, finding.guideStep]) expect(text.length).toBeGreaterThan(0);
    c.check(finding);
  });
  it('covers every finding code', () => {
    // The host codes come from the host verdict (lib/host/verdict.ts), not from diagnose(): test/host/verdict.test.ts covers each.
    const hostOnly = new Set<string>(HOST_ONLY_CODES);
    expect(new Set(CASES.map((c) => c.code))).toEqual(new Set(FINDING_CODES.filter((code) => !hostOnly.has(code))));
  });
});

describe('diagnose: precedence of control-plane facts over probes', () => {
  const stoppedInstance = { 'i-web1': { instanceId: 'i-web1', status: 'Stopped', privateIps: ['10.0.0.1'], securityGroupIds: ['sg-1'], vpcId: 'vpc-1' } };
  const runningInstance = { 'i-web1': { ...stoppedInstance['i-web1'], status: 'Running' } };
  const dropRule = { 'sg-1': [{ securityGroupId: 'sg-1', direction: 'ingress' as const, policy: 'drop' as const, priority: 1, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '100.64.0.0/10', description: '' }] };
  const refused: EvidenceFor = (job) => evidenceOf(job, result(httpReplay(job), 'refused'));

  it('a stopped listener reports nothing about its backends', async () => {
    const findings = await diagnoseOne(listener({ status: 'stopped', healthCheck: httpCheck({ enabled: false }) }), refused, { instances: stoppedInstance });
    expect(findings.map((f) => f.code)).toEqual(['LISTENER_STOPPED']);
  });
  it('checks off beats everything per backend', async () => {
    expect((await diagnoseOne(listener({ healthCheck: httpCheck({ enabled: false }) }), refused, { instances: stoppedInstance })).map((f) => f.code)).toEqual(['HEALTH_CHECK_DISABLED']);
  });
  it('pending beats a stopped instance', async () => {
    const l = withHealthyPeer(listener({ backends: [backend({ slbStatus: 'unavailable', weight: 0 })] }));
    expect(only(await diagnoseOne(l, null, { instances: stoppedInstance })).code).toBe('CHECK_PENDING');
  });
  it('a stopped instance beats weight 0 and security groups', async () => {
    const l = withHealthyPeer(listener({ backends: [backend({ weight: 0 })] }));
    expect(only(await diagnoseOne(l, refused, { instances: stoppedInstance, securityGroupRules: dropRule })).code).toBe('INSTANCE_NOT_RUNNING');
  });
  it('weight 0 beats a security group drop', async () => {
    const l = withHealthyPeer(listener({ backends: [backend({ weight: 0 })] }));
    expect(only(await diagnoseOne(l, null, { instances: runningInstance, securityGroupRules: dropRule })).code).toBe('WEIGHT_ZERO');
  });
  it('a security group drop beats what the probe saw', async () => {
    expect(only(await diagnoseOne(withHealthyPeer(listener()), refused, { instances: runningInstance, securityGroupRules: dropRule })).code).toBe('SECURITY_GROUP_BLOCKS');
  });
  it('control-plane facts are not reported for backends SLB calls normal', async () => {
    const l = listener({ backends: [backend({ slbStatus: 'normal', weight: 0 })] });
    expect(await diagnoseOne(l, null, { instances: stoppedInstance })).toEqual([]);
  });
});

describe('diagnose: severity and coverage', () => {
  it('is critical when no backend of the listener is healthy', async () => {
    const finding = only(await diagnoseOne(listener(), (job) => evidenceOf(job, result(httpReplay(job), 'refused'))));
    expect(finding.severity).toBe('critical');
    expect(finding.facts).toContain('no healthy backend left on http:80');
  });
  it('is a warning when the probe fails but SLB still reports the backend normal', async () => {
    const l = withHealthyPeer(listener({ backends: [backend({ slbStatus: 'normal' })] }));
    const finding = only(await diagnoseOne(l, (job) => evidenceOf(job, result(httpReplay(job), 'refused'))));
    expect([finding.code, finding.severity]).toEqual(['PORT_CLOSED', 'warning']);
    expect(finding.facts).toContain('SLB still reports this backend normal');
  });
  it('reports nothing for a healthy sweep or an abnormal backend that was not probed', async () => {
    expect(await diagnoseOne(noDomain('normal'), (job) => evidenceOf(job, status(httpReplay(job), 200, true)))).toEqual([]);
    expect(await diagnoseOne(withHealthyPeer(listener()), null)).toEqual([]);
  });
  it('judges timeout risk only on sweeps of healthy backends', async () => {
    const unlisted = withHealthyPeer(listener({ backends: [backend({ slbStatus: 'unknown' })] }));
    expect(await diagnoseOne(unlisted, (job) => evidenceOf(job, status(httpReplay(job), 200, true, { timings: tookMs(4500) })))).toEqual([]);
  });
  it('a slow but passing check on an abnormal backend is SLOW_RESPONSE, not a blocked source', async () => {
    const finding = only(await diagnoseOne(withHealthyPeer(listener()), (job) => evidenceOf(job, status(httpReplay(job), 200, true, { timings: tookMs(4600) }))));
    expect(finding.code).toBe('SLOW_RESPONSE');
    expect(finding.cause).toContain("4.6 s, 92% of SLB's 5 s timeout");
  });
  it('takes slowness for the cause only when at least half of the identical checks are slow', async () => {
    // The 5 s check: replay and three repeats; 4.6 s is 92 % of the timeout, 0.2 s is fast.
    const checks = (...ms: number[]): EvidenceFor => (job) => {
      const [replayMs, ...repeatMs] = ms.map((took) => status(httpReplay(job), 200, true, { timings: tookMs(took) }));
      return evidenceOf(job, replayMs as ProbeResult, repeatMs.map((result, i) => [`repeat-${i + 1}` as VariantLabel, result]));
    };
    const oneSlow = only(await diagnoseOne(withHealthyPeer(listener()), checks(200, 4600, 200, 200)));
    expect(oneSlow.code).toBe('SLB_SOURCE_BLOCKED');
    expect(oneSlow.evidenceLine).toContain("(4 of 4 passed; the slowest in 4.6 s, 92% of SLB's 5 s timeout)");
    const halfSlow = only(await diagnoseOne(withHealthyPeer(listener()), checks(200, 4600, 200, 4700)));
    expect(halfSlow.code).toBe('SLOW_RESPONSE');
    expect(halfSlow.cause).toContain("4.7 s, 94% of SLB's 5 s timeout");
    const allFast = only(await diagnoseOne(withHealthyPeer(listener()), checks(200, 300, 200, 250)));
    expect([allFast.code, allFast.evidenceLine.endsWith('(4 of 4 passed)')]).toEqual(['SLB_SOURCE_BLOCKED', true]);
  });
  it('keeps SLB_SOURCE_BLOCKED with a note when the re-check fails or still says abnormal', async () => {
    const passing: EvidenceFor = (job) => evidenceOf(job, status(httpReplay(job), 200, true));
    const inventory = inventoryOf([withHealthyPeer(listener())]);
    const failed = only(await diagnose({ inventory, jobs: [jobOf(listener())], evidence: [passing(jobOf(listener()))], recheck: async () => Promise.reject(new Error('Throttling')) }));
    expect([failed.code, failed.facts.includes('SLB re-check failed: Throttling')]).toEqual(['SLB_SOURCE_BLOCKED', true]);
    const still = only(await diagnoseOne(withHealthyPeer(listener()), passing, {}, new Map([['http:80/10.0.0.1:80', 'abnormal']])));
    expect([still.code, still.facts.includes('SLB re-check: abnormal')]).toEqual(['SLB_SOURCE_BLOCKED', true]);
  });
  it('starts a load balancer\'s re-check as soon as its verdict asks for it, before the diagnosis reads the next load balancer', async () => {
    const l = withHealthyPeer(listener());
    const order: string[] = [];
    const first = loadBalancer([l]);
    const second: LoadBalancer = { ...loadBalancer([]), id: 'lb-2' };
    Object.defineProperty(second, 'listeners', {
      get: () => {
        order.push('diagnosis reads lb-2');
        return [l];
      },
    });
    const jobs = [jobFor(first, l, l.backends[0]!, false), jobFor(second, l, l.backends[0]!, false)];
    const evidence = jobs.map((job) => evidenceOf(job, status(httpReplay(job), 200, true)));
    const findings = await diagnose({
      inventory: { ...inventoryOf([]), loadBalancers: [first, second] },
      jobs,
      evidence,
      recheck: async (loadBalancerId) => {
        order.push(`re-check of ${loadBalancerId}`);
        return new Map();
      },
    });
    expect(findings.map((f) => [f.subject.loadBalancerId, f.code])).toEqual([['lb-1', 'SLB_SOURCE_BLOCKED'], ['lb-2', 'SLB_SOURCE_BLOCKED']]);
    expect(order).toEqual(['re-check of lb-1', 'diagnosis reads lb-2', 're-check of lb-2']);
  });
  it('calls the re-check once per load balancer and orders findings by severity', async () => {
    const l = listener({ backends: [backend(), backend({ serverId: 'i-web2', ip: '10.0.0.2', weight: 0 }), backend({ serverId: 'i-web3', ip: '10.0.0.3' })] });
    const inventory = inventoryOf([l]);
    const passing = (b: number) => evidenceOf(jobOf(l, l.backends[b]), status(httpReplay(jobOf(l, l.backends[b])), 200, true));
    let calls = 0;
    const findings = await diagnose({ inventory, jobs: [jobOf(l, l.backends[0]), jobOf(l, l.backends[2])], evidence: [passing(0), passing(2)], recheck: async () => (calls++, new Map()) });
    expect(calls).toBe(1);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([
      ['SLB_SOURCE_BLOCKED', 'critical'],
      ['SLB_SOURCE_BLOCKED', 'critical'],
      ['WEIGHT_ZERO', 'warning'],
    ]);
  });
});
