// The ECS facts the diagnosis needs (instance status, private IPs, security groups and their ingress rules), and the
// opt-in Cloud Assistant actions that run the read-only host script on backends (RunCommand,
// DescribeInvocationResults, DescribeCloudAssistantStatus): our typed client over the `CallApi` seam, as for SLB
// (./slb.ts). The official ECS SDK (@alicloud/ecs20140526) was 3 MB of the audit bundle's 4.9 MB, most of the audit
// function's cold start, for five actions; each request here carries the query that SDK sends (its client.js
// `<action>WithOptions`, flattened by the same OpenApiUtil.query), and each reply is read at the boundary.
import type { EcsInstanceFacts, SecurityGroupRule } from '../model';
import { malformedReply } from './errors';
import type { Admission, ApiInvoker } from './invoker';
import { ReplyObject, nextPageToken } from './reply';
import type { CallApi } from './transport';

export const ECS_API_VERSION = '2014-05-26';
/** DescribeInstances takes at most this many ids (InstanceIds JSON array) and returns at most this many per page. */
export const INSTANCE_BATCH_SIZE = 100;
/** DescribeSecurityGroupAttribute's largest page (MaxResults 10–1000). */
const RULE_PAGE_SIZE = 1000;
/**
 * RunCommand takes InstanceId.N for 1 to 100 instances (RunCommandRequest.instanceId in aliyun/alibabacloud-typescript-sdk
 * ecs-20140526; https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runcommand).
 */
export const RUN_COMMAND_INSTANCE_LIMIT = 100;
/** CommandContent may not exceed 24 KB once Base64-encoded (same RunCommand documentation). */
export const COMMAND_CONTENT_LIMIT_BYTES = 24 * 1024;
/**
 * DescribeCloudAssistantStatus takes up to 100 InstanceId.N per request, and pages (MaxResults) of at most 50
 * (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describecloudassistantstatus):
 * 50 ids a call is one page, never a second round trip.
 */
export const CLOUD_ASSISTANT_STATUS_BATCH_SIZE = 50;
/** DescribeInvocationResults pages hold at most 50 results (MaxResults 1–50, DescribeInvocationResultsRequest). */
const INVOCATION_RESULT_PAGE_SIZE = 50;
/** The Cloud Assistant's per-instance command output limit: longer output is cut and the cut bytes counted in Dropped. */
export const COMMAND_OUTPUT_LIMIT_BYTES = 24 * 1024;

export interface DescribeInstancesRequest {
  RegionId: string;
  /** Any number: sent in batches of 100. */
  InstanceIds: string[];
}

export interface DescribeSecurityGroupAttributeRequest {
  RegionId: string;
  SecurityGroupId: string;
  /** Default ingress: the direction health checks arrive from. */
  Direction?: 'ingress' | 'egress' | 'all';
}

/** The agent on one instance, as DescribeCloudAssistantStatus reports it. */
export interface CloudAssistantAgentStatus {
  instanceId: string;
  /** CloudAssistantStatus "true": installed and heartbeating, so it can run commands. */
  online: boolean;
  /** OSType as the API spells it (Linux, Windows, FreeBSD); '' when absent. */
  osType: string;
  version: string;
}

export interface RunShellScriptRequest {
  RegionId: string;
  /** 1–100 instances, all running the same content. */
  InstanceIds: string[];
  /** The bash script, plain text: sent Base64-encoded (ContentEncoding=Base64). */
  script: string;
  /** The agent kills the script after this many seconds (InvocationStatus Timeout). */
  timeoutSeconds: number;
  /** Command name shown in the console's Cloud Assistant history. */
  name: string;
  description: string;
  /**
   * The script uses built-in parameters such as {{ACS::InstanceId}}: sent with EnableParameter=true so the agent
   * substitutes them per instance.
   */
  usesBuiltInParameters: boolean;
}

/** InvocationStatus of one instance (DescribeInvocationResults; the Simple Application Server's twin documents the list). */
export type InvocationStatus =
  | 'Pending'
  | 'Scheduled'
  | 'Running'
  | 'Stopping'
  | 'Success'
  | 'Failed'
  | 'Invalid'
  | 'Aborted'
  | 'Error'
  | 'Timeout'
  | 'Cancelled'
  | 'Terminated'
  | 'Stopped';

