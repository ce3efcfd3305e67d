// The Cloud Assistant actions of the ECS emulator: RunCommand, DescribeInvocationResults and
// DescribeCloudAssistantStatus with the real request parameters, reply shapes, paging, Base64 and status values
// (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runcommand and its siblings).
// RunCommand really runs the script with bash on this machine, with the sandbox host's fake firewall tools first on
// PATH, bounded by the request's Timeout, and keeps at most 24 KB of output (the rest is counted in Dropped).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import type { HostTools } from '../hosts/tools';
import { ApiError, apiErrors } from '../openapi/errors';
import { decodeNextToken, encodeNextToken } from '../openapi/params';
import type { ActionHandler } from '../openapi/server';
import type { Scenario, ScenarioInstance } from '../scenario/types';

/** The agent keeps this much output per instance and counts the rest in Dropped. */
export const OUTPUT_LIMIT_BYTES = 24 * 1024;
/** CommandContent may not exceed 24 KB after Base64 encoding. */
const CONTENT_LIMIT_BYTES = 24 * 1024;
const MAX_INSTANCES_PER_RUN = 100;
/** Scripts run at once on this machine (the sandbox shares it with its own backends and the product). */
const DEFAULT_MAX_CONCURRENT_RUNS = 4;
/** The agent version the sandbox reports. */
const AGENT_VERSION = '2.2.3.857';

type Status = 'Pending' | 'Running' | 'Success' | 'Failed' | 'Invalid' | 'Aborted' | 'Timeout' | 'Error';

interface InstanceRun {
  instanceId: string;
  status: Status;
  exitCode: number | null;
  output: Buffer;
  dropped: number;
  errorCode: string;
  errorInfo: string;
  startTime: string;
  finishedTime: string;
}

interface Invocation {
  invokeId: string;
  commandId: string;
  name: string;
  runs: InstanceRun[];
}

/** Per-instance error codes and texts as DescribeInvocationResults documents them. */
const INSTANCE_ERRORS = {
  InstanceNotExists: 'the specified instance does not exists',
  InstanceNotRunning: 'the instance is not running when create task',
  CommandNotApplicable: 'the command is not applicable',
  ClientNotRunning: 'the aliyun service is not running on the instance',
  ClientNeedUpgrade: 'the aliyun service in the instance need upgrade',
  ExecutionTimeout: 'the command execution has been timeout',
  ExecutionException: 'the command execution got an exception',
  ExitCodeNonzero: 'the command execution exit code is not zero',
} as const;

/** InvokeRecordStatus (the execution's overall state) from one instance's InvocationStatus. */
function recordStatus(status: Status): string {
  if (status === 'Pending') return 'Pending';
  if (status === 'Running') return 'Running';
  return status === 'Success' ? 'Finished' : 'Failed';
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomId(prefix: string): string {
  return `${prefix}-hz01${randomBytes(7).toString('hex').slice(0, 13)}`;
}

/**
 * Scripts look for tools in the system directories first (they set their own PATH), so the host's fake tools must be
 * there: each script runs in a private mount namespace where the host's tool directory is bind-mounted over
 * /usr/local/sbin, the first system directory (`unshare -m`, root only). Without that, the tools go first on the
 * agent's PATH, which a script that puts the system directories first does not see.
 */
const TOOL_MOUNT_POINT = '/usr/local/sbin';

export function canMountHostTools(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || !existsSync(TOOL_MOUNT_POINT)) return false;
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'true'], { stdio: 'ignore', timeout: 5_000 });
  return probe.status === 0;
}

export interface CloudAssistantOptions {
  tools: HostTools;
  maxConcurrentRuns?: number;
  now?: () => number;
}

export interface CloudAssistant {
  actions: Record<string, ActionHandler>;
  /** Kills every script still running and forgets every invocation. */
  stop(): Promise<void>;
}

