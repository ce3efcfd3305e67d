// The ECS emulator's Cloud Assistant actions, called through the real @alicloud/ecs20140526 SDK: reply shapes, paging,
// Base64 in and out, the documented status values and per-instance error codes, the 24 KB output cut, Timeout,
// request errors, quotas, RAM denial, and the sandbox host's fake firewall tools on the script's PATH.
import * as $Ecs from '@alicloud/ecs20140526';
import type EcsClient from '@alicloud/ecs20140526';
import { createCloudAssistant, createEcsProduct, type CloudAssistant } from '../../lib/sandbox/ecs';
import { prepareHostTools, type HostTools } from '../../lib/sandbox/hosts/tools';
import { AccessKeyRegistry, generateSandboxCredentials } from '../../lib/sandbox/openapi/credentials';
import { createOpenApiPolicy, startOpenApiServer, type OpenApiServer } from '../../lib/sandbox/openapi/server';
import type { Scenario, ScenarioInstance } from '../../lib/sandbox/scenario/types';
import { validateScenario } from '../../lib/sandbox/scenario/validate';
import { callError, ecsClient, smallScenario } from '../sandbox/api/helpers';

const REGION = 'cn-hangzhou';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

const FIREWALL = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m set --match-set slb-nodes src -p tcp -m tcp --dport 8080 -j DROP
COMMIT
`;

function scenario(): Scenario {
  const base = smallScenario();
  const extra: ScenarioInstance[] = Array.from({ length: 100 }, (_, index) => ({
    instanceId: `i-many-${String(index).padStart(3, '0')}`,
    status: 'Running',
    vpcId: 'vpc-a',
    privateIp: `127.0.0.${index + 2}`,
    securityGroupIds: [],
  }));
  const special: ScenarioInstance[] = [
    { instanceId: 'i-win', status: 'Running', vpcId: 'vpc-a', privateIp: '127.0.0.120', securityGroupIds: [], host: { osType: 'Windows' } },
    { instanceId: 'i-noagent', status: 'Running', vpcId: 'vpc-a', privateIp: '127.0.0.121', securityGroupIds: [], host: { cloudAssistant: 'absent' } },
    {
      instanceId: 'i-fw',
      status: 'Running',
      vpcId: 'vpc-a',
      privateIp: '127.0.0.122',
      securityGroupIds: [],
      host: { firewall: { iptables: FIREWALL, ipset: 'create slb-nodes hash:net family inet hashsize 1024 maxelem 65536\nadd slb-nodes 100.64.0.0/10\n' } },
    },
  ];
  // smallScenario's i-1 (Running), i-2 (Stopped), i-3 keep their addresses 127.0.0.11-13; renumber the fleet around them.
  const taken = new Set(base.instances.map((instance) => instance.privateIp));
  let next = 2;
  for (const instance of extra) {
    while (taken.has(`127.0.0.${next}`)) next += 1;
    instance.privateIp = `127.0.0.${next++}`;
  }
  return {
    ...base,
    instances: [...base.instances, ...extra, ...special],
    api: { quotas: { 'ecs:DescribeCloudAssistantStatus': { calls: 1000, perSeconds: 60 } } },
  };
}

async function waitForTerminal(client: EcsClient, invokeId: string, instanceIds: string[]): Promise<Map<string, $Ecs.DescribeInvocationResultsResponseBodyInvocationInvocationResultsInvocationResult>> {
  const terminal = new Set(['Success', 'Failed', 'Invalid', 'Aborted', 'Timeout', 'Error', 'Cancelled', 'Terminated']);
  for (let attempt = 0; attempt < 200; attempt++) {
    const reply = await client.describeInvocationResults(new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId, maxResults: 50 }));
    const results = reply.body?.invocation?.invocationResults?.invocationResult ?? [];
    const byInstance = new Map(results.map((result) => [result.instanceId ?? '', result]));
    if (instanceIds.every((id) => terminal.has(byInstance.get(id)?.invocationStatus ?? ''))) return byInstance;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`invocation ${invokeId} did not finish within 20 s`);
}

describe('Cloud Assistant emulator', () => {
  let server: OpenApiServer;
  let cloudAssistant: CloudAssistant;
  let tools: HostTools;
  let client: EcsClient;
  let deniedClient: EcsClient;

  beforeAll(async () => {
    const valid = validateScenario(scenario());
    const credentials = generateSandboxCredentials();
    const denied = { accessKeyId: 'LTAIdeniedRunCommand00', accessKeySecret: 'denied-secret-0123456789abcdef', deny: ['ecs:RunCommand'] };
    const api = { ...valid.api, accessKeys: [denied] };
    const policy = createOpenApiPolicy({ api, keys: AccessKeyRegistry.forScenario(api, credentials), accountId: valid.accountId });
    tools = prepareHostTools(valid.instances);
    cloudAssistant = createCloudAssistant(valid, { tools });
    server = await startOpenApiServer(createEcsProduct(valid, cloudAssistant), policy);
    client = ecsClient(server.endpoint, { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret });
    deniedClient = ecsClient(server.endpoint, denied);
  });
  afterAll(async () => {
    await server.stop();
    await cloudAssistant.stop();
    tools.remove();
  });

  it('DescribeCloudAssistantStatus answers "true"/"false" strings, OSType, and pages 100 ids by MaxResults 50', async () => {
    const ids = ['i-1', 'i-2', 'i-win', 'i-noagent', ...Array.from({ length: 96 }, (_, index) => `i-many-${String(index).padStart(3, '0')}`)];
    const seen: $Ecs.DescribeCloudAssistantStatusResponseBodyInstanceCloudAssistantStatusSetInstanceCloudAssistantStatus[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const reply = await client.describeCloudAssistantStatus(new $Ecs.DescribeCloudAssistantStatusRequest({ regionId: REGION, instanceId: ids, maxResults: 50, nextToken }));
      seen.push(...(reply.body?.instanceCloudAssistantStatusSet?.instanceCloudAssistantStatus ?? []));
      nextToken = reply.body?.nextToken || undefined;
      pages += 1;
    } while (nextToken && pages < 5);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(100);
    const byId = new Map(seen.map((entry) => [entry.instanceId, entry]));
    expect(byId.get('i-1')).toMatchObject({ cloudAssistantStatus: 'true', OSType: 'Linux' });
    expect(byId.get('i-1')?.cloudAssistantVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(byId.get('i-2')?.cloudAssistantStatus).toBe('false');
    expect(byId.get('i-win')).toMatchObject({ cloudAssistantStatus: 'true', OSType: 'Windows' });
    expect(byId.get('i-noagent')).toMatchObject({ cloudAssistantStatus: 'false', cloudAssistantVersion: '' });

    const tooMany = await callError(
      client.describeCloudAssistantStatus(new $Ecs.DescribeCloudAssistantStatusRequest({ regionId: REGION, instanceId: Array.from({ length: 101 }, (_, i) => `i-${i}`) })),
    );
    expect(tooMany).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
  });

  it('RunCommand runs Base64 content with bash per instance ({{ACS::InstanceId}}), and each instance ends in its documented status', async () => {
    const script = 'echo "hello from {{ACS::InstanceId}}"\n[ "{{ACS::InstanceId}}" = i-3 ] && exit 3\nexit 0\n';
    const ids = ['i-1', 'i-3', 'i-2', 'i-win', 'i-noagent', 'i-unknown'];
    const run = await client.runCommand(
      new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: b64(script), contentEncoding: 'Base64', instanceId: ids, timeout: 30, enableParameter: true }),
    );
    expect(run.body?.invokeId).toMatch(/^t-/);
    expect(run.body?.commandId).toMatch(/^c-/);
    const results = await waitForTerminal(client, run.body?.invokeId ?? '', ids);
    expect(results.get('i-1')).toMatchObject({ invocationStatus: 'Success', invokeRecordStatus: 'Finished', exitCode: 0, dropped: 0, errorCode: '' });
    expect(unb64(results.get('i-1')?.output)).toBe('hello from i-1\n');
    expect(results.get('i-3')).toMatchObject({ invocationStatus: 'Failed', invokeRecordStatus: 'Failed', exitCode: 3, errorCode: 'ExitCodeNonzero' });
    expect(unb64(results.get('i-3')?.output)).toBe('hello from i-3\n');
    expect(results.get('i-2')).toMatchObject({ invocationStatus: 'Aborted', errorCode: 'InstanceNotRunning', errorInfo: 'the instance is not running when create task' });
    expect(results.get('i-win')).toMatchObject({ invocationStatus: 'Invalid', errorCode: 'CommandNotApplicable' });
    expect(results.get('i-noagent')).toMatchObject({ invocationStatus: 'Aborted', errorCode: 'ClientNotRunning' });
    expect(results.get('i-unknown')).toMatchObject({ invocationStatus: 'Invalid', errorCode: 'InstanceNotExists' });
  });

  it('keeps 24 KB of output and counts the rest in Dropped; kills the script at Timeout', async () => {
    const big = await client.runCommand(
      new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: b64('head -c 30000 /dev/zero | tr "\\0" x\n'), contentEncoding: 'Base64', instanceId: ['i-1'] }),
    );
    const slow = await client.runCommand(
      new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: 'echo started; sleep 30', instanceId: ['i-3'], timeout: 1 }),
    );
    const bigResult = (await waitForTerminal(client, big.body?.invokeId ?? '', ['i-1'])).get('i-1');
    expect(bigResult?.invocationStatus).toBe('Success');
    expect(unb64(bigResult?.output)).toHaveLength(24 * 1024);
    expect(bigResult?.dropped).toBe(30000 - 24 * 1024);
    const slowResult = (await waitForTerminal(client, slow.body?.invokeId ?? '', ['i-3'])).get('i-3');
    expect(slowResult).toMatchObject({ invocationStatus: 'Timeout', errorCode: 'ExecutionTimeout', errorInfo: 'the command execution has been timeout' });
    expect(unb64(slowResult?.output)).toBe('started\n');
  });

  it('DescribeInvocationResults pages by MaxResults/NextToken and answers PlainText on request', async () => {
    const ids = Array.from({ length: 5 }, (_, index) => `i-many-${String(index).padStart(3, '0')}`);
    const run = await client.runCommand(new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: 'echo paged', instanceId: ids }));
    const invokeId = run.body?.invokeId ?? '';
    await waitForTerminal(client, invokeId, ids);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const reply = await client.describeInvocationResults(new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId, maxResults: 2, nextToken, contentEncoding: 'PlainText' }));
      const invocation = reply.body?.invocation;
      expect(invocation?.totalCount).toBe(5);
      for (const result of invocation?.invocationResults?.invocationResult ?? []) {
        expect(result.output).toBe('paged\n');
        seen.push(result.instanceId ?? '');
      }
      nextToken = invocation?.nextToken || undefined;
      pages += 1;
    } while (nextToken && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(ids);
  });

  it('refuses more than 100 instances, content above 24 KB in Base64, a missing Type, and a key without ecs:RunCommand', async () => {
    const hundredOne = Array.from({ length: 101 }, (_, index) => `i-many-${String(index).padStart(3, '0')}`);
    expect(await callError(client.runCommand(new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: 'true', instanceId: hundredOne }))))
      .toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
    expect(await callError(client.runCommand(new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: b64('#'.repeat(19_000)), contentEncoding: 'Base64', instanceId: ['i-1'] }))))
      .toMatchObject({ code: 'InvalidCommandContent.LengthLimitExceeded' });
    expect(await callError(client.runCommand(new $Ecs.RunCommandRequest({ regionId: REGION, commandContent: 'true', instanceId: ['i-1'] })))).toMatchObject({ code: 'MissingParameter' });
    const denied = await callError(deniedClient.runCommand(new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: 'true', instanceId: ['i-1'] })));
    expect(denied).toMatchObject({ code: 'Forbidden.RAM', statusCode: 403 });
    expect(JSON.stringify(denied.data)).toContain('ecs:RunCommand');
  });

  it("puts the host's fake firewall tools first on PATH: iptables-save, ipset and nft print the declared rules in their own formats", async () => {
    const script = ['iptables-save', 'echo ---', 'iptables-save -t nat', 'echo ---', 'iptables-nft-save', 'echo ---', 'ipset list', 'echo ---', 'nft list ruleset', 'echo ---', 'ip route get 100.64.0.5 from 127.0.0.122'].join('\n');
    const run = await client.runCommand(new $Ecs.RunCommandRequest({ regionId: REGION, type: 'RunShellScript', commandContent: b64(script), contentEncoding: 'Base64', instanceId: ['i-fw'] }));
    const result = (await waitForTerminal(client, run.body?.invokeId ?? '', ['i-fw'])).get('i-fw');
    const [save, nat, nftSave, ipset, nft, route] = unb64(result?.output).split('---\n');
    expect(save).toMatch(/^# Generated by iptables-save v1\.8\.9 on \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\*filter\n:INPUT ACCEPT \[0:0\]\n/);
    expect(save).toContain('-A INPUT -m set --match-set slb-nodes src -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n# Completed on ');
    expect(nat).toBe('');
    expect(nftSave).toBe('# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n');
    expect(ipset).toMatch(/^Name: slb-nodes\nType: hash:net\nRevision: \d+\nHeader: family inet hashsize 1024 maxelem 65536 .*\nSize in memory: \d+\nReferences: 1\nNumber of entries: 1\nMembers:\n100\.64\.0\.0\/10\n$/);
    expect(nft).toBe('');
    // The kernel's own answer for the stand-in 127.100.64.5, printed with the real address.
    expect(route).toMatch(/^(local )?100\.64\.0\.5 from 127\.0\.0\.122 dev lo/);
  });
});