const INVOCATION_STATUSES: ReadonlySet<string> = new Set<InvocationStatus>([
  'Pending', 'Scheduled', 'Running', 'Stopping', 'Success', 'Failed', 'Invalid', 'Aborted', 'Error', 'Timeout', 'Cancelled', 'Terminated', 'Stopped',
]);
/** Statuses after which nothing changes any more for a one-time (RepeatMode Once) invocation. */
export const TERMINAL_INVOCATION_STATUSES: ReadonlySet<InvocationStatus> = new Set<InvocationStatus>([
  'Success', 'Failed', 'Invalid', 'Aborted', 'Error', 'Timeout', 'Cancelled', 'Terminated', 'Stopped',
]);

export interface InvocationResult {
  instanceId: string;
  invokeId: string;
  status: InvocationStatus;
  /** null while the script has not finished. */
  exitCode: number | null;
  /** Decoded from Base64 (we ask for ContentEncoding=Base64, the default). */
  output: string;
  /** Bytes of output the agent cut beyond its 24 KB limit. */
  dropped: number;
  /** e.g. InstanceNotRunning, ClientNotRunning, ClientNeedUpgrade, ExecutionTimeout; '' when none. */
  errorCode: string;
  errorInfo: string;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((value) => value !== ''))];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * `key.itemKey`, the RPC APIs' wrapped list (`"Instances": {"Instance": [...]}`): present even when empty, so a reply
 * without it is malformed.
 */
function wrappedList(reply: ReplyObject, action: string, key: string, itemKey: string): ReplyObject[] {
  if (!reply.has(key)) throw malformedReply('ecs', action, `${reply.path === '' ? '' : `${reply.path}.`}${key}.${itemKey} is missing`);
  return reply.list(key, itemKey);
}

/** A field the reader cannot do without: absent or '' is malformed. */
function requiredId(entry: ReplyObject, action: string, key: string): string {
  const value = entry.optString(key);
  if (!value) throw malformedReply('ecs', action, `${entry.path}.${key} is missing`);
  return value;
}

function readInstance(instance: ReplyObject): EcsInstanceFacts {
  const instanceId = requiredId(instance, 'DescribeInstances', 'InstanceId');
  const vpc = instance.optObject('VpcAttributes');
  const privateIps = unique([
    ...(vpc?.optStringList('PrivateIpAddress', 'IpAddress') ?? []),
    ...instance
      .optList('NetworkInterfaces', 'NetworkInterface')
      .flatMap((nic) => [nic.optString('PrimaryIpAddress') ?? '', ...nic.optList('PrivateIpSets', 'PrivateIpSet').map((set) => set.optString('PrivateIpAddress') ?? '')]),
    ...instance.optStringList('InnerIpAddress', 'IpAddress'),
  ]);
  return {
    instanceId,
    status: instance.optString('Status') ?? '',
    privateIps,
    securityGroupIds: unique(instance.optStringList('SecurityGroupIds', 'SecurityGroupId')),
    vpcId: vpc?.optString('VpcId') || null,
  };
}

