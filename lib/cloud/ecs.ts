// The ECS facts the diagnosis needs (instance status, private IPs, security groups and their ingress rules), and the
// opt-in Cloud Assistant actions that run the read-only host script on backends (RunCommand,
// DescribeInvocationResults, DescribeCloudAssistantStatus), through the official @alicloud/ecs20140526 SDK (built on
// @alicloud/openapi-core), with our retry and rate budget around it.
import type { IncomingMessage } from 'node:http';
import EcsSdk, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type Credential from '@alicloud/credentials';
import type { EcsInstanceFacts, SecurityGroupRule } from '../model';
import type { ApiEndpoint } from './endpoints';
import { malformedReply } from './errors';
import type { Admission, ApiInvoker } from './invoker';
import { nextPageToken } from './reply';
import { readSdkReply, type CallApi } from './transport';

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

export interface EcsSdkOptions {
  endpoint: ApiEndpoint;
  regionId: string;
  credential: Credential;
  readTimeoutMs: number;
  connectTimeoutMs: number;
  userAgent: string;
  /** Test seam: answer the SDK's requests with this instead of the network (the SDK still builds and reads them). */
  callApi?: CallApi;
}

export function createEcsSdk(options: EcsSdkOptions): EcsSdk {
  const sdk = new EcsSdk(
    new $OpenApiUtil.Config({
      credential: options.credential,
      endpoint: options.endpoint.host,
      protocol: options.endpoint.protocol,
      regionId: options.regionId,
      readTimeout: options.readTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      userAgent: options.userAgent,
    }),
  );
  const fake = options.callApi;
  if (fake) {
    sdk.callApi = async (params, request) => ({
      body: await fake({ product: 'ecs', action: params.action, version: params.version, query: request.query ?? {} }),
      headers: {},
      statusCode: 200,
    });
    return sdk;
  }
  // The reply's stream, read so that the finished request is let go at once (readSdkReply, ./transport.ts).
  const sdkCallApi = sdk.callApi.bind(sdk);
  sdk.callApi = async (params, request, runtime) => {
    const sentAt = Date.now();
    const reply = await sdkCallApi(new $OpenApiUtil.Params({ ...params, bodyType: 'binary' }), request, runtime);
    return { ...reply, body: await readSdkReply(reply.body as IncomingMessage, sentAt, options.readTimeoutMs) };
  };
  return sdk;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((value) => value !== ''))];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function readInstance(instance: $Ecs.DescribeInstancesResponseBodyInstancesInstance, index: number): EcsInstanceFacts {
  if (!instance.instanceId) throw malformedReply('ecs', 'DescribeInstances', `Instances.Instance[${index}].InstanceId is missing`);
  const interfaces = instance.networkInterfaces?.networkInterface ?? [];
  const privateIps = unique([
    ...(instance.vpcAttributes?.privateIpAddress?.ipAddress ?? []),
    ...interfaces.flatMap((nic) => [nic.primaryIpAddress ?? '', ...(nic.privateIpSets?.privateIpSet ?? []).map((set) => set.privateIpAddress ?? '')]),
    ...(instance.innerIpAddress?.ipAddress ?? []),
  ]);
  return {
    instanceId: instance.instanceId,
    status: instance.status ?? '',
    privateIps,
    securityGroupIds: unique(instance.securityGroupIds?.securityGroupId ?? []),
    vpcId: instance.vpcAttributes?.vpcId || null,
  };
}

function readRule(
  securityGroupId: string,
  permission: $Ecs.DescribeSecurityGroupAttributeResponseBodyPermissionsPermission,
  index: number,
): SecurityGroupRule {
  const at = `Permissions.Permission[${index}]`;
  const direction = (permission.direction ?? '').toLowerCase();
  if (direction !== 'ingress' && direction !== 'egress') {
    throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${at}.Direction is ${JSON.stringify(permission.direction)}, expected ingress or egress`);
  }
  // The API answers "Accept"/"Drop"; requests use lower case. An absent policy is the default, accept.
  const policy = (permission.policy || 'accept').toLowerCase();
  if (policy !== 'accept' && policy !== 'drop') {
    throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${at}.Policy is ${JSON.stringify(permission.policy)}, expected Accept or Drop`);
  }
  const priority = permission.priority === undefined || permission.priority === '' ? 1 : Number(permission.priority);
  if (!Number.isInteger(priority)) {
    throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', `${at}.Priority is ${JSON.stringify(permission.priority)}, expected 1-100`);
  }
  return {
    securityGroupId,
    direction,
    policy,
    priority,
    ipProtocol: (permission.ipProtocol ?? 'ALL').toUpperCase(),
    portRange: permission.portRange ?? '-1/-1',
    sourceCidrIp: permission.sourceCidrIp ?? '',
    description: permission.description ?? '',
  };
}

