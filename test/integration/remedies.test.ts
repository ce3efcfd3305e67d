// Each sandbox behaviour that stands for a real operator's mistake, probed by the product end to end (slb-doctor probe:
// real sockets, the real evidence collection and diagnosis): the code is right and the cause names what the evidence
// shows. Loopback range of this file: 127.62.9.0/24.
import * as net from 'node:net';
import { runProbeCommand } from '../../lib/cli/probe-command';
import type { Finding } from '../../lib/model';
import { startBackends, type RunningBackends } from '../../lib/sandbox/backends';
import type { BehaviourName, BehaviourOptions } from '../../lib/sandbox/scenario/types';
import { httpRequest, statusOf, tcpExchange } from '../sandbox/dataplane/raw-client';

const NET = '127.62.9';
const ENDPOINTS: { name: string; behaviour: BehaviourName; options?: BehaviourOptions }[] = [
  { name: 'site-failing', behaviour: 'site-failing', options: { domain: 'shop.example.com' } },
  // Its only site answers the backend IP (index 1 → .11); the check sends a name no site serves.
  { name: 'default-server', behaviour: 'default-server', options: { domain: `${NET}.11` } },
  { name: 'forbidden-without-user-agent', behaviour: 'forbidden-without-user-agent' },
  { name: 'forbidden-for-all', behaviour: 'status', options: { status: 403 } },
  { name: 'slb-source-forbidden', behaviour: 'slb-source-forbidden' },
  { name: 'rate-limited', behaviour: 'rate-limited', options: { burst: 1, refused: 2 } },
  { name: 'dead-upstream-member', behaviour: 'dead-upstream-member' },
  { name: 'http2', behaviour: 'other-service', options: { service: 'http2' } },
  { name: 'ssh', behaviour: 'other-service', options: { service: 'ssh' } },
  { name: 'smtp', behaviour: 'other-service', options: { service: 'smtp' } },
  { name: 'redis', behaviour: 'other-service', options: { service: 'redis' } },
  { name: 'mysql', behaviour: 'other-service', options: { service: 'mysql' } },
  { name: 'reset', behaviour: 'reset' },
];
const ipOf = (name: string): string => `${NET}.${ENDPOINTS.findIndex((endpoint) => endpoint.name === name) + 10}`;

/** A port free on this file's first address (the kernel picks it), so that two runs never share one. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, `${NET}.1`, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let port: number;
let backends: RunningBackends;

beforeAll(async () => {
  port = await freePort();
  backends = await startBackends({
    regionId: 'cn-sandbox',
    accountId: '1',
    vpcs: [],
    instances: [],
    securityGroups: [],
    loadBalancers: [],
    endpoints: ENDPOINTS.map((endpoint) => ({ ip: ipOf(endpoint.name), port, behaviour: endpoint.behaviour, ...(endpoint.options ? { options: endpoint.options } : {}) })),
  });
});
afterAll(() => backends?.stop());

/** `slb-doctor probe` of one behaviour as SLB would check it (HEAD / HTTP/1.0), with SLB saying abnormal. */
async function probe(name: string, ...flags: string[]): Promise<Finding> {
  let stdout = '';
  await runProbeCommand([ipOf(name), String(port), '--slb-status', 'abnormal', '--timeout', '2', '--json', ...flags], {
    stdout: (text) => void (stdout += text),
    stderr: () => undefined,
  });
  const { findings } = JSON.parse(stdout) as { findings: Finding[] };
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

describe('a failing site is not a rejected Host', () => {
  it('site-failing: 500 under the check domain, 200 under the IP → STATUS_MISMATCH with the Host contrast', async () => {
    const finding = await probe('site-failing', '--domain', 'shop.example.com');
    expect(finding.code).toBe('STATUS_MISMATCH');
    expect(finding.cause).toBe(`/ answers 500 under Host shop.example.com while Host ${ipOf('site-failing')} answers 200: the site exists and its application is failing.`);
    expect(finding.remedy).toMatch(/Do not point HealthCheckDomain at/);
  });

  it('default-server: 404 (no such site) under the check domain, 200 under the IP → HOST_REJECTED, without pointing the check at the IP', async () => {
    expect(ipOf('default-server')).toBe(`${NET}.11`);
    const finding = await probe('default-server', '--domain', 'shop.example.com');
    expect(finding.code).toBe('HOST_REJECTED');
    expect(finding.remedy).toMatch(/^No site on the server answers Host shop\.example\.com \(404 in [\d.]+ ms\): add shop\.example\.com to the server_name/);
    expect(finding.remedy).toMatch(/Do not point the check at Host 127\.62\.9\.11 only because it answers/);
  });
});

describe('403 causes', () => {
  it('forbidden-without-user-agent: the User-Agent variant passes', async () => {
    const finding = await probe('forbidden-without-user-agent');
    expect(finding.code).toBe('STATUS_MISMATCH');
    expect(finding.cause).toMatch(/answers 403 to requests without a User-Agent, as SLB's checks send them, and 200 with User-Agent "Mozilla/);
    expect(finding.evidence.map((probe) => probe.label)).toContain('user-agent');
  });

  it('a 403 for everyone: our probe with a User-Agent is refused too', async () => {
    const finding = await probe('forbidden-for-all');
    expect(finding.cause).toMatch(/it is forbidden for everyone, not only for SLB/);
  });

  it("slb-source-forbidden: 403 to SLB's source only, so the probe passes and the remedy names web-server allow-lists", async () => {
    const fromSlb = await tcpExchange(ipOf('slb-source-forbidden'), port, httpRequest('HEAD', '/'), { timeoutMs: 1500, localAddress: '127.100.64.9' });
    expect(statusOf(fromSlb)).toBe(403);
    const finding = await probe('slb-source-forbidden');
    expect(finding.code).toBe('SLB_SOURCE_BLOCKED');
    expect(finding.remedy).toMatch(/nginx `allow`\/`deny`/);
  });
});

describe('FLAPPING patterns', () => {
  it('rate-limited: refusals in bursts with 503 → a rate limit', async () => {
    const finding = await probe('rate-limited');
    expect(finding.code).toBe('FLAPPING');
    expect(finding.cause).toMatch(/refused with 503, in bursts: a request rate limit/);
  });

  it('dead-upstream-member: alternating answers → a dead member behind a round-robin proxy', async () => {
    const finding = await probe('dead-upstream-member');
    expect(finding.code).toBe('FLAPPING');
    expect(finding.cause).toMatch(/alternating pass and failure .* one of them is dead\./);
  });
});

describe('PROTOCOL_ERROR names the program on the port', () => {
  it('an h2c-only port: "this port speaks only HTTP/2"', async () => {
    const finding = await probe('http2');
    expect(finding.code).toBe('PROTOCOL_ERROR');
    expect(finding.cause).toMatch(/this port speaks only HTTP\/2/);
  });

  it.each([
    ['ssh', 'an SSH server'],
    ['smtp', 'an SMTP mail server'],
    ['redis', 'a Redis server'],
    ['mysql', 'a MySQL (or MariaDB) server'],
  ])('%s', async (name, service) => {
    const finding = await probe(name);
    expect(finding.code).toBe('PROTOCOL_ERROR');
    expect(finding.cause).toContain(`is not an HTTP server: ${service} answers there`);
  });
});

it('reset with nothing read: CONNECTION_RESET says how to find the process on the port', async () => {
  const finding = await probe('reset');
  expect(finding.code).toBe('CONNECTION_RESET');
  expect(finding.remedy).toContain(`ss -ltnp 'sport = :${port}'`);
});
