// Runs the host script on a whole fleet through Cloud Assistant, within the run's deadline:
//   1. instances the inventory saw stopped are left out (Cloud Assistant runs nothing on them);
//   2. DescribeCloudAssistantStatus, 50 instances a call: no agent online, or Windows, leaves an instance out;
//   3. RunCommand, up to 100 instances a call, one command per instance however many listeners it serves;
//   4. DescribeInvocationResults polled with backoff until every instance is in a terminal status or the deadline.
// Every call goes through the client's per-action budget and retries. A failure concerns exactly the instances of
// the call that failed: they are reported unavailable with the reason, and the rest goes on.
import type { EcsClient, InvocationResult } from '../cloud/ecs';
import { CLOUD_ASSISTANT_STATUS_BATCH_SIZE, RUN_COMMAND_INSTANCE_LIMIT, TERMINAL_INVOCATION_STATUSES } from '../cloud/ecs';
import { CloudAccessError } from '../cloud/errors';
import { HOST_SCRIPT_VERSION } from '../host/script';
import type { HostCheckSpec } from '../host/types';
import type { Clock } from '../util/clock';
import { errorMessage } from '../util/errors';
import { batchShape, packBatches, splitBatchOutput, type BatchMember } from './batch-script';
import type { HostTarget } from './targets';

/** The host script stops collecting at 8.5 s and ends within 10 s (lib/host/README.md); a margin for a slow start. */
const SECONDS_PER_CHECK = 12;
const COMMAND_OVERHEAD_SECONDS = 10;
/** Waits between polls of one run: Cloud Assistant needs a few seconds to deliver and start a command. */
export const DEFAULT_POLL_SCHEDULE_MS: readonly number[] = [2_000, 2_000, 3_000, 5_000];

export type HostOutcome =
  /** The script ran: one output per planned check, in the target's check order. */
  | { kind: 'output'; outputs: string[]; invokeId: string }
  | { kind: 'unavailable'; reason: string }
  /** Still pending or running when the run's deadline came. */
  | { kind: 'running'; reason: string };

export interface OnHostStats {
  instances: number;
  /** Instances a command was sent to. */
  commanded: number;
  runCommandCalls: number;
  statusCalls: number;
  pollRounds: number;
}

export interface FleetOptions {
  ecs: EcsClient;
  regionId: string;
  targets: readonly HostTarget[];
  /** Epoch ms by which every call and wait must be over. */
  deadlineAt: number;
  clock: Clock;
  render: (check: HostCheckSpec) => string;
  pollScheduleMs?: readonly number[];
  onProgress?: (line: string) => void;
}