function readAgentStatus(
  entry: $Ecs.DescribeCloudAssistantStatusResponseBodyInstanceCloudAssistantStatusSetInstanceCloudAssistantStatus,
  index: number,
): CloudAssistantAgentStatus {
  const at = `InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[${index}]`;
  if (!entry.instanceId) throw malformedReply('ecs', 'DescribeCloudAssistantStatus', `${at}.InstanceId is missing`);
  // The API answers the strings "true"/"false"; accept a JSON boolean too.
  const status = String(entry.cloudAssistantStatus ?? '').toLowerCase();
  if (status !== 'true' && status !== 'false') {
    throw malformedReply('ecs', 'DescribeCloudAssistantStatus', `${at}.CloudAssistantStatus is ${JSON.stringify(entry.cloudAssistantStatus)}, expected "true" or "false"`);
  }
  return { instanceId: entry.instanceId, online: status === 'true', osType: entry.OSType ?? '', version: entry.cloudAssistantVersion ?? '' };
}

function decodeBase64(text: string, at: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s+/g, ''))) {
    throw malformedReply('ecs', 'DescribeInvocationResults', `${at}.Output is not Base64`);
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

function readInvocationResult(
  entry: $Ecs.DescribeInvocationResultsResponseBodyInvocationInvocationResultsInvocationResult,
  index: number,
): InvocationResult {
  const at = `Invocation.InvocationResults.InvocationResult[${index}]`;
  if (!entry.instanceId) throw malformedReply('ecs', 'DescribeInvocationResults', `${at}.InstanceId is missing`);
  const status = entry.invocationStatus ?? '';
  if (!INVOCATION_STATUSES.has(status)) {
    throw malformedReply('ecs', 'DescribeInvocationResults', `${at}.InvocationStatus is ${JSON.stringify(entry.invocationStatus)}, not a documented status`);
  }
  const finished = TERMINAL_INVOCATION_STATUSES.has(status as InvocationStatus);
  return {
    instanceId: entry.instanceId,
    invokeId: entry.invokeId ?? '',
    status: status as InvocationStatus,
    exitCode: finished && typeof entry.exitCode === 'number' ? entry.exitCode : null,
    output: decodeBase64(entry.output ?? '', at),
    dropped: typeof entry.dropped === 'number' && entry.dropped > 0 ? entry.dropped : 0,
    errorCode: entry.errorCode ?? '',
    errorInfo: entry.errorInfo ?? '',
  };
}

export class EcsClient {
  constructor(
    private readonly invoker: ApiInvoker,
    private readonly sdk: EcsSdk,
  ) {}

  /** This client, whose requests go out through `admission` once their quota allows them (see `Admission`). */
  admittedBy(admission: Admission): EcsClient {
    return new EcsClient(this.invoker.admittedBy(admission), this.sdk);
  }

  /** Status, private IPs, security groups and VPC of each instance; ids the region does not know are simply absent. */
  async describeInstances(request: DescribeInstancesRequest): Promise<EcsInstanceFacts[]> {
    const facts: EcsInstanceFacts[] = [];
    for (const batch of chunks(unique(request.InstanceIds), INSTANCE_BATCH_SIZE)) {
      const tokens = new Set<string>();
      let token: string | undefined;
      do {
        const page = await this.invoker.invoke(
          'ecs',
          'DescribeInstances',
          () =>
            this.sdk.describeInstances(
              new $Ecs.DescribeInstancesRequest({ regionId: request.RegionId, instanceIds: JSON.stringify(batch), maxResults: INSTANCE_BATCH_SIZE, nextToken: token }),
            ),
          (response) => {
            const instances = response.body?.instances?.instance;
            if (!instances) throw malformedReply('ecs', 'DescribeInstances', 'Instances.Instance is missing');
            return { instances: instances.map(readInstance), nextToken: response.body?.nextToken || undefined };
          },
        );
        facts.push(...page.instances);
        token = nextPageToken('ecs', 'DescribeInstances', page.nextToken, tokens);
      } while (token !== undefined);
    }
    return facts;
  }

  /** The group's rules in one direction (default ingress), all pages. */
  async describeSecurityGroupAttribute(request: DescribeSecurityGroupAttributeRequest): Promise<SecurityGroupRule[]> {
    const rules: SecurityGroupRule[] = [];
    const tokens = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.invoker.invoke(
        'ecs',
        'DescribeSecurityGroupAttribute',
        () =>
          this.sdk.describeSecurityGroupAttribute(
            new $Ecs.DescribeSecurityGroupAttributeRequest({
              regionId: request.RegionId,
              securityGroupId: request.SecurityGroupId,
              direction: request.Direction ?? 'ingress',
              maxResults: RULE_PAGE_SIZE,
              nextToken: token,
            }),
          ),
        (response) => {
          const permissions = response.body?.permissions?.permission;
          if (!permissions) throw malformedReply('ecs', 'DescribeSecurityGroupAttribute', 'Permissions.Permission is missing');
          return {
            rules: permissions.map((permission, index) => readRule(request.SecurityGroupId, permission, index)),
            nextToken: response.body?.nextToken || undefined,
          };
        },
      );
      rules.push(...page.rules);
      token = nextPageToken('ecs', 'DescribeSecurityGroupAttribute', page.nextToken, tokens);
    } while (token !== undefined);
    return rules;
  }
  /** Whether each instance's Cloud Assistant agent can run commands, and its OS; ids the region does not know are absent. */
  async describeCloudAssistantStatus(request: { RegionId: string; InstanceIds: string[] }): Promise<CloudAssistantAgentStatus[]> {
    const statuses: CloudAssistantAgentStatus[] = [];
    for (const batch of chunks(unique(request.InstanceIds), CLOUD_ASSISTANT_STATUS_BATCH_SIZE)) {
      const tokens = new Set<string>();
      let token: string | undefined;
      do {
        const page = await this.invoker.invoke(
          'ecs',
          'DescribeCloudAssistantStatus',
          () =>
            this.sdk.describeCloudAssistantStatus(
              new $Ecs.DescribeCloudAssistantStatusRequest({ regionId: request.RegionId, instanceId: batch, maxResults: CLOUD_ASSISTANT_STATUS_BATCH_SIZE, nextToken: token }),
            ),
          (response) => {
            const entries = response.body?.instanceCloudAssistantStatusSet?.instanceCloudAssistantStatus;
            if (!entries) throw malformedReply('ecs', 'DescribeCloudAssistantStatus', 'InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus is missing');
            return { statuses: entries.map(readAgentStatus), nextToken: response.body?.nextToken || undefined };
          },
        );
        statuses.push(...page.statuses);
        token = nextPageToken('ecs', 'DescribeCloudAssistantStatus', page.nextToken, tokens);
      } while (token !== undefined);
    }
    return statuses;
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
    return this.invoker.invoke(
      'ecs',
      'RunCommand',
      () =>
        this.sdk.runCommand(
          new $Ecs.RunCommandRequest({
            regionId: request.RegionId,
            type: 'RunShellScript',
            commandContent: content,
            contentEncoding: 'Base64',
            instanceId: instanceIds,
            timeout: request.timeoutSeconds,
            name: request.name,
            description: request.description,
            keepCommand: false,
            repeatMode: 'Once',
            ...(request.usesBuiltInParameters ? { enableParameter: true } : {}),
          }),
        ),
      (response) => {
        const invokeId = response.body?.invokeId;
        if (!invokeId) throw malformedReply('ecs', 'RunCommand', 'InvokeId is missing');
        return { invokeId, commandId: response.body?.commandId ?? '' };
      },
    );
  }

  /** Every instance's result of one invocation, all pages, output decoded. */
  async describeInvocationResults(request: { RegionId: string; InvokeId: string }): Promise<InvocationResult[]> {
    const results: InvocationResult[] = [];
    const tokens = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.invoker.invoke(
        'ecs',
        'DescribeInvocationResults',
        () =>
          this.sdk.describeInvocationResults(
            new $Ecs.DescribeInvocationResultsRequest({
              regionId: request.RegionId,
              invokeId: request.InvokeId,
              contentEncoding: 'Base64',
              maxResults: INVOCATION_RESULT_PAGE_SIZE,
              nextToken: token,
            }),
          ),
        (response) => {
          const invocation = response.body?.invocation;
          const entries = invocation?.invocationResults?.invocationResult;
          if (!entries) throw malformedReply('ecs', 'DescribeInvocationResults', 'Invocation.InvocationResults.InvocationResult is missing');
          return { results: entries.map(readInvocationResult), nextToken: invocation?.nextToken || undefined };
        },
      );
      results.push(...page.results);
      token = nextPageToken('ecs', 'DescribeInvocationResults', page.nextToken, tokens);
    } while (token !== undefined);
    return results;
  }
}
