// The sandbox held to part 1's real fixtures (test/fixtures/host, captured from real iptables-save in network
// namespaces): a sandbox host declaring a fixture's rules prints them as the real tool did, the host verdict reads the
// sandbox's script output exactly as it reads the real host's (same rule, same share of 100.64.0.0/10), and the
// sandbox's data plane refuses exactly the checker sources inside that share.
import * as $Ecs from '@alicloud/ecs20140526';
import type EcsClient from '@alicloud/ecs20140526';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHostScript } from '../../lib/host/script';
import type { HostCheckSpec } from '../../lib/host/types';
import { hostVerdict } from '../../lib/host/verdict';
import { canMountHostTools, createCloudAssistant, type CloudAssistant } from '../../lib/sandbox/ecs/cloud-assistant';
import { createEcsProduct } from '../../lib/sandbox/ecs';
import { hostSourceVerdicts, realSlbSource } from '../../lib/sandbox/hosts/dataplane';
import { prepareHostTools, type HostTools } from '../../lib/sandbox/hosts/tools';
import { AccessKeyRegistry, generateSandboxCredentials } from '../../lib/sandbox/openapi/credentials';
import { createOpenApiPolicy, startOpenApiServer, type OpenApiServer } from '../../lib/sandbox/openapi/server';
import type { Scenario } from '../../lib/sandbox/scenario/types';
import { validateScenario } from '../../lib/sandbox/scenario/validate';
import { ecsClient, smallScenario } from '../sandbox/api/helpers';

