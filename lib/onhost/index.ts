// `audit --on-host` (and SLB_DOCTOR_ON_HOST for the audit function): after the VPC diagnosis, the read-only host
// script runs through Cloud Assistant on the ECS backends whose findings host facts can confirm or refine, and the
// host's verdicts are merged into the findings. Opt-in: it runs a command on customer hosts (docs/deploy.md).
import { callsSince, type CloudClients } from '../cloud';
import { renderHostScript } from '../host/script';
import { hostVerdict } from '../host/verdict';
import type { Finding, Inventory } from '../model';
import type { Clock } from '../util/clock';
import { runOnHosts, type OnHostStats } from './fleet';
import { mergeHostOutcomes, type MergeCounts } from './merge';
import { planHostChecks } from './targets';

export { HOST_CONFIRMABLE_CODES, hostScriptCommand, planHostChecks } from './targets';
export { runOnHosts, type HostOutcome } from './fleet';

/** The RAM actions `--on-host` needs beyond the read-only audit: its separate, opt-in policy statement. */
export const ON_HOST_RAM_ACTIONS = ['ecs:RunCommand', 'ecs:DescribeInvocationResults', 'ecs:DescribeCloudAssistantStatus'] as const;

/** Without a run deadline (the CLI), the on-host phase waits at most this long for the hosts' results. */
export const ON_HOST_DEFAULT_BUDGET_MS = 120_000;

export interface OnHostReport extends OnHostStats, MergeCounts {
  /** Instances still running a command when the deadline came. */
  stillRunning: number;
  /** Cloud Assistant calls per action. */
  apiCalls: Record<string, number>;
  elapsedMs: number;
}

export interface ConfirmOnHostsOptions {
  clients: CloudClients;
  inventory: Inventory;
  findings: readonly Finding[];
  deadlineAt: number;
  clock: Clock;
  onProgress?: (line: string) => void;
}

export async function confirmOnHosts(options: ConfirmOnHostsOptions): Promise<{ findings: Finding[]; report: OnHostReport }> {
  const { clients, clock } = options;
  const startedAt = clock.now();
  const before = clients.counters.calls();
  const targets = planHostChecks(options.findings, options.inventory);
  options.onProgress?.(`on-host: ${targets.length} instance(s) to examine through Cloud Assistant`);
  const { outcomes, stats } = await runOnHosts({
    ecs: clients.ecs,
    regionId: clients.regionId,
    targets,
    deadlineAt: options.deadlineAt,
    clock,
    render: renderHostScript,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const merged = mergeHostOutcomes(options.findings, targets, outcomes, hostVerdict);
  return {
    findings: merged.findings,
    report: {
      ...stats,
      ...merged.counts,
      stillRunning: [...outcomes.values()].filter((outcome) => outcome.kind === 'running').length,
      apiCalls: callsSince(clients.counters, before),
      elapsedMs: clock.now() - startedAt,
    },
  };
}
