// `slb-doctor audit`: the whole run from a shell, against the real cloud or (with endpoint overrides) the sandbox.
import { readFileSync } from 'node:fs';
import { runAuditDetailed } from '../audit/run';
import type { AuditScope } from '../audit/types';
import { readEnv } from '../config/env';
import { inProcessExecutor } from '../fanout/in-process';
import type { ListenerProtocol } from '../model';
import { notifyOptionsFromEnv } from '../notify';
import { UserFacingError, errorMessage } from '../util/errors';
import { parseFlags, parsePositiveInt, wantsHelp } from './args';
import { renderAuditJson, renderAuditMarkdown, renderAuditText } from './audit-report';
import { EXIT, type CliIo } from './io';

export const AUDIT_HELP = `usage: slb-doctor audit --region REGION [options]

Lists every listener with its health-check spec, probes the backends SLB marks unhealthy, and diagnoses why.

  --region R             region to audit (default: SLB_DOCTOR_REGION)
  --lb ID                only this load balancer (repeatable)
  --listener PORT[/PROTO] only this listener, e.g. 80/http
  --tag KEY=VALUE        only load balancers with this tag (repeatable)
  --all                  also sweep healthy backends for TIMEOUT_RISK
  --format F             text (default on a terminal), json, or markdown
  --notify-config FILE   JSON list of notification targets (see docs/notifications.md)
  --state URL            where notification state lives: file:PATH (default file:.slb-doctor/state.json) or oss://bucket/key
  --probe-concurrency N  probes in flight at once (default 64)
  --on-host              also run the read-only host script through Cloud Assistant on the ECS backends whose
                         findings host facts can confirm (needs ecs:RunCommand, ecs:DescribeInvocationResults,
                         ecs:DescribeCloudAssistantStatus; see docs/deploy.md)
  --slb-endpoint URL     override the SLB endpoint (e.g. the sandbox's); also SLB_DOCTOR_SLB_ENDPOINT
  --ecs-endpoint URL     override the ECS endpoint; also SLB_DOCTOR_ECS_ENDPOINT
  --oss-endpoint URL     override the OSS endpoint; also SLB_DOCTOR_OSS_ENDPOINT
  --debug                print stack traces

Exit code: 0 no error findings, 1 at least one error finding, 2 the run could not be done.
`;

const PROTOCOLS: readonly ListenerProtocol[] = ['http', 'https', 'tcp', 'udp'];

export function parseListenerFlag(value: string): { port: number; protocol?: ListenerProtocol } {
  const match = /^(\d{1,5})(?:\/([a-zA-Z]+))?$/.exec(value.trim());
  const port = match ? Number(match[1]) : NaN;
  const protocol = match?.[2]?.toLowerCase();
  if (!match || port < 1 || port > 65535 || (protocol !== undefined && !PROTOCOLS.includes(protocol as ListenerProtocol))) {
    throw new UserFacingError(`--listener must look like 80 or 80/http (protocols: ${PROTOCOLS.join(', ')}), got '${value}'.`, 'USAGE');
  }
  return protocol === undefined ? { port } : { port, protocol: protocol as ListenerProtocol };
}

export function parseTagFlags(values: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UserFacingError(`--tag must look like KEY=VALUE, got '${value}'.`, 'USAGE');
    tags[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return tags;
}

function readNotifyConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserFacingError(`cannot read --notify-config ${file}: ${errorMessage(err)}`, 'CONFIG_INVALID');
  }
}

export async function runAuditCommand(argv: string[], io: CliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(AUDIT_HELP);
    return EXIT.ok;
  }
  const { values } = parseFlags('audit', argv, {
    region: { type: 'string' },
    lb: { type: 'string', multiple: true },
    listener: { type: 'string' },
    tag: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    format: { type: 'string' },
    'notify-config': { type: 'string' },
    state: { type: 'string' },
    'probe-concurrency': { type: 'string' },
    'on-host': { type: 'boolean' },
    'slb-endpoint': { type: 'string' },
    'ecs-endpoint': { type: 'string' },
    'oss-endpoint': { type: 'string' },
  });
  const regionId = values.region ?? readEnv('SLB_DOCTOR_REGION', io.env);
  if (!regionId) throw new UserFacingError('no region: pass --region (e.g. --region cn-hangzhou) or set SLB_DOCTOR_REGION.', 'USAGE');
  const format = values.format ?? (io.isTty ? 'text' : 'json');
  if (!['text', 'json', 'markdown'].includes(format)) throw new UserFacingError(`--format must be text, json or markdown, got '${format}'.`, 'USAGE');

  const scope: AuditScope = { regionId, all: values.all ?? false };
  if (values.lb?.length) scope.loadBalancerIds = values.lb;
  if (values.listener) scope.listener = parseListenerFlag(values.listener);
  if (values.tag?.length) scope.tags = parseTagFlags(values.tag);

  const notifyConfig = values['notify-config'];
  const notifyEnv = notifyOptionsFromEnv(io.env);
  for (const problem of notifyEnv.errors) io.stderr(`warning: ${problem}\n`);
  const endpoint = (flag: string | undefined, name: 'SLB_DOCTOR_SLB_ENDPOINT' | 'SLB_DOCTOR_ECS_ENDPOINT' | 'SLB_DOCTOR_OSS_ENDPOINT'): string | undefined =>
    flag ?? readEnv(name, io.env);
  const slb = endpoint(values['slb-endpoint'], 'SLB_DOCTOR_SLB_ENDPOINT');
  const ecs = endpoint(values['ecs-endpoint'], 'SLB_DOCTOR_ECS_ENDPOINT');
  const oss = endpoint(values['oss-endpoint'], 'SLB_DOCTOR_OSS_ENDPOINT');

  const started = Date.now();
  const showProgress = format === 'text' && io.isTty;
  const { summary, inventory } = await runAuditDetailed({
    scope,
    credentials: null,
    env: io.env,
    endpoints: { ...(slb ? { slb } : {}), ...(ecs ? { ecs } : {}), ...(oss ? { oss } : {}) },
    executor: inProcessExecutor({ concurrency: parsePositiveInt('probe-concurrency', values['probe-concurrency'], 64, 1024) }),
    notify: notifyConfig
      ? { targetsJson: readNotifyConfig(notifyConfig), targetsSource: notifyConfig, stateUrl: values.state ?? 'file:.slb-doctor/state.json', options: notifyEnv.options }
      : null,
    deadlineAt: null,
    onHost: values['on-host'] ?? false,
    onProgress: (line) => {
      if (showProgress || line.startsWith('notify:')) io.stderr(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
    },
  });

  const render = format === 'json' ? renderAuditJson : format === 'markdown' ? renderAuditMarkdown : renderAuditText;
  io.stdout(render(summary, inventory));
  const failedTargets = summary.notify?.targets.filter((t) => t.status === 'failed') ?? [];
  for (const target of failedTargets) io.stderr(`notify: ${target.label} failed: ${target.reason ?? 'unknown reason'} (kept pending for the next run)\n`);
  return summary.findings.some((f) => f.severity === 'error' || f.severity === 'critical') ? EXIT.findings : EXIT.ok;
}
