// The demo's on-host step: `audit --on-host` on the scenario's firewalled host, run from the demo itself against the
// sandbox (as the CLI would), printing the host verdict with the rule that drops SLB's checks.
import { runAudit } from '../audit/run';
import type { CliIo } from '../cli/io';
import { renderFinding } from '../diagnose/render';
import { inProcessExecutor } from '../fanout/in-process';
import type { ListenerProtocol } from '../model';
import { canMountHostTools } from '../sandbox/ecs/cloud-assistant';
import type { SandboxStack } from '../sandbox/stack';
import { UserFacingError } from '../util/errors';

const KEY = /^([^/]+)\/(http|https|tcp|udp):(\d+)\//;

export async function showHostVerdict(stack: SandboxStack, io: CliIo, step: (text: string) => void): Promise<void> {
  const planted = Object.entries(stack.cloud.scenario.expectedOnHostFindings ?? {}).find(([, codes]) => codes.split(',').includes('HOST_FIREWALL_BLOCKS_SLB'));
  const match = planted ? KEY.exec(planted[0]) : null;
  if (!match) return;
  const [, loadBalancerId = '', protocol = 'tcp', port = '0'] = match;
  if (!canMountHostTools()) {
    step(`Skipping 'audit --on-host': the sandbox's hosts need root (a private mount for their firewall tools)`);
    return;
  }
  step(`'slb-doctor audit --on-host --lb ${loadBalancerId} --listener ${port}/${protocol}': the host script through Cloud Assistant on the backends`);
  const { summary } = await runAudit({
    scope: { regionId: stack.cloud.regionId, loadBalancerIds: [loadBalancerId], listener: { port: Number(port), protocol: protocol as ListenerProtocol } },
    credentials: { accessKeyId: stack.cloud.credentials.accessKeyId, accessKeySecret: stack.cloud.credentials.accessKeySecret },
    endpoints: { slb: `http://${stack.cloud.endpoints.slb}`, ecs: `http://${stack.cloud.endpoints.ecs}` },
    executor: inProcessExecutor({}),
    notify: null,
    deadlineAt: null,
    onHost: true,
  });
  const verdict = summary.findings.find((finding) => finding.code === 'HOST_FIREWALL_BLOCKS_SLB');
  if (!verdict) throw new UserFacingError(`audit --on-host did not name the firewall rule on ${loadBalancerId}; it found ${summary.findings.map((f) => f.code).join(', ') || 'nothing'}`, 'DEMO_FAILED');
  const calls = Object.entries(summary.onHost?.apiCalls ?? {}).map(([action, count]) => `${action} ${count}`).join(', ');
  io.stdout(`${renderFinding(verdict)}\nCloud Assistant calls: ${calls}; ${summary.onHost?.commanded ?? 0} host(s) examined in ${(((summary.onHost?.elapsedMs ?? 0)) / 1000).toFixed(1)} s\n`);
}
