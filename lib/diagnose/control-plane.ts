// Causes decided from control-plane facts alone (no probe needed), in the order they take precedence:
// listener stopped, checks off, check pending, instance not running, weight 0, security group drop.
import type { Backend, FindingCode, Listener, ProbeJob, RegionFacts, SecurityGroupRule, Severity } from '../model';
import { GUIDE, sourceStep } from './guide';
import { describeRule, evaluateSecurityGroups, SLB_HEALTH_CHECK_CIDR } from './security-group';

export interface ControlPlaneCause {
  code: FindingCode;
  /** Only when it differs from the code's base severity. */
  severity?: Severity;
  cause: string;
  evidenceLine: string;
  facts: string[];
  remedy: string;
  guideStep: string;
}

/** `http HEAD /test.html HTTP/1.0, Host www.slb-test.com, codes http_2xx,http_3xx, timeout 5 s …` */
export function describeCheck(listener: Listener): string {
  const c = listener.healthCheck;
  const wait = c.timeoutSeconds === c.configuredTimeoutSeconds ? `timeout ${c.timeoutSeconds} s` : `timeout ${c.configuredTimeoutSeconds} s (SLB waits the ${c.timeoutSeconds} s interval)`;
  const port = c.connectPort === null ? 'backend port' : `port ${c.connectPort}`;
  const common = `${port}, ${wait}, interval ${c.intervalSeconds} s, unhealthy after ${c.unhealthyThreshold}, healthy after ${c.healthyThreshold}`;
  if (c.type === 'http') {
    return `health check: http ${c.method} ${c.uri} HTTP/${c.httpVersion}, domain ${c.domain ?? '(none)'}, codes ${c.acceptedCodes.join(',')}, ${common}`;
  }
  if (c.type === 'udp') return `health check: udp, request ${c.udpRequest ?? '(none)'}, expect ${c.udpExpect ?? '(none)'}, ${common}`;
  return `health check: tcp connect, ${common}`;
}

export function listenerControlPlaneCause(listener: Listener): ControlPlaneCause | null {
  const name = `${listener.protocol}:${listener.port}`;
  if (listener.status === 'stopped') {
    return {
      code: 'LISTENER_STOPPED',
      cause: `Listener ${name} is stopped, so SLB checks none of its ${listener.backends.length} backends and serves no traffic on it.`,
      evidenceLine: `listener ${name} status stopped`,
      facts: [`listener ${name} status stopped`],
      remedy: `Start the listener (console, or StartLoadBalancerListener) if ${name} should serve traffic; otherwise delete it.`,
      guideStep: GUIDE.listenerStopped,
    };
  }
  if (!listener.healthCheck.enabled) {
    return {
      code: 'HEALTH_CHECK_DISABLED',
      cause: `Health checks are off for listener ${name}: SLB keeps sending traffic to backends that have failed.`,
      evidenceLine: `listener ${name} HealthCheck off`,
      facts: [`listener ${name} HealthCheck off`],
      remedy: `Turn the health check on for ${name} (HealthCheck=on) with a check path that proves the service works.`,
      guideStep: GUIDE.healthCheckSwitch,
    };
  }
  if (listener.status !== 'running') {
    return {
      code: 'CHECK_PENDING',
      cause: `Listener ${name} is ${listener.status}; SLB reports its backends once it is running.`,
      evidenceLine: `listener ${name} status ${listener.status}`,
      facts: [`listener ${name} status ${listener.status}`],
      remedy: `Wait for the listener to reach "running"; if it stays ${listener.status}, look at the listener in the console.`,
      guideStep: GUIDE.pending,
    };
  }
  return null;
}

/** The ECS calls the inventory makes once per region (lib/inventory/collect.ts); their errors carry no load balancer. */
const ECS_ACTIONS: ReadonlySet<string> = new Set(['DescribeInstances', 'DescribeSecurityGroupAttribute']);

/** Whether an inventory error comes from an ECS call (the backends were probed anyway, without ECS facts). */
export function isEcsAction(action: string): boolean {
  return ECS_ACTIONS.has(action);
}

/** What the diagnosis could not check for one backend because ECS did not answer. */
export interface EcsFactsGap {
  /** DescribeInstances failed for it: its status (running or stopped) and its security groups are unknown. */
  instanceUnknown: boolean;
  /** The call that failed and its code, e.g. "DescribeInstances failed (ServiceUnavailable)". */
  reason: string;
}

/**
 * Null when every ECS fact this backend's diagnosis needs is at hand. An ECS-type backend whose instance ECS did not
 * list because the call failed, or whose security groups could not be read, has a gap: the control plane could not
 * rule out INSTANCE_NOT_RUNNING or SECURITY_GROUP_BLOCKS, so the data-plane verdict must not pretend it did.
 */
