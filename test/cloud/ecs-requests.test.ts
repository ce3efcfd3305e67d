// Our ECS client sends, action by action, exactly the query the official ECS SDK (@alicloud/ecs20140526, kept as a
// devDependency for this comparison and the emulator's tests only) sends for the same request: the same names, the
// same flattening (InstanceIds as one JSON array string, InstanceId.N, booleans as "true"/"false"), page by page.
import EcsSdk, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { ApiRequest } from '../../lib/cloud';
import { fakeClients, FakeApi } from './fake-api';

type Sent = Pick<ApiRequest, 'action' | 'version' | 'query'>;

/** Replies with one more page (NextToken "page-2") on the first call of each action, so the token is sent too. */
function pagedReplies(): { sent: Sent[]; answer: (request: Sent) => unknown } {
  const sent: Sent[] = [];
  const answer = (request: Sent): unknown => {
    const first = sent.filter((s) => s.action === request.action).length === 0;
    sent.push(request);
    const NextToken = first ? 'page-2' : '';
    switch (request.action) {
      case 'DescribeInstances':
        return { RequestId: 'r', NextToken, Instances: { Instance: [] } };
      case 'DescribeSecurityGroupAttribute':
        return { RequestId: 'r', NextToken, Permissions: { Permission: [] } };
      case 'DescribeCloudAssistantStatus':
        return { RequestId: 'r', NextToken, InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: [] } };
      case 'DescribeInvocationResults':
        return { RequestId: 'r', Invocation: { NextToken, InvocationResults: { InvocationResult: [] } } };
      case 'RunCommand':
        return { RequestId: 'r', InvokeId: 't-1', CommandId: 'c-1' };
      default:
        throw new Error(`unexpected ${request.action}`);
    }
  };
  return { sent, answer };
}

/** The SDK with its wire replaced: it still builds and flattens each request, and reads the reply. */
function recordingSdk(): { sdk: EcsSdk; sent: Sent[] } {
  const replies = pagedReplies();
  const sdk = new EcsSdk(new $OpenApiUtil.Config({ accessKeyId: 'AKID-TEST', accessKeySecret: 'secret', endpoint: 'ecs.cn-hangzhou.aliyuncs.com', regionId: 'cn-hangzhou' }));
  sdk.callApi = async (params, request) => ({
    body: replies.answer({ action: params.action, version: params.version, query: request.query ?? {} }),
    headers: {},
    statusCode: 200,
  });
  return { sdk, sent: replies.sent };
}

/** What the SDK sends for both pages of one list action (the recorded replies end the list on the second). */
async function sdkPages(send: (sdk: EcsSdk, nextToken: string | undefined) => Promise<unknown>): Promise<Sent[]> {
  const theirs = recordingSdk();
  for (const nextToken of [undefined, 'page-2']) await send(theirs.sdk, nextToken);
  return theirs.sent;
}

function recordingClient(): { ecs: ReturnType<typeof fakeClients>['ecs']; sent: Sent[] } {
  const replies = pagedReplies();
  const clients = fakeClients(new FakeApi({ loadBalancers: [] }), {
    transport: async (request) => replies.answer({ action: request.action, version: request.version, query: request.query }),
  });
  return { ecs: clients.ecs, sent: replies.sent };
}

const REGION = 'cn-hangzhou';
const IDS = ['i-1', 'i-2', 'i-3'];
const SCRIPT = 'echo {{ACS::InstanceId}}\n';
const BASE64_SCRIPT = Buffer.from(SCRIPT, 'utf8').toString('base64');

describe('ECS requests match the official SDK', () => {
  it('DescribeInstances: InstanceIds as a JSON array, MaxResults 100, NextToken on the next page', async () => {
    const ours = recordingClient();
    await ours.ecs.describeInstances({ RegionId: REGION, InstanceIds: IDS });
    const theirs = await sdkPages((sdk, nextToken) =>
      sdk.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify(IDS), maxResults: 100, nextToken })),
    );
    expect(ours.sent).toEqual(theirs);
    expect(ours.sent[1]?.query).toEqual({ RegionId: REGION, InstanceIds: '["i-1","i-2","i-3"]', MaxResults: '100', NextToken: 'page-2' });
  });

  it('DescribeSecurityGroupAttribute: ingress, MaxResults 1000', async () => {
    const ours = recordingClient();
    await ours.ecs.describeSecurityGroupAttribute({ RegionId: REGION, SecurityGroupId: 'sg-1' });
    const theirs = await sdkPages((sdk, nextToken) =>
      sdk.describeSecurityGroupAttribute(
        new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: REGION, securityGroupId: 'sg-1', direction: 'ingress', maxResults: 1000, nextToken }),
      ),
    );
    expect(ours.sent).toEqual(theirs);
  });

  it('DescribeCloudAssistantStatus: InstanceId.N, MaxResults 50', async () => {
    const ours = recordingClient();
    await ours.ecs.describeCloudAssistantStatus({ RegionId: REGION, InstanceIds: IDS });
    const theirs = await sdkPages((sdk, nextToken) =>
      sdk.describeCloudAssistantStatus(new $Ecs.DescribeCloudAssistantStatusRequest({ regionId: REGION, instanceId: IDS, maxResults: 50, nextToken })),
    );
    expect(ours.sent).toEqual(theirs);
    expect(ours.sent[0]?.query).toMatchObject({ 'InstanceId.1': 'i-1', 'InstanceId.3': 'i-3' });
  });

  it.each([true, false])('RunCommand: Base64 content, InstanceId.N, KeepCommand false, EnableParameter only when used (%s)', async (usesBuiltInParameters) => {
    const ours = recordingClient();
    await ours.ecs.runShellScript({ RegionId: REGION, InstanceIds: IDS, script: SCRIPT, timeoutSeconds: 60, name: 'slb-doctor', description: 'read-only', usesBuiltInParameters });
    const theirs = recordingSdk();
    await theirs.sdk.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: BASE64_SCRIPT,
        contentEncoding: 'Base64',
        instanceId: IDS,
        timeout: 60,
        name: 'slb-doctor',
        description: 'read-only',
        keepCommand: false,
        repeatMode: 'Once',
        ...(usesBuiltInParameters ? { enableParameter: true } : {}),
      }),
    );
    expect(ours.sent).toEqual(theirs.sent);
    expect(ours.sent[0]?.query.KeepCommand).toBe('false');
    expect(ours.sent[0]?.query.EnableParameter).toBe(usesBuiltInParameters ? 'true' : undefined);
  });

  it('DescribeInvocationResults: Base64 output, MaxResults 50, the NextToken from inside Invocation', async () => {
    const ours = recordingClient();
    await ours.ecs.describeInvocationResults({ RegionId: REGION, InvokeId: 't-1' });
    const theirs = await sdkPages((sdk, nextToken) =>
      sdk.describeInvocationResults(
        new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId: 't-1', contentEncoding: 'Base64', maxResults: 50, nextToken }),
      ),
    );
    expect(ours.sent).toEqual(theirs);
  });
});
