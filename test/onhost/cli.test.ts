// `slb-doctor audit --on-host` as a person runs it: main() with the sandbox's endpoints and keys from the environment.
import { main } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/io';
import type { Finding } from '../../lib/model';
import { canMountHostTools } from '../../lib/sandbox/ecs/cloud-assistant';
import { instance, oneVpcScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const NET = '127.213.0';
const RULE = '-A INPUT -s 100.64.0.0/10 -p tcp -m tcp --dport 8080 -j DROP';

const mountable = canMountHostTools();
if (!mountable) console.warn('skipping slb-doctor audit --on-host: the fake firewall tools need root and unshare -m (run the tests as root, as CI does)');

(mountable ? describe : describe.skip)('slb-doctor audit --on-host', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud(
      oneVpcScenario(NET, {
        instances: [{ ...instance('i-fw', `${NET}.11`), host: { firewall: { iptables: `*filter\n:INPUT ACCEPT [0:0]\n${RULE}\nCOMMIT\n` } } }],
        endpoints: [{ ip: `${NET}.11`, port: 8080, behaviour: 'healthy' }],
        loadBalancers: [
          {
            LoadBalancerId: 'lb-cli',
            VpcId: 'vpc-test',
            BackendServers: [{ ServerId: 'i-fw', Weight: 100 }],
            Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: { HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 } }],
          },
        ],
      }),
    );
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  });
  afterAll(() => cloud?.stop());

  const run = async (args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret };
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false, env };
    const exitCode = await main(['audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--on-host', ...args], io);
    return { exitCode, stdout, stderr };
  };

  it('names the rule in JSON, with the on-host figures, and exits 1', async () => {
    const result = await run(['--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
    const summary = JSON.parse(result.stdout) as { findings: Finding[]; onHost: { commanded: number; apiCalls: Record<string, number> } };
    expect(summary.findings.map((f) => f.code)).toEqual(['HOST_FIREWALL_BLOCKS_SLB']);
    expect(summary.findings[0]?.evidenceLine).toContain(RULE);
    expect(summary.onHost).toMatchObject({ commanded: 1, apiCalls: { RunCommand: 1, DescribeCloudAssistantStatus: 1 } });
  });

  it('prints what the on-host phase did, and the command that shows the script, in text', async () => {
    const result = await run(["--format", "text"]);
    expect(result.stdout).toMatch(/^On the hosts \(Cloud Assistant\): 1 of 1 instance\(s\) examined in \d+\.\d s; 1 refined/m);
    // The reproduce section prints the command that prints the exact host script.
    expect(result.stdout).toMatch(/reproduce:\n(.*\n)*\s+slb-doctor host-script --backend-ip/);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain(`slb-doctor host-script --backend-ip ${cloud.sandbox.actual(`${NET}.11`)} --port 8080`);
  });
});

(mountable ? describe : describe.skip)('slb-doctor audit --on-host without the opt-in RAM statement', () => {
  let cloud: TestCloud;
  const DENIED_NET = '127.214.0';

  beforeAll(async () => {
    cloud = await startTestCloud(
      oneVpcScenario(DENIED_NET, {
        instances: [{ ...instance('i-fw', `${DENIED_NET}.11`), host: { firewall: { iptables: `*filter\n:INPUT ACCEPT [0:0]\n${RULE}\nCOMMIT\n` } } }],
        endpoints: [{ ip: `${DENIED_NET}.11`, port: 8080, behaviour: 'healthy' }],
        loadBalancers: [
          {
            LoadBalancerId: 'lb-denied',
            VpcId: 'vpc-test',
            BackendServers: [{ ServerId: 'i-fw', Weight: 100 }],
            Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: { HealthCheckInterval: 1, HealthCheckTimeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 } }],
          },
        ],
        api: { denyActions: ['ecs:RunCommand'] },
      }),
    );
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  });
  afterAll(() => cloud?.stop());

  it('Forbidden.RAM for ecs:RunCommand: the VPC diagnosis stands, and HOST_CHECK_UNAVAILABLE names the permission', async () => {
    let stdout = '';
    let stderr = '';
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret };
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTty: false, env };
    const exitCode = await main(['audit', '--region', cloud.regionId, '--slb-endpoint', cloud.endpoints.slb, '--ecs-endpoint', cloud.endpoints.ecs, '--on-host', '--format', 'json'], io);
    expect(stderr).toBe('');
    expect(exitCode).toBe(1);
    const summary = JSON.parse(stdout) as { findings: Finding[] };
    expect(summary.findings.map((f) => f.code).sort()).toEqual(['HOST_CHECK_UNAVAILABLE', 'SLB_SOURCE_BLOCKED']);
    const unavailable = summary.findings.find((f) => f.code === 'HOST_CHECK_UNAVAILABLE');
    expect(unavailable?.cause).toMatch(/RunCommand failed: .*Forbidden\.RAM.*Grant the RAM permission ecs:RunCommand .*opt-in on-host statement/);
    expect(unavailable?.facts[0]).toMatch(/^the VPC diagnosis stands: SLB_SOURCE_BLOCKED: /);
  });
});