export interface FleetResult {
  outcomes: Map<string, HostOutcome>;
  stats: OnHostStats;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Why an instance's command did not give output, in words (DescribeInvocationResults ErrorCode list). */
function failureReason(result: InvocationResult, timeoutSeconds: number): string {
  const detail = result.errorInfo ? ` (${result.errorCode}: ${result.errorInfo})` : result.errorCode ? ` (${result.errorCode})` : '';
  switch (result.errorCode) {
    case 'ClientNotRunning':
    case 'ClientNotResponse':
      return `the Cloud Assistant agent is not running on the instance${detail}; start or reinstall it (aliyun-service)`;
    case 'ClientNeedUpgrade':
    case 'ClientIsUpgrading':
      return `the Cloud Assistant agent must be upgraded before it runs commands${detail}`;
    case 'InstanceNotRunning':
    case 'InstanceReleased':
    case 'InstanceNotExists':
      return `the instance is not running${detail}`;
    case 'CommandNotApplicable':
      return `the instance cannot run a shell script (Windows?)${detail}`;
    default:
      break;
  }
  if (result.status === 'Timeout') return `the command timed out after ${timeoutSeconds} s on the host${detail}`;
  return `the command ended ${result.status}${detail}`;
}

export async function runOnHosts(options: FleetOptions): Promise<FleetResult> {
  const { ecs, regionId, clock, deadlineAt } = options;
  const progress = options.onProgress ?? (() => undefined);
  const outcomes = new Map<string, HostOutcome>();
  const stats: OnHostStats = { instances: options.targets.length, commanded: 0, runCommandCalls: 0, statusCalls: 0, pollRounds: 0 };
  const unavailable = (ids: Iterable<string>, reason: string): void => {
    for (const id of ids) outcomes.set(id, { kind: 'unavailable', reason });
  };
  const timeLeftMs = (): number => deadlineAt - clock.now();

  // 1. Stopped instances: Cloud Assistant cannot reach them, so no call is spent on them.
  const candidates: HostTarget[] = [];
  for (const target of options.targets) {
    if (target.instanceStatus && target.instanceStatus !== 'Running') unavailable([target.instanceId], `the instance is ${target.instanceStatus}`);
    else candidates.push(target);
  }

  // 2. The agent first.
  const ready: HostTarget[] = [];
  for (const batch of chunks(candidates, CLOUD_ASSISTANT_STATUS_BATCH_SIZE)) {
    if (timeLeftMs() <= 0) {
      unavailable(batch.map((t) => t.instanceId), "not examined: the run's deadline came first");
      continue;
    }
    try {
      stats.statusCalls += 1;
      const statuses = new Map((await ecs.describeCloudAssistantStatus({ RegionId: regionId, InstanceIds: batch.map((t) => t.instanceId) })).map((s) => [s.instanceId, s]));
      for (const target of batch) {
        const status = statuses.get(target.instanceId);
        if (!status) unavailable([target.instanceId], 'Cloud Assistant does not know the instance (DescribeCloudAssistantStatus listed it not)');
        else if (status.osType.toLowerCase() === 'windows') unavailable([target.instanceId], 'a Windows instance: the host script is a Linux shell script');
        else if (!status.online) unavailable([target.instanceId], 'no Cloud Assistant agent online on the instance (CloudAssistantStatus false); install or start it');
        else ready.push(target);
      }
    } catch (err) {
      unavailable(batch.map((t) => t.instanceId), `the Cloud Assistant status could not be read: ${errorMessage(err)}`);
    }
  }

  // 3. One command per batch of instances whose scripts share a shape.
  const byShape = new Map<string, { target: HostTarget; member: BatchMember }[]>();
  for (const target of ready) {
    const member: BatchMember = { instanceId: target.instanceId, checks: target.checks.map((check) => check.spec) };
    const shape = batchShape(member, options.render);
    byShape.set(shape, [...(byShape.get(shape) ?? []), { target, member }]);
  }
  const pending = new Map<string, { invokeId: string; instanceIds: string[]; checkCounts: Map<string, number>; timeoutSeconds: number }>();
  let accessDenied: string | null = null;
  for (const group of byShape.values()) {
    const { batches, tooLarge } = packBatches(group.map((g) => g.member), options.render, RUN_COMMAND_INSTANCE_LIMIT);
    unavailable(tooLarge.map((m) => m.instanceId), 'the host script for this instance does not fit RunCommand\'s 24 KB content limit');
    for (const batch of batches) {
      const ids = batch.members.map((m) => m.instanceId);
      const checks = Math.max(...batch.members.map((m) => m.checks.length));
      const timeoutSeconds = checks * SECONDS_PER_CHECK + COMMAND_OVERHEAD_SECONDS;
      if (accessDenied !== null) {
        unavailable(ids, accessDenied);
        continue;
      }
      if (timeLeftMs() < timeoutSeconds * 1000) {
        unavailable(ids, `not examined: less than the command's ${timeoutSeconds} s were left before the run's deadline`);
        continue;
      }
      try {
        stats.runCommandCalls += 1;
        const { invokeId } = await ecs.runShellScript({
          RegionId: regionId,
          InstanceIds: ids,
          script: batch.script,
          timeoutSeconds,
          name: 'slb-doctor-host-check',
          description: 'SLB Health Doctor: read-only health-check diagnosis (firewall, listeners, local replay)',
          usesBuiltInParameters: true,
        });
        stats.commanded += ids.length;
        pending.set(invokeId, { invokeId, instanceIds: ids, checkCounts: new Map(batch.members.map((m) => [m.instanceId, m.checks.length])), timeoutSeconds });
      } catch (err) {
        const reason = `RunCommand failed: ${errorMessage(err)}`;
        // Missing permission: every later call with these credentials would be refused the same way.
        if (err instanceof CloudAccessError) accessDenied = reason;
        unavailable(ids, reason);
      }
    }
  }
  progress(`on-host: ${stats.commanded} instance(s) in ${stats.runCommandCalls} command(s); waiting for results`);

  // 4. Poll with backoff until every instance is terminal or the deadline.
  const schedule = options.pollScheduleMs ?? DEFAULT_POLL_SCHEDULE_MS;
  for (let round = 0; pending.size > 0; round++) {
    const waitMs = schedule[Math.min(round, schedule.length - 1)] ?? 5_000;
    if (timeLeftMs() <= waitMs) break;
    await clock.sleep(waitMs);
    stats.pollRounds += 1;
    for (const invocation of [...pending.values()]) {
      let results: InvocationResult[];
      try {
        results = await ecs.describeInvocationResults({ RegionId: regionId, InvokeId: invocation.invokeId });
      } catch (err) {
        if (err instanceof CloudAccessError) {
          unavailable(invocation.instanceIds, `the command's results cannot be read: ${errorMessage(err)}`);
          pending.delete(invocation.invokeId);
        }
        continue;
      }
      const byInstance = new Map(results.map((r) => [r.instanceId, r]));
      const open = invocation.instanceIds.filter((id) => {
        const result = byInstance.get(id);
        if (!result || !TERMINAL_INVOCATION_STATUSES.has(result.status)) return true;
        if (result.dropped > 0) {
          unavailable([id], `Cloud Assistant cut the output (${result.dropped} bytes dropped beyond its 24 KB limit)`);
        } else if ((result.status === 'Success' || result.status === 'Failed') && result.output.includes(`#${HOST_SCRIPT_VERSION}`)) {
          outcomes.set(id, { kind: 'output', outputs: splitBatchOutput(result.output, invocation.checkCounts.get(id) ?? 1), invokeId: invocation.invokeId });
        } else if (result.status === 'Success' || result.status === 'Failed') {
          const first = result.output.trim().split('\n')[0] ?? '';
          unavailable([id], `the script printed no host-script output (exit ${result.exitCode ?? '?'}${first ? `: ${first.slice(0, 200)}` : ''})`);
        } else {
          unavailable([id], failureReason(result, invocation.timeoutSeconds));
        }
        return false;
      });
      if (open.length === 0) pending.delete(invocation.invokeId);
      else invocation.instanceIds = open;
    }
  }
  for (const invocation of pending.values()) {
    for (const id of invocation.instanceIds) {
      outcomes.set(id, { kind: 'running', reason: `still running at the run's deadline (Cloud Assistant invocation ${invocation.invokeId}; see its result in the ECS console)` });
    }
  }
  return { outcomes, stats };
}