export function createCloudAssistant(scenario: Scenario, options: CloudAssistantOptions): CloudAssistant {
  const now = options.now ?? Date.now;
  const maxConcurrent = options.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS;
  const mountTools = canMountHostTools();
  const instances = new Map(scenario.instances.map((instance) => [instance.instanceId, instance]));
  const invocations = new Map<string, Invocation>();
  const queue: (() => void)[] = [];
  const children = new Set<ChildProcess>();
  const timers = new Set<NodeJS.Timeout>();
  let active = 0;
  let stopped = false;

  const release = (): void => {
    active -= 1;
    queue.shift()?.();
  };
  const whenFree = (start: () => void): void => {
    if (active < maxConcurrent) {
      active += 1;
      start();
    } else {
      queue.push(() => {
        active += 1;
        start();
      });
    }
  };

  const finish = (run: InstanceRun, status: Status, exitCode: number | null, errorCode: keyof typeof INSTANCE_ERRORS | ''): void => {
    run.status = status;
    run.exitCode = exitCode;
    run.errorCode = errorCode;
    run.errorInfo = errorCode ? INSTANCE_ERRORS[errorCode] : '';
    run.finishedTime = isoSeconds(now());
  };

  const execute = (run: InstanceRun, instance: ScenarioInstance, script: string, timeoutSeconds: number): void => {
    whenFree(() => {
      if (stopped) return release();
      run.status = 'Running';
      run.startTime = isoSeconds(now());
      const busySeconds = instance.host?.busySeconds ?? 0;
      // A busy host holds the script back; the agent's timeout covers the wait, as it covers the whole run.
      const command = busySeconds > 0 ? `sleep ${busySeconds}\n${script}` : script;
      const toolDir = options.tools.pathFor(instance.instanceId);
      const [file, args] = mountTools
        ? ['unshare', ['--mount', '--propagation', 'private', '--', 'bash', '-c', `mount --bind "$0" ${TOOL_MOUNT_POINT} && exec bash -c "$1"`, toolDir, command]]
        : ['bash', ['-c', command]];
      const child = spawn(file, args, {
        cwd: tmpdir(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: `${toolDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: tmpdir(), LANG: 'C' },
      });
      children.add(child);
      const chunks: Buffer[] = [];
      let kept = 0;
      const collect = (chunk: Buffer): void => {
        const take = Math.min(Math.max(0, OUTPUT_LIMIT_BYTES - kept), chunk.length);
        if (take > 0) chunks.push(chunk.subarray(0, take));
        kept += take;
        run.dropped += chunk.length - take;
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      let timedOut = false;
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutSeconds * 1000);
      timers.add(timer);
      child.once('error', () => {
        clearTimeout(timer);
        timers.delete(timer);
        children.delete(child);
        finish(run, 'Error', null, 'ExecutionException');
        release();
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        timers.delete(timer);
        children.delete(child);
        run.output = Buffer.concat(chunks);
        if (timedOut) finish(run, 'Timeout', null, 'ExecutionTimeout');
        else if (code === 0) finish(run, 'Success', 0, '');
        else finish(run, 'Failed', code ?? 1, 'ExitCodeNonzero');
        release();
      });
    });
  };

  const substitute = (script: string, instance: ScenarioInstance, parameters: Record<string, string>): string =>
    script.replace(/\{\{\s*([A-Za-z0-9_:.-]+)\s*\}\}/g, (whole, name: string) => {
      if (name === 'ACS::InstanceId') return instance.instanceId;
      if (name === 'ACS::InstanceName') return instance.instanceName ?? instance.instanceId;
      if (name === 'ACS::RegionId') return scenario.regionId;
      if (name === 'ACS::AccountId') return scenario.accountId;
      return Object.hasOwn(parameters, name) ? (parameters[name] ?? '') : whole;
    });

  const runCommand: ActionHandler = (params) => {
    const regionId = params.requiredString('RegionId');
    const type = params.oneOf('Type', ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'] as const);
    if (type === undefined) throw apiErrors.missingParameter('Type');
    const encoded = params.requiredString('CommandContent');
    const encoding = params.string('ContentEncoding') === 'Base64' ? 'Base64' : 'PlainText';
    const base64Length = encoding === 'Base64' ? encoded.length : Buffer.from(encoded, 'utf8').toString('base64').length;
    if (base64Length > CONTENT_LIMIT_BYTES) throw new ApiError(400, 'InvalidCommandContent.LengthLimitExceeded', 'The CommandContent exceeds 24 KB after Base64 encoding.');
    if (encoding === 'Base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw apiErrors.invalidParameter('CommandContent', 'It is not valid Base64.');
    const script = encoding === 'Base64' ? Buffer.from(encoded, 'base64').toString('utf8') : encoded;
    const timeoutSeconds = params.integer('Timeout', 1, 86_400) ?? 60;
    const ids = params.list('InstanceId');
    if (ids.length === 0) throw apiErrors.missingParameter('InstanceId.1');
    if (ids.length > MAX_INSTANCES_PER_RUN) throw apiErrors.invalidParameter('InstanceId', `It may list at most ${MAX_INSTANCES_PER_RUN} instances.`);
    params.oneOf('RepeatMode', ['Once', 'Period', 'NextRebootOnly', 'EveryReboot'] as const);
    params.boolean('KeepCommand');
    const enableParameter = params.boolean('EnableParameter') ?? false;
    let parameters: Record<string, string> = {};
    const parametersJson = params.string('Parameters');
    if (parametersJson !== undefined) {
      try {
        const parsed: unknown = JSON.parse(parametersJson);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        parameters = Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
      } catch {
        throw apiErrors.invalidParameter('Parameters', 'It must be a JSON object of names to values.');
      }
    }
    const invocation: Invocation = { invokeId: randomId('t'), commandId: randomId('c'), name: params.string('Name') ?? '', runs: [] };
    const startedAt = isoSeconds(now());
    for (const instanceId of [...new Set(ids)]) {
      const run: InstanceRun = { instanceId, status: 'Pending', exitCode: null, output: Buffer.alloc(0), dropped: 0, errorCode: '', errorInfo: '', startTime: '', finishedTime: '' };
      invocation.runs.push(run);
      const instance = regionId === scenario.regionId ? instances.get(instanceId) : undefined;
      const host = instance?.host ?? {};
      if (!instance) finish(run, 'Invalid', null, 'InstanceNotExists');
      else if (instance.status !== 'Running') finish(run, 'Aborted', null, 'InstanceNotRunning');
      else if ((host.osType ?? 'Linux') === 'Windows' ? type === 'RunShellScript' : type !== 'RunShellScript') finish(run, 'Invalid', null, 'CommandNotApplicable');
      else if (host.cloudAssistant === 'absent') finish(run, 'Aborted', null, 'ClientNotRunning');
      else if (host.cloudAssistant === 'needs-upgrade') finish(run, 'Aborted', null, 'ClientNeedUpgrade');
      else execute(run, instance, enableParameter ? substitute(script, instance, parameters) : script, timeoutSeconds);
      if (run.status !== 'Pending' && !run.startTime) run.startTime = startedAt;
    }
    invocations.set(invocation.invokeId, invocation);
    return { CommandId: invocation.commandId, InvokeId: invocation.invokeId };
  };

  const describeInvocationResults: ActionHandler = (params) => {
    const regionId = params.requiredString('RegionId');
    const invokeId = params.string('InvokeId');
    const instanceId = params.string('InstanceId');
    const commandId = params.string('CommandId');
    const recordFilter = params.oneOf('InvokeRecordStatus', ['Running', 'Finished', 'Failed', 'PartialFailed', 'Stopped', 'Stopping', 'Pending', 'Scheduled'] as const);
    const encoding = params.oneOf('ContentEncoding', ['PlainText', 'Base64'] as const) ?? 'Base64';
    params.boolean('IncludeHistory');
    const rows = regionId !== scenario.regionId
      ? []
      : [...invocations.values()]
          .filter((invocation) => (invokeId === undefined || invocation.invokeId === invokeId) && (commandId === undefined || invocation.commandId === commandId))
          .flatMap((invocation) => invocation.runs.map((run) => ({ invocation, run })))
          .filter(({ run }) => (instanceId === undefined || run.instanceId === instanceId) && (recordFilter === undefined || recordStatus(run.status) === recordFilter));
    const render = ({ invocation, run }: { invocation: Invocation; run: InstanceRun }): Record<string, unknown> => ({
      CommandId: invocation.commandId,
      InvokeId: invocation.invokeId,
      InstanceId: run.instanceId,
      InvocationStatus: run.status,
      InvokeRecordStatus: recordStatus(run.status),
      ExitCode: run.exitCode ?? 0,
      Output: encoding === 'Base64' ? run.output.toString('base64') : run.output.toString('utf8'),
      Dropped: run.dropped,
      ErrorCode: run.errorCode,
      ErrorInfo: run.errorInfo,
      StartTime: run.startTime,
      FinishedTime: run.finishedTime,
      StopTime: '',
      Repeats: run.status === 'Pending' ? 0 : 1,
      Username: 'root',
      ContainerId: '',
      ContainerName: '',
      TerminationMode: 'Process',
      Launcher: '',
      OssOutputDelivery: '',
      OssOutputStatus: '',
      OssOutputUri: '',
      OssOutputErrorCode: '',
      OssOutputErrorInfo: '',
      Tags: { Tag: [] },
    });
    const scope = `DescribeInvocationResults:${invokeId ?? ''}:${instanceId ?? ''}`;
    if (params.has('MaxResults') || params.has('NextToken') || !params.has('PageSize')) {
      const maxResults = params.integer('MaxResults', 1, 50) ?? 10;
      const offset = decodeNextToken(scope, params.string('NextToken'));
      if (offset > rows.length) throw apiErrors.invalidParameter('NextToken', 'Use the NextToken of the previous page.');
      const next = offset + maxResults;
      return {
        Invocation: {
          PageSize: maxResults,
          PageNumber: Math.floor(offset / maxResults) + 1,
          TotalCount: rows.length,
          NextToken: next < rows.length ? encodeNextToken(scope, next) : '',
          InvocationResults: { InvocationResult: rows.slice(offset, next).map(render) },
        },
      };
    }
    const pageSize = params.integer('PageSize', 1, 50) ?? 10;
    const pageNumber = params.integer('PageNumber', 1, 1_000_000) ?? 1;
    return {
      Invocation: {
        PageSize: pageSize,
        PageNumber: pageNumber,
        TotalCount: rows.length,
        NextToken: '',
        InvocationResults: { InvocationResult: rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(render) },
      },
    };
  };

  const describeCloudAssistantStatus: ActionHandler = (params) => {
    const regionId = params.requiredString('RegionId');
    const ids = params.list('InstanceId');
    if (ids.length > MAX_INSTANCES_PER_RUN) throw apiErrors.invalidParameter('InstanceId', `It may list at most ${MAX_INSTANCES_PER_RUN} instances.`);
    const osType = params.oneOf('OSType', ['Windows', 'Linux', 'FreeBSD'] as const);
    const known = regionId === scenario.regionId ? scenario.instances : [];
    const rows = known.filter(
      (instance) => (ids.length === 0 || ids.includes(instance.instanceId)) && (osType === undefined || (instance.host?.osType ?? 'Linux') === osType),
    );
    const render = (instance: ScenarioInstance): Record<string, unknown> => {
      const host = instance.host ?? {};
      // A stopped instance's agent sends no heartbeat; an absent agent never did.
      const online = instance.status === 'Running' && host.cloudAssistant !== 'absent';
      const ran = [...invocations.values()].filter((invocation) => invocation.runs.some((run) => run.instanceId === instance.instanceId));
      return {
        InstanceId: instance.instanceId,
        CloudAssistantStatus: online ? 'true' : 'false',
        CloudAssistantVersion: host.cloudAssistant === 'absent' ? '' : host.cloudAssistant === 'needs-upgrade' ? '1.0.0.149' : AGENT_VERSION,
        OSType: host.osType ?? 'Linux',
        LastHeartbeatTime: online ? isoSeconds(now()) : '',
        LastInvokedTime: '',
        InvocationCount: ran.length,
        ActiveTaskCount: ran.filter((invocation) => invocation.runs.some((run) => run.instanceId === instance.instanceId && (run.status === 'Running' || run.status === 'Pending'))).length,
        SupportSessionManager: online,
      };
    };
    const maxResults = params.integer('MaxResults', 1, 50) ?? 10;
    const scope = `DescribeCloudAssistantStatus:${ids.join(',')}:${osType ?? ''}`;
    if (params.has('PageSize') && !params.has('MaxResults') && !params.has('NextToken')) {
      const pageSize = params.integer('PageSize', 1, 50) ?? 10;
      const pageNumber = params.integer('PageNumber', 1, 1_000_000) ?? 1;
      return {
        TotalCount: rows.length,
        PageNumber: pageNumber,
        PageSize: pageSize,
        InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(render) },
      };
    }
    const offset = decodeNextToken(scope, params.string('NextToken'));
    if (offset > rows.length) throw apiErrors.invalidParameter('NextToken', 'Use the NextToken of the previous page.');
    const next = offset + maxResults;
    return {
      TotalCount: rows.length,
      PageNumber: Math.floor(offset / maxResults) + 1,
      PageSize: maxResults,
      NextToken: next < rows.length ? encodeNextToken(scope, next) : '',
      InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: rows.slice(offset, next).map(render) },
    };
  };

  return {
    actions: {
      RunCommand: runCommand,
      DescribeInvocationResults: describeInvocationResults,
      DescribeCloudAssistantStatus: describeCloudAssistantStatus,
    },
    stop: async () => {
      stopped = true;
      queue.length = 0;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const exits = [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('close', () => resolve());
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }),
      );
      await Promise.all(exits);
      invocations.clear();
    },
  };
}