const FIXTURES = join(__dirname, '../fixtures/host');
/** Fixtures whose rules the sandbox evaluates as they are (no interface match: sandbox checks arrive on lo). */
const CASES = [
  { fixture: 'fail2ban', dump: 'iptables-nft.txt' },
  { fixture: 'mixed', dump: 'iptables-legacy.txt' },
] as const;
const CHECK: Omit<HostCheckSpec, 'backendIp'> = { port: 8080, protocol: 'http', method: 'HEAD', uri: '/', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx', 'http_3xx'], timeoutSeconds: 1, udpRequest: null, udpExpect: null };
const SANDBOX_IP = (index: number): string => `127.0.0.${40 + index}`;

const read = (fixture: string, file: string): string => readFileSync(join(FIXTURES, fixture, file), 'utf8');
/** The rules as a person declares them: the dump without the tool's banner lines. */
const rulesOf = (dump: string): string => dump.split('\n').filter((line) => line !== '' && !line.startsWith('# ')).join('\n') + '\n';

function scenario(): Scenario {
  const base = smallScenario();
  return {
    ...base,
    instances: [
      ...base.instances,
      ...CASES.map((c, index) => ({
        instanceId: `i-${c.fixture}`,
        status: 'Running' as const,
        vpcId: 'vpc-a',
        privateIp: SANDBOX_IP(index),
        securityGroupIds: [],
        host: { firewall: { iptables: rulesOf(read(c.fixture, c.dump)), ipset: read(c.fixture, 'ipset.txt') } },
      })),
    ],
    endpoints: CASES.map((_c, index) => ({ ip: SANDBOX_IP(index), port: 8080, behaviour: 'healthy' as const })),
  };
}

async function runScript(client: EcsClient, instanceId: string, script: string): Promise<string> {
  const run = await client.runCommand(
    new $Ecs.RunCommandRequest({ regionId: 'cn-hangzhou', type: 'RunShellScript', commandContent: Buffer.from(script).toString('base64'), contentEncoding: 'Base64', instanceId: [instanceId], timeout: 30 }),
  );
  for (let attempt = 0; attempt < 300; attempt++) {
    const reply = await client.describeInvocationResults(new $Ecs.DescribeInvocationResultsRequest({ regionId: 'cn-hangzhou', invokeId: run.body?.invokeId }));
    const result = reply.body?.invocation?.invocationResults?.invocationResult?.[0];
    if (result?.invocationStatus === 'Success') return Buffer.from(result.output ?? '', 'base64').toString('utf8');
    if (result && !['Pending', 'Running'].includes(result.invocationStatus ?? '')) throw new Error(`the script ended ${result.invocationStatus}: ${result.errorInfo}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the script did not finish within 30 s');
}

const mountable = canMountHostTools();
if (!mountable) console.warn('skipping the sandbox-vs-fixtures check: the fake firewall tools need root and unshare -m (run the tests as root, as CI does)');

(mountable ? describe : describe.skip)('the sandbox against the real fixtures', () => {
  let server: OpenApiServer;
  let cloudAssistant: CloudAssistant;
  let tools: HostTools;
  let client: EcsClient;
  const valid = validateScenario(scenario());

  beforeAll(async () => {
    const credentials = generateSandboxCredentials();
    const policy = createOpenApiPolicy({ api: valid.api, keys: AccessKeyRegistry.forScenario(valid.api, credentials), accountId: valid.accountId });
    tools = prepareHostTools(valid.instances);
    cloudAssistant = createCloudAssistant(valid, { tools });
    server = await startOpenApiServer(createEcsProduct(valid, cloudAssistant), policy);
    client = ecsClient(server.endpoint, { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret });
  });
  afterAll(async () => {
    await server?.stop();
    await cloudAssistant?.stop();
    tools?.remove();
  });

  it.each(CASES.map((c) => [c.fixture, c.dump] as const))('%s: the sandbox prints the rules as the real tool did (%s)', async (fixture, dump) => {
    const printed = await runScript(client, `i-${fixture}`, 'iptables-legacy-save');
    const undated = (text: string): string => text.replace(/\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}/g, 'DATE');
    expect(rulesOf(printed)).toBe(rulesOf(read(fixture, dump)));
    // A legacy dump is the very text iptables-legacy-save printed, banners included (only the time differs).
    if (dump === 'iptables-legacy.txt') expect(undated(printed)).toBe(undated(read(fixture, dump)));
    else expect(undated(printed)).toBe(undated(read(fixture, dump)).replaceAll('iptables-nft-save v1.8.9 (nf_tables)', 'iptables-save v1.8.9'));
  });

  it.each(CASES.map((c, index) => [c.fixture, index] as const))('%s: the host verdict reads the sandbox host as the real one: same rule, same share', async (fixture, index) => {
    const real = hostVerdict(read(fixture, 'host-output.txt'), { ...CHECK, backendIp: '10.0.3.5', slbStatus: 'abnormal' });
    const spec = { ...CHECK, backendIp: SANDBOX_IP(index) };
    const sandbox = hostVerdict(await runScript(client, `i-${fixture}`, renderHostScript(spec)), { ...spec, slbStatus: 'abnormal' });
    const blocks = (verdict: typeof real) => verdict.findings.filter((f) => f.code === 'HOST_FIREWALL_BLOCKS_SLB').map((f) => f.rule);
    expect(blocks(real).length).toBe(1);
    expect(blocks(sandbox)).toEqual(blocks(real));
    expect(sandbox.facts.blockedShare).toBe(real.facts.blockedShare);
    expect(sandbox.facts.blockedRanges).toEqual(real.facts.blockedRanges);
    expect(sandbox.notUnderstood).toEqual([]);

    // The same rules decide the data plane: exactly the checker sources inside the blocked ranges are refused.
    const sources = Array.from({ length: 8 }, (_, k) => `127.100.64.${k + 1}`);
    const verdicts = hostSourceVerdicts(valid, sources).get(`${SANDBOX_IP(index)}:8080`) ?? { drop: [], reject: [] };
    const inBlocked = (source: string): boolean =>
      (real.facts.blockedRanges ?? []).some((cidr) => {
        const [network, bits] = cidr.split('/');
        const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
        const address = realSlbSource(source) ?? 0;
        const base = (network ?? '').split('.').reduce((value, part) => value * 256 + Number(part), 0);
        return ((address & mask) >>> 0) === ((base & mask) >>> 0);
      });
    expect([...verdicts.drop, ...verdicts.reject].sort()).toEqual(sources.filter(inBlocked).sort());
  });
});