function readRule(securityGroupId: string, permission: ReplyObject): SecurityGroupRule {
  const malformed = (problem: string) => malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${permission.path}.${problem}`);
  const rawDirection = permission.optString('Direction');
  const direction = (rawDirection ?? '').toLowerCase();
  if (direction !== 'ingress' && direction !== 'egress') throw malformed(`Direction is ${JSON.stringify(rawDirection)}, expected ingress or egress`);
  // The API answers "Accept"/"Drop"; requests use lower case. An absent policy is the default, accept.
  const rawPolicy = permission.optString('Policy');
  const policy = (rawPolicy || 'accept').toLowerCase();
  if (policy !== 'accept' && policy !== 'drop') throw malformed(`Policy is ${JSON.stringify(rawPolicy)}, expected Accept or Drop`);
  // A string in the API's reference ("1"), a number in some replies.
  const rawPriority = permission.optString('Priority');
  const priority = rawPriority === undefined || rawPriority === '' ? 1 : Number(rawPriority);
  if (!Number.isInteger(priority)) throw malformed(`Priority is ${JSON.stringify(rawPriority)}, expected 1-100`);
  return {
    securityGroupId,
    direction,
    policy,
    priority,
    ipProtocol: (permission.optString('IpProtocol') ?? 'ALL').toUpperCase(),
    portRange: permission.optString('PortRange') ?? '-1/-1',
    sourceCidrIp: permission.optString('SourceCidrIp') ?? '',
    description: permission.optString('Description') ?? '',
  };
}

function readAgentStatus(entry: ReplyObject): CloudAssistantAgentStatus {
  const instanceId = requiredId(entry, 'DescribeCloudAssistantStatus', 'InstanceId');
  // The API answers the strings "true"/"false"; a JSON boolean is read the same.
  const online = entry.optFlag('CloudAssistantStatus');
  if (online === undefined) throw malformedReply('ecs', 'DescribeCloudAssistantStatus', `${entry.path}.CloudAssistantStatus is missing`);
  return { instanceId, online, osType: entry.optString('OSType') ?? '', version: entry.optString('CloudAssistantVersion') ?? '' };
}

function decodeBase64(text: string, at: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s+/g, ''))) {
    throw malformedReply('ecs', 'DescribeInvocationResults', `${at}.Output is not Base64`);
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

function readInvocationResult(entry: ReplyObject): InvocationResult {
  const instanceId = requiredId(entry, 'DescribeInvocationResults', 'InstanceId');
  const status = entry.optString('InvocationStatus');
  if (status === undefined || !INVOCATION_STATUSES.has(status)) {
    throw malformedReply('ecs', 'DescribeInvocationResults', `${entry.path}.InvocationStatus is ${JSON.stringify(status)}, not a documented status`);
  }
  const finished = TERMINAL_INVOCATION_STATUSES.has(status as InvocationStatus);
  const dropped = entry.optNumber('Dropped') ?? 0;
  return {
    instanceId,
    invokeId: entry.optString('InvokeId') ?? '',
    status: status as InvocationStatus,
    exitCode: finished ? (entry.optNumber('ExitCode') ?? null) : null,
    output: decodeBase64(entry.optString('Output') ?? '', entry.path),
    dropped: dropped > 0 ? dropped : 0,
    errorCode: entry.optString('ErrorCode') ?? '',
    errorInfo: entry.optString('ErrorInfo') ?? '',
  };
}

/** One page of a NextToken-paged action. */
interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

export class EcsClient {
  constructor(
    private readonly invoker: ApiInvoker,
    private readonly callApi: CallApi,
  ) {}

  /** This client, whose requests go out through `admission` once their quota allows them (see `Admission`). */
  admittedBy(admission: Admission): EcsClient {
    return new EcsClient(this.invoker.admittedBy(admission), this.callApi);
  }

  /** One call of `action` (ApiInvoker.invokeRpc flattens `request` as the SDK did). */
  private call<T>(action: string, request: object, read: (reply: ReplyObject) => T): Promise<T> {
    return this.invoker.invokeRpc(this.callApi, 'ecs', ECS_API_VERSION, action, request, read);
  }

  /** Every page of `action`, following NextToken; `request` is asked for each page with that page's token. */
  private async allPages<T>(action: string, request: (token: string | undefined) => object, read: (reply: ReplyObject) => Page<T>): Promise<T[]> {
    const items: T[] = [];
    const tokens = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.call(action, request(token), read);
      items.push(...page.items);
      token = nextPageToken('ecs', action, page.nextToken, tokens);
    } while (token !== undefined);
    return items;
  }

  /** `read` (all pages of one call) for each batch of at most `size` distinct ids, the results in batch order. */
  private async perIdBatch<T>(ids: readonly string[], size: number, read: (batch: string[]) => Promise<T[]>): Promise<T[]> {
    const results: T[] = [];
    for (const batch of chunks(unique(ids), size)) results.push(...(await read(batch)));
    return results;
  }

  /** Status, private IPs, security groups and VPC of each instance; ids the region does not know are simply absent. */
  describeInstances(request: DescribeInstancesRequest): Promise<EcsInstanceFacts[]> {
    return this.perIdBatch(request.InstanceIds, INSTANCE_BATCH_SIZE, (batch) => {
      // InstanceIds is one parameter holding a JSON array (DescribeInstancesRequest.instanceIds, a string).
      const instanceIds = JSON.stringify(batch);
      return this.allPages(
        'DescribeInstances',
        (token) => ({ RegionId: request.RegionId, InstanceIds: instanceIds, MaxResults: INSTANCE_BATCH_SIZE, NextToken: token }),
        (reply) => ({
          items: wrappedList(reply, 'DescribeInstances', 'Instances', 'Instance').map(readInstance),
          nextToken: reply.optString('NextToken'),
        }),
      );
    });
  }

  /** The group's rules in one direction (default ingress), all pages. */
  describeSecurityGroupAttribute(request: DescribeSecurityGroupAttributeRequest): Promise<SecurityGroupRule[]> {
    return this.allPages(
      'DescribeSecurityGroupAttribute',
      (token) => ({
        RegionId: request.RegionId,
        SecurityGroupId: request.SecurityGroupId,
        Direction: request.Direction ?? 'ingress',
        MaxResults: RULE_PAGE_SIZE,
        NextToken: token,
      }),
      (reply) => ({
        items: wrappedList(reply, 'DescribeSecurityGroupAttribute', 'Permissions', 'Permission').map((permission) => readRule(request.SecurityGroupId, permission)),
        nextToken: reply.optString('NextToken'),
      }),
    );
  }

  /** Whether each instance's Cloud Assistant agent can run commands, and its OS; ids the region does not know are absent. */
  describeCloudAssistantStatus(request: { RegionId: string; InstanceIds: string[] }): Promise<CloudAssistantAgentStatus[]> {
    return this.perIdBatch(request.InstanceIds, CLOUD_ASSISTANT_STATUS_BATCH_SIZE, (batch) =>
      this.allPages(
        'DescribeCloudAssistantStatus',
        // InstanceId.N, a repeated list (DescribeCloudAssistantStatusRequest.instanceId, an array).
        (token) => ({ RegionId: request.RegionId, InstanceId: batch, MaxResults: CLOUD_ASSISTANT_STATUS_BATCH_SIZE, NextToken: token }),
        (reply) => ({
          items: wrappedList(reply, 'DescribeCloudAssistantStatus', 'InstanceCloudAssistantStatusSet', 'InstanceCloudAssistantStatus').map(readAgentStatus),
          nextToken: reply.optString('NextToken'),
        }),
      ),
    );
  }

  /**
   * Runs a shell script once on up to 100 instances (RunCommand, Type RunShellScript, Base64 content, not kept as a
   * saved command). Resolves to the invocation id to poll with describeInvocationResults.
   */
  async runShellScript(request: RunShellScriptRequest): Promise<{ invokeId: string; commandId: string }> {
    const instanceIds = unique(request.InstanceIds);
    if (instanceIds.length === 0 || instanceIds.length > RUN_COMMAND_INSTANCE_LIMIT) {
      throw new RangeError(`RunCommand takes 1-${RUN_COMMAND_INSTANCE_LIMIT} instances, got ${instanceIds.length}`);
    }
    const content = Buffer.from(request.script, 'utf8').toString('base64');
    if (content.length > COMMAND_CONTENT_LIMIT_BYTES) {
      throw new RangeError(`the script is ${content.length} bytes in Base64, above RunCommand's ${COMMAND_CONTENT_LIMIT_BYTES}`);
    }
    return this.call(
      'RunCommand',
      {
        RegionId: request.RegionId,
        Type: 'RunShellScript',
        CommandContent: content,
        ContentEncoding: 'Base64',
        InstanceId: instanceIds,
        Timeout: request.timeoutSeconds,
        Name: request.name,
        Description: request.description,
        KeepCommand: false,
        RepeatMode: 'Once',
        ...(request.usesBuiltInParameters ? { EnableParameter: true } : {}),
      },
      (reply) => {
        const invokeId = reply.optString('InvokeId');
        if (!invokeId) throw malformedReply('ecs', 'RunCommand', 'InvokeId is missing');
        return { invokeId, commandId: reply.optString('CommandId') ?? '' };
      },
    );
  }

  /** Every instance's result of one invocation, all pages, output decoded. */
  describeInvocationResults(request: { RegionId: string; InvokeId: string }): Promise<InvocationResult[]> {
    return this.allPages(
      'DescribeInvocationResults',
      (token) => ({ RegionId: request.RegionId, InvokeId: request.InvokeId, ContentEncoding: 'Base64', MaxResults: INVOCATION_RESULT_PAGE_SIZE, NextToken: token }),
      (reply) => {
        // The results and their NextToken sit inside Invocation.
        const invocation = reply.optObject('Invocation');
        if (!invocation) throw malformedReply('ecs', 'DescribeInvocationResults', 'Invocation.InvocationResults.InvocationResult is missing');
        return {
          items: wrappedList(invocation, 'DescribeInvocationResults', 'InvocationResults', 'InvocationResult').map(readInvocationResult),
          nextToken: invocation.optString('NextToken'),
        };
      },
    );
  }
}
