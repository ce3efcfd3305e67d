// The ECS replies read at the boundary: the odd but real spellings are read as the SDK read them (numbers for
// strings, "true"/"false" and booleans), and a reply without the documented shape is one MalformedReply naming the field.
import { CloudApiError } from '../../lib/cloud';
import { fakeClients, FakeApi } from './fake-api';

const REGION = 'cn-hangzhou';

/** An ECS client whose every call is answered with `body`. */
function answering(body: unknown): ReturnType<typeof fakeClients>['ecs'] {
  return fakeClients(new FakeApi({ loadBalancers: [] }), { transport: async () => body }).ecs;
}

async function malformedMessage(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof CloudApiError)) throw new Error(`expected a CloudApiError, got ${String(err)}`);
  expect(err.apiCode).toBe('MalformedReply');
  expect(err.message).not.toContain('\n');
  return err.message;
}

describe('DescribeInstances replies', () => {
  it('gathers private IPs from the VPC attributes, the network interfaces and the classic inner IPs, once each', async () => {
    const ecs = answering({
      Instances: {
        Instance: [
          {
            InstanceId: 'i-1',
            Status: 'Running',
            VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: { IpAddress: ['127.0.0.11'] } },
            NetworkInterfaces: {
              NetworkInterface: [{ PrimaryIpAddress: '127.0.0.11', PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: '127.0.0.11' }, { PrivateIpAddress: '127.0.0.12' }] } }],
            },
            InnerIpAddress: { IpAddress: ['127.0.0.13'] },
            SecurityGroupIds: { SecurityGroupId: ['sg-1', 'sg-1', 'sg-2'] },
          },
          { InstanceId: 'i-2', VpcAttributes: { VpcId: '' } },
        ],
      },
    });
    expect(await ecs.describeInstances({ RegionId: REGION, InstanceIds: ['i-1', 'i-2'] })).toEqual([
      { instanceId: 'i-1', status: 'Running', privateIps: ['127.0.0.11', '127.0.0.12', '127.0.0.13'], securityGroupIds: ['sg-1', 'sg-2'], vpcId: 'vpc-1' },
      { instanceId: 'i-2', status: '', privateIps: [], securityGroupIds: [], vpcId: null },
    ]);
  });

  it('names the entry whose InstanceId is missing, and the field whose type is wrong', async () => {
    expect(await malformedMessage(answering({ Instances: { Instance: [{ Status: 'Running' }] } }).describeInstances({ RegionId: REGION, InstanceIds: ['i-1'] }))).toMatch(
      /^ECS DescribeInstances returned a malformed reply: Instances\.Instance\[0\]\.InstanceId is missing\./,
    );
    const wrongType = answering({ Instances: { Instance: [{ InstanceId: 'i-1', SecurityGroupIds: { SecurityGroupId: 'sg-1' } }] } });
    expect(await malformedMessage(wrongType.describeInstances({ RegionId: REGION, InstanceIds: ['i-1'] }))).toMatch(
      /Instances\.Instance\[0\]\.SecurityGroupIds\.SecurityGroupId should be an array but is a string/,
    );
  });
});

describe('DescribeSecurityGroupAttribute replies', () => {
  it('reads a numeric Priority, an absent policy as accept and an absent protocol and range as all', async () => {
    const ecs = answering({ Permissions: { Permission: [{ Direction: 'Ingress', Priority: 5, SourceCidrIp: '100.64.0.0/10' }] } });
    expect(await ecs.describeSecurityGroupAttribute({ RegionId: REGION, SecurityGroupId: 'sg-1' })).toEqual([
      { securityGroupId: 'sg-1', direction: 'ingress', policy: 'accept', priority: 5, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '100.64.0.0/10', description: '' },
    ]);
  });

  it.each([
    [{ Direction: 'sideways' }, /Permissions\.Permission\[0\]\.Direction is "sideways", expected ingress or egress/],
    [{ Direction: 'ingress', Policy: 'Maybe' }, /Permissions\.Permission\[0\]\.Policy is "Maybe", expected Accept or Drop/],
    [{ Direction: 'ingress', Priority: 'high' }, /Permissions\.Permission\[0\]\.Priority is "high", expected 1-100/],
  ])('refuses a rule it cannot evaluate: %j', async (permission, message) => {
    const ecs = answering({ Permissions: { Permission: [permission] } });
    expect(await malformedMessage(ecs.describeSecurityGroupAttribute({ RegionId: REGION, SecurityGroupId: 'sg-1' }))).toMatch(message);
  });

  it('refuses a reply without its rule list', async () => {
    expect(await malformedMessage(answering({ RequestId: 'r' }).describeSecurityGroupAttribute({ RegionId: REGION, SecurityGroupId: 'sg-1' }))).toMatch(
      /Permissions\.Permission is missing/,
    );
  });
});

