// `audit --on-host` end to end in the sandbox: one host per new code. Each host's firewall (or reply route) is declared
// once in the scenario; SLB's own checker is really dropped or refused by it, the VPC diagnosis sees SLB_SOURCE_BLOCKED
// or PORT_CLOSED, and the host script, run with bash through the Cloud Assistant emulator, names the cause.
import { runAudit, type AuditRun } from '../../lib/audit/run';
import type { Finding } from '../../lib/model';
import { canMountHostTools } from '../../lib/sandbox/ecs/cloud-assistant';
import { canAnswerWithReset } from '../../lib/sandbox/hosts/dataplane';
import type { ScenarioEndpoint, ScenarioHost } from '../../lib/sandbox/scenario/types';
import { codesByKey, keysOf } from '../support/findings';
import { instance, oneVpcScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const NET = '127.211.0';
const SETTLE_MS = 20_000;
const DROP_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 100.64.0.0/10 -p tcp -m tcp --dport 8080 -j DROP
COMMIT
`;
const REJECT_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m set --match-set slb-nodes src -m tcp --dport 8080 -j REJECT --reject-with tcp-reset
COMMIT
`;

const hosts: Record<string, { last: number; host?: ScenarioHost; endpoint: 'healthy' | 'refused' | 'elsewhere' }> = {
  'i-fw-drop': { last: 11, host: { firewall: { iptables: DROP_RULES } }, endpoint: 'healthy' },
  'i-fw-reject': { last: 12, host: { firewall: { iptables: REJECT_RULES, ipset: 'create slb-nodes hash:net family inet hashsize 1024 maxelem 65536\nadd slb-nodes 100.64.0.0/10\n' } }, endpoint: 'healthy' },
  'i-loopback': { last: 13, endpoint: 'elsewhere' },
  'i-tailscale': { last: 14, host: { replyRoute: { device: 'tailscale0', table: '52' } }, endpoint: 'healthy' },
  'i-windows': { last: 15, host: { osType: 'Windows' }, endpoint: 'refused' },
  'i-no-agent': { last: 16, host: { cloudAssistant: 'absent' }, endpoint: 'refused' },
  'i-fine': { last: 17, endpoint: 'healthy' },
};

function scenario() {
  const entries = Object.entries(hosts);
  return oneVpcScenario(NET, {
    instances: entries.map(([id, spec]) => ({ ...instance(id, `${NET}.${spec.last}`), ...(spec.host ? { host: spec.host } : {}) })),
    endpoints: entries.flatMap(([, spec]): ScenarioEndpoint[] => {
      if (spec.endpoint === 'healthy') return [{ ip: `${NET}.${spec.last}`, port: 8080, behaviour: 'healthy' as const }];
      if (spec.endpoint === 'refused') return [{ ip: `${NET}.${spec.last}`, port: 8080, behaviour: 'refused' as const }];
      // The service listens, but on another address than the one SLB checks.
      return [{ ip: `127.211.1.${spec.last}`, port: 8080, behaviour: 'healthy' as const }];
    }),
    loadBalancers: [
      {
        LoadBalancerId: 'lb-onhost',
        VpcId: 'vpc-test',
        BackendServers: entries.map(([id]) => ({ ServerId: id, Weight: 100 })),
        Listeners: [
          {
            ListenerPort: 80,
            ListenerProtocol: 'http',
            BackendServerPort: 8080,
            healthCheck: { HealthCheckURI: '/', HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 },
          },
        ],
      },
    ],
  });
}

/** The scenario's key for a host; `served` maps it to where the sandbox serves it (moved when the block was taken). */
const scenarioKey = (id: string): string => `lb-onhost/http:80/${NET}.${hosts[id]?.last ?? 0}:8080`;

// The host script puts the system directories first on its PATH; the sandbox's fake firewall tools reach it only
// through a private mount namespace over /usr/local/sbin, which needs root.
const mountable = canMountHostTools();
if (!mountable) console.warn('skipping audit --on-host in the sandbox: the fake firewall tools need root and unshare -m (run the tests as root, as CI does)');
const describeIfRoot = mountable ? describe : describe.skip;

describeIfRoot('audit --on-host in the sandbox: one host per new code', () => {
  let cloud: TestCloud;
  let vpcOnly: AuditRun;
  let onHost: AuditRun;
  const key = (id: string): string => cloud.sandbox.actual(scenarioKey(id));

  beforeAll(async () => {
    cloud = await startTestCloud(scenario());
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's health checker did not settle within ${SETTLE_MS} ms`);
    vpcOnly = await runAudit(cloud.auditOptions());
    onHost = await runAudit(cloud.auditOptions({}, { onHost: true }));
  }, 120_000);
  afterAll(() => cloud?.stop());

  it("SLB's own checker is really dropped, or refused, by the declared rules", () => {
    expect(cloud.sandbox.checker.status(key('i-fw-drop'))).toBe('abnormal');
    expect(cloud.sandbox.checker.detail(key('i-fw-drop'))?.lastResult).toMatch(/timeout|timed out/i);
    expect(cloud.sandbox.checker.status(key('i-fw-reject'))).toBe('abnormal');
    expect(cloud.sandbox.checker.detail(key('i-fw-reject'))?.lastResult).toMatch(canAnswerWithReset() ? /refused/i : /timeout|timed out/i);
    expect(cloud.sandbox.checker.status(key('i-tailscale'))).toBe('abnormal');
    expect(cloud.sandbox.checker.status(key('i-fine'))).toBe('normal');
  });

  it('without --on-host the VPC diagnosis only infers; with it, the host names the cause for each host', () => {
    expect(codesByKey(vpcOnly.summary.findings, vpcOnly.inventory)).toEqual({
      [key('i-fw-drop')]: 'SLB_SOURCE_BLOCKED',
      [key('i-fw-reject')]: 'SLB_SOURCE_BLOCKED',
      [key('i-loopback')]: 'PORT_CLOSED',
      [key('i-tailscale')]: 'SLB_SOURCE_BLOCKED',
      [key('i-windows')]: 'PORT_CLOSED',
      [key('i-no-agent')]: 'PORT_CLOSED',
    });
    expect(codesByKey(onHost.summary.findings, onHost.inventory)).toEqual({
      [key('i-fw-drop')]: 'HOST_FIREWALL_BLOCKS_SLB',
      [key('i-fw-reject')]: 'HOST_FIREWALL_BLOCKS_SLB',
      [key('i-loopback')]: 'SERVICE_BOUND_TO_LOOPBACK',
      [key('i-tailscale')]: 'ROUTE_TO_SLB_ASYMMETRIC',
      [key('i-windows')]: 'HOST_CHECK_UNAVAILABLE,PORT_CLOSED',
      [key('i-no-agent')]: 'HOST_CHECK_UNAVAILABLE,PORT_CLOSED',
    });
  });

  const findingFor = (id: string, code: string): Finding | undefined =>
    onHost.summary.findings.find((finding) => finding.code === code && keysOf(finding, onHost.inventory).includes(key(id)));

  it('the firewall finding names the declared rule and keeps the VPC evidence; the reproduce section prints the script', () => {
    const drop = findingFor('i-fw-drop', 'HOST_FIREWALL_BLOCKS_SLB');
    expect(drop?.evidenceLine).toContain('-A INPUT -s 100.64.0.0/10 -p tcp -m tcp --dport 8080 -j DROP');
    expect(drop?.facts).toContain('host rule: -A INPUT -s 100.64.0.0/10 -p tcp -m tcp --dport 8080 -j DROP');
    expect(drop?.facts[0]).toMatch(/^the VPC diagnosis was SLB_SOURCE_BLOCKED: /);
    expect(drop?.evidence.length).toBeGreaterThan(0);
    const ip = cloud.sandbox.actual(`${NET}.11`);
    expect(drop?.hostCommands[0]).toBe(
      `slb-doctor host-script --backend-ip ${ip} --port 8080 --protocol http --method HEAD --uri / --http-version 1.0 --codes http_2xx,http_3xx --timeout 1 > slb-check.sh && sudo bash slb-check.sh | slb-doctor host-verdict --backend-ip ${ip} --port 8080 --protocol http --method HEAD --uri / --http-version 1.0 --codes http_2xx,http_3xx --timeout 1 --slb-status abnormal`,
    );
    const reject = findingFor('i-fw-reject', 'HOST_FIREWALL_BLOCKS_SLB');
    expect(reject?.evidenceLine).toContain('--match-set slb-nodes src');
  });

  it('unavailable hosts say why, for exactly those instances, and their VPC diagnosis stands', () => {
    expect(findingFor('i-windows', 'HOST_CHECK_UNAVAILABLE')?.cause).toMatch(/Windows/);
    expect(findingFor('i-no-agent', 'HOST_CHECK_UNAVAILABLE')?.cause).toMatch(/no Cloud Assistant agent online/);
    expect(findingFor('i-windows', 'PORT_CLOSED')).toBeDefined();
    const unavailable = onHost.summary.findings.filter((finding) => finding.code === 'HOST_CHECK_UNAVAILABLE').map((finding) => finding.subject.backend?.serverId);
    expect(unavailable.sort()).toEqual(['i-no-agent', 'i-windows']);
  });

  it('reports the extra Cloud Assistant calls: one agent check, one command for all six hosts, a few polls', () => {
    const report = onHost.summary.onHost;
    expect(report).toMatchObject({ instances: 6, commanded: 4, runCommandCalls: 1, statusCalls: 1, refined: 4, stillRunning: 0 });
    expect(report?.apiCalls.RunCommand).toBe(1);
    expect(report?.apiCalls.DescribeCloudAssistantStatus).toBe(1);
    expect(report?.apiCalls.DescribeInvocationResults).toBeGreaterThanOrEqual(1);
    expect(vpcOnly.summary.onHost).toBeUndefined();
  });
});