export function ecsFactsGap(inventory: RegionFacts, backend: Backend): EcsFactsGap | null {
  if (backend.type !== 'ecs') return null;
  const failed = (action: string): string | null => {
    const error = inventory.errors.find((e) => e.loadBalancerId === null && e.action === action);
    return error ? `${action} failed (${error.code})` : null;
  };
  const instance = inventory.instances[backend.serverId];
  if (!instance) {
    const reason = failed('DescribeInstances');
    return reason === null ? null : { instanceUnknown: true, reason };
  }
  const unread = instance.securityGroupIds.filter((id) => inventory.securityGroupRules[id] === undefined);
  const reason = unread.length > 0 ? failed('DescribeSecurityGroupAttribute') : null;
  return reason === null ? null : { instanceUnknown: false, reason: `${reason} for ${unread.join(', ')}` };
}

function rulesFor(inventory: RegionFacts, securityGroupIds: string[]): SecurityGroupRule[] {
  return securityGroupIds.flatMap((id) => inventory.securityGroupRules[id] ?? []);
}

/** Causes for one backend SLB does not report normal; null when only a probe can tell. */
export function backendControlPlaneCause(inventory: RegionFacts, listener: Listener, backend: Backend, job: ProbeJob): ControlPlaneCause | null {
  if (backend.slbStatus === 'normal') return null;
  const check = listener.healthCheck;
  if (backend.slbStatus === 'unavailable') {
    const window = check.intervalSeconds * (check.healthyThreshold - 1) + check.timeoutSeconds * check.healthyThreshold;
    return {
      code: 'CHECK_PENDING',
      cause: `SLB has not finished checking ${backend.ip}:${backend.checkPort} (status unavailable).`,
      evidenceLine: `SLB status unavailable`,
      facts: [`SLB status unavailable`, describeCheck(listener)],
      remedy: `Wait up to ${window} s (HealthyThreshold checks); if it stays unavailable, make sure the listener runs and the server is attached to its server group.`,
      guideStep: GUIDE.pending,
    };
  }
  const instance = inventory.instances[backend.serverId];
  if (instance && instance.status !== 'Running') {
    const transient = instance.status === 'Starting' || instance.status === 'Pending';
    return {
      code: 'INSTANCE_NOT_RUNNING',
      severity: transient ? 'warning' : undefined,
      cause: `ECS instance ${instance.instanceId} is ${instance.status}, so nothing answers SLB's checks on ${backend.ip}.`,
      evidenceLine: `instance ${instance.instanceId} status ${instance.status}`,
      facts: [`instance ${instance.instanceId} status ${instance.status}`, `SLB status ${backend.slbStatus}`],
      remedy: transient ? `Wait for ${instance.instanceId} to finish starting.` : `Start ${instance.instanceId}, or remove it from the listener's server group.`,
      guideStep: GUIDE.instanceState,
    };
  }
  if (backend.weight === 0) {
    return {
      code: 'WEIGHT_ZERO',
      cause: `${backend.serverId} has weight 0: it is drained and gets no new traffic (L4 listeners report such servers abnormal).`,
      evidenceLine: `weight 0, SLB status ${backend.slbStatus}`,
      facts: [`weight 0`, `SLB status ${backend.slbStatus}`],
      remedy: `Set a weight above 0 (SetBackendServers / SetVServerGroupAttribute) to put it back in rotation, or remove it if it was drained on purpose.`,
      guideStep: GUIDE.weightZero,
    };
  }
  if (instance) {
    const protocol = check.type === 'udp' ? 'udp' : 'tcp';
    const verdict = evaluateSecurityGroups(rulesFor(inventory, instance.securityGroupIds), { protocol, port: backend.checkPort });
    const first = verdict.droppingRules[0];
    if (first) {
      const share = verdict.droppedShare >= 1 ? 'all of' : `${Math.max(1, Math.round(verdict.droppedShare * 100))}% of`;
      const ruleLines = verdict.droppingRules.map(describeRule);
      return {
        code: 'SECURITY_GROUP_BLOCKS',
        cause: `Security group rule drops ${protocol.toUpperCase()} ${backend.checkPort} from ${first.sourceCidrIp}, which covers ${share} SLB's health-check source ${SLB_HEALTH_CHECK_CIDR}.`,
        evidenceLine: ruleLines.join('; '),
        facts: [...ruleLines, `instance ${instance.instanceId} security groups ${instance.securityGroupIds.join(', ')}`, `SLB status ${backend.slbStatus}`],
        remedy: `Remove the drop rule, or add an ingress accept rule for ${SLB_HEALTH_CHECK_CIDR} to ${protocol.toUpperCase()} ${backend.checkPort}/${backend.checkPort} with a smaller priority number than ${first.priority}.`,
        guideStep: `${sourceStep(job)}; ${GUIDE.securityGroup}`,
      };
    }
  }
  return null;
}