describe('Cloud Assistant replies', () => {
  it('reads CloudAssistantStatus as the string the API documents, in any case, or as a JSON boolean', async () => {
    const ecs = answering({
      InstanceCloudAssistantStatusSet: {
        InstanceCloudAssistantStatus: [
          { InstanceId: 'i-1', CloudAssistantStatus: 'true', OSType: 'Linux', CloudAssistantVersion: '2.2.3' },
          { InstanceId: 'i-2', CloudAssistantStatus: 'False' },
          { InstanceId: 'i-3', CloudAssistantStatus: true },
        ],
      },
    });
    expect(await ecs.describeCloudAssistantStatus({ RegionId: REGION, InstanceIds: ['i-1', 'i-2', 'i-3'] })).toEqual([
      { instanceId: 'i-1', online: true, osType: 'Linux', version: '2.2.3' },
      { instanceId: 'i-2', online: false, osType: '', version: '' },
      { instanceId: 'i-3', online: true, osType: '', version: '' },
    ]);
  });

  it.each([
    [{ InstanceId: 'i-1', CloudAssistantStatus: 'yes' }, /\[0\]\.CloudAssistantStatus is "yes", expected "true" or "false"/],
    [{ InstanceId: 'i-1' }, /\[0\]\.CloudAssistantStatus is missing/],
    [{ CloudAssistantStatus: 'true' }, /\[0\]\.InstanceId is missing/],
  ])('refuses an agent status it cannot read: %j', async (entry, message) => {
    const ecs = answering({ InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: [entry] } });
    expect(await malformedMessage(ecs.describeCloudAssistantStatus({ RegionId: REGION, InstanceIds: ['i-1'] }))).toMatch(message);
  });

  it('reads invocation results: output decoded, the exit code only once finished (numeric strings too), cut bytes', async () => {
    const ecs = answering({
      Invocation: {
        InvocationResults: {
          InvocationResult: [
            { InstanceId: 'i-1', InvokeId: 't-1', InvocationStatus: 'Success', ExitCode: '0', Output: Buffer.from('ok\n').toString('base64'), Dropped: 12 },
            { InstanceId: 'i-2', InvokeId: 't-1', InvocationStatus: 'Running', ExitCode: 0, Output: '' },
            { InstanceId: 'i-3', InvokeId: 't-1', InvocationStatus: 'Failed', ExitCode: 1, ErrorCode: 'InstanceNotRunning', ErrorInfo: 'stopped' },
          ],
        },
      },
    });
    expect(await ecs.describeInvocationResults({ RegionId: REGION, InvokeId: 't-1' })).toEqual([
      { instanceId: 'i-1', invokeId: 't-1', status: 'Success', exitCode: 0, output: 'ok\n', dropped: 12, errorCode: '', errorInfo: '' },
      { instanceId: 'i-2', invokeId: 't-1', status: 'Running', exitCode: null, output: '', dropped: 0, errorCode: '', errorInfo: '' },
      { instanceId: 'i-3', invokeId: 't-1', status: 'Failed', exitCode: 1, output: '', dropped: 0, errorCode: 'InstanceNotRunning', errorInfo: 'stopped' },
    ]);
  });

  it.each([
    [{ RequestId: 'r' }, /Invocation\.InvocationResults\.InvocationResult is missing/],
    [{ Invocation: {} }, /Invocation\.InvocationResults\.InvocationResult is missing/],
    [{ Invocation: { InvocationResults: { InvocationResult: [{ InstanceId: 'i-1', InvocationStatus: 'Done' }] } } }, /InvocationResult\[0\]\.InvocationStatus is "Done", not a documented status/],
    [{ Invocation: { InvocationResults: { InvocationResult: [{ InstanceId: 'i-1', InvocationStatus: 'Success', Output: 'not base64!' }] } } }, /InvocationResult\[0\]\.Output is not Base64/],
  ])('refuses invocation results it cannot read: %j', async (body, message) => {
    expect(await malformedMessage(answering(body).describeInvocationResults({ RegionId: REGION, InvokeId: 't-1' }))).toMatch(message);
  });

  it('refuses a RunCommand reply without its InvokeId', async () => {
    const ecs = answering({ RequestId: 'r', CommandId: 'c-1' });
    const run = ecs.runShellScript({ RegionId: REGION, InstanceIds: ['i-1'], script: 'true', timeoutSeconds: 60, name: 'n', description: 'd', usesBuiltInParameters: false });
    expect(await malformedMessage(run)).toMatch(/^ECS RunCommand returned a malformed reply: InvokeId is missing\./);
  });
});
