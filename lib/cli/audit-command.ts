// `slb-doctor audit`: the whole run from a shell, against the real cloud or (with endpoint overrides) the sandbox.
// Order matters to the people reading it: every setting is checked before any work (exit 2), the report is printed
// (or written to --output) before any notification is sent, and the delivery then reports on stderr. A Ctrl-C during
// delivery lets it release this run's claims before the process leaves; a second one leaves at once.
import { accessSync, constants as fsConstants, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { deliverAuditNotices, parseNotifyConfig, runAudit, type AuditRun } from '../audit/run';
import type { AuditScope } from '../audit/types';
import { createCloudClients, type EnvironmentAccessKey } from '../cloud';
import { inProcessExecutor } from '../fanout/in-process';
import type { ListenerProtocol } from '../model';
import { UserFacingError, errorMessage } from '../util/errors';
import { parseFlags, parsePositiveInt, wantsHelp } from './args';
import { renderAuditJson, renderAuditMarkdown, renderAuditText } from './audit-report';
import { EXIT, SIGNAL_EXIT, type CliIo, type InterruptSignal } from './io';
import { auditExitCode, coverageProblems, deliveryOutcome, renderDelivery, type DeliveryOutcome } from './outcome';
import { emptyScopeWarnings } from './scope';
import { decodeCliEnv, parseFormat, type OutputFormat } from './settings';
import { outputWidth } from './table';

export const DEFAULT_STATE_URL = 'file:.slb-doctor/state.json';

export const AUDIT_HELP = `usage: slb-doctor audit --region REGION [options]

Lists every listener with its health-check spec, probes the backends SLB marks unhealthy, diagnoses why, prints the
report, and then (with targets configured) notifies.

  --region R             region to audit (default: SLB_DOCTOR_REGION)
  --lb ID                only this load balancer (repeatable)
  --listener PORT[/PROTO] only this listener, e.g. 80/http
  --tag KEY=VALUE        only load balancers with this tag (repeatable)
  --all                  also sweep healthy backends for TIMEOUT_RISK
  --format F             text (the default, in a terminal and in a pipe), json or markdown; also SLB_DOCTOR_FORMAT
                         (with notifications, json prints a second document once delivery ends)
  --verbose              text: every listener's check and the full evidence of each finding
  --quiet                no progress on stderr (problems are still reported there)
  --output FILE          write the report to FILE instead of stdout
  --notify-config FILE   JSON list of notification targets (docs/notifications.md); also SLB_DOCTOR_NOTIFY_TARGETS
  --state URL            notification state: file:PATH (default ${DEFAULT_STATE_URL}), oss://bucket/key or
                         memory:; also SLB_DOCTOR_STATE
  --probe-concurrency N  probes in flight at once (default 64)
  --on-host              also run the read-only host script through Cloud Assistant on the ECS backends whose
                         findings host facts can confirm (needs ecs:RunCommand, ecs:DescribeInvocationResults,
                         ecs:DescribeCloudAssistantStatus; see docs/deploy.md)
  --slb-endpoint URL     override the SLB endpoint (e.g. the sandbox's); also SLB_DOCTOR_SLB_ENDPOINT
  --ecs-endpoint URL     override the ECS endpoint; also SLB_DOCTOR_ECS_ENDPOINT
  --oss-endpoint URL     override the OSS endpoint; also SLB_DOCTOR_OSS_ENDPOINT
  --debug                print stack traces
Flags win over the environment (docs/configuration.md). The text table fits COLUMNS (else the terminal; 100).

Exit codes:
  0  the audit is complete and no finding is of severity error or above
  1  the audit is complete and a finding is of severity error or above
  2  usage, configuration or credential error, found before any work (nothing was probed or sent)
  3  the audit ran but is incomplete: a load balancer not covered, a notification not delivered, or the state not
     saved (3 wins over 1)
  130/143  interrupted by SIGINT/SIGTERM (a delivery in progress first releases its claims)
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

/** --output's directory must be writable before the run starts: a report that cannot be written is a lost report. */
function checkOutputFile(file: string): string {
  const path = resolve(file);
  try {
    accessSync(dirname(path), fsConstants.W_OK);
  } catch (err) {
    throw new UserFacingError(`cannot write --output ${file}: ${errorMessage(err)}`, 'CONFIG_INVALID');
  }
  return path;
}

/**
 * An unknown region is a usage error that lists the valid ones (SLB DescribeRegions). The question goes to the
 * region's endpoint when overridden (the sandbox), else to SLB's central endpoint, which answers for every region.
 * If it cannot be asked (no slb:DescribeRegions permission, no network) the audit itself will say what is wrong.
 */
async function checkRegion(regionId: string, slbEndpoint: string | undefined, accessKey: EnvironmentAccessKey): Promise<void> {
  const clients = createCloudClients({
    regionId: slbEndpoint ? regionId : CENTRAL_REGION,
    credentials: null,
    environmentCredentials: accessKey,
    ...(slbEndpoint ? { endpoints: { slb: slbEndpoint } } : {}),
    retry: { maxAttempts: 1 },
  });
  let regions: string[];
  try {
    regions = (await clients.slb.describeRegions()).Regions.Region.map((r) => r.RegionId);
  } catch {
    return;
  }
  if (regions.length > 0 && !regions.includes(regionId)) {
    throw new UserFacingError(`unknown region '${regionId}': SLB has ${[...regions].sort().join(', ')}. Pass one of them with --region or SLB_DOCTOR_REGION.`, 'USAGE');
  }
}

/** A region whose SLB endpoint is the central slb.aliyuncs.com (the SLB SDK's endpoint map). */
const CENTRAL_REGION = 'cn-hangzhou';

function render(format: OutputFormat, run: AuditRun, options: { width: number; verbose: boolean }): string {
  if (format === 'json') return renderAuditJson(run.summary, run.inventory);
  if (format === 'markdown') return renderAuditMarkdown(run.summary, run.inventory);
  return renderAuditText(run.summary, run.inventory, options);
}

/** The report to --output (false when that failed: it then goes to stdout, rather than being lost) or to stdout. */
function writeReport(text: string, outputFile: string | null, shownName: string | undefined, io: CliIo): boolean {
  if (!outputFile) {
    io.stdout(text);
    return true;
  }
  try {
    writeFileSync(outputFile, text);
    return true;
  } catch (err) {
    io.stderr(`slb-doctor audit: cannot write --output ${shownName ?? outputFile}: ${errorMessage(err)}; the report follows on stdout\n`);
    io.stdout(text);
    return false;
  }
}

/**
 * The delivery, with SIGINT/SIGTERM wired to its AbortSignal for its duration: the first signal stops it (it releases
 * this run's claims and reports), a second one leaves at once.
 */
async function deliverInterruptibly(run: AuditRun, io: CliIo, progress: (line: string) => void, onInterrupt: (signal: InterruptSignal) => void): Promise<DeliveryOutcome | null> {
  const controller = new AbortController();
  const stopListening = io.interrupts?.listen((signal) => {
    if (controller.signal.aborted) io.interrupts?.exitNow(SIGNAL_EXIT[signal]);
    onInterrupt(signal);
    io.stderr(`notify: ${signal}: stopping the delivery and releasing this run's claims (again to leave at once)\n`);
    controller.abort();
  });
  try {
    const notifyReport = await deliverAuditNotices(run, { signal: controller.signal, onProgress: progress });
    return notifyReport ? deliveryOutcome(notifyReport) : null;
  } finally {
    stopListening?.();
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
    verbose: { type: 'boolean' },
    quiet: { type: 'boolean' },
    output: { type: 'string' },
    'notify-config': { type: 'string' },
    state: { type: 'string' },
    'probe-concurrency': { type: 'string' },
    'on-host': { type: 'boolean' },
    'slb-endpoint': { type: 'string' },
    'ecs-endpoint': { type: 'string' },
    'oss-endpoint': { type: 'string' },
  });
  const settings = decodeCliEnv(io.env);
  const regionId = values.region ?? settings.regionId;
  if (!regionId) throw new UserFacingError('no region: pass --region (e.g. --region cn-hangzhou) or set SLB_DOCTOR_REGION.', 'USAGE');
  const format = values.format !== undefined ? parseFormat(values.format, '--format') : settings.format ?? 'text';

  const scope: AuditScope = { regionId, all: values.all ?? false };
  if (values.lb?.length) scope.loadBalancerIds = values.lb;
  if (values.listener) scope.listener = parseListenerFlag(values.listener);
  if (values.tag?.length) scope.tags = parseTagFlags(values.tag);

  const targetsFile = values['notify-config'];
  const targets = targetsFile
    ? { json: readNotifyConfig(targetsFile), source: targetsFile }
    : settings.notifyTargets !== undefined ? { json: settings.notifyTargets, source: 'SLB_DOCTOR_NOTIFY_TARGETS' } : null;
  const stateUrl = values.state ?? settings.stateUrl ?? DEFAULT_STATE_URL;
  const endpoints = {
    slb: values['slb-endpoint'] ?? settings.endpoints.slb,
    ecs: values['ecs-endpoint'] ?? settings.endpoints.ecs,
    oss: values['oss-endpoint'] ?? settings.endpoints.oss,
  };
  const outputFile = values.output === undefined ? null : checkOutputFile(values.output);
  const concurrency = parsePositiveInt('probe-concurrency', values['probe-concurrency'], 64, 1024);
  const width = outputWidth(io.env, io.terminalColumns);

  const started = Date.now();
  const showProgress = (io.stderrIsTty ?? false) && !values.quiet;
  const progress = (line: string): void => {
    if (showProgress) io.stderr(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  };

  const notify = targets ? { targetsJson: targets.json, targetsSource: targets.source, stateUrl, options: settings.notifyOptions } : null;
  // Every configuration problem before the first call to the cloud.
  parseNotifyConfig(notify);
  await checkRegion(regionId, endpoints.slb, settings.accessKey);
  const run = await runAudit({
    scope,
    credentials: null,
    environmentCredentials: settings.accessKey,
    endpoints: { ...(endpoints.slb ? { slb: endpoints.slb } : {}), ...(endpoints.ecs ? { ecs: endpoints.ecs } : {}), ...(endpoints.oss ? { oss: endpoints.oss } : {}) },
    executor: inProcessExecutor({ concurrency }),
    notify,
    deadlineAt: null,
    onHost: values['on-host'] ?? false,
    onProgress: (line) => (line.startsWith('notify:') ? io.stderr(`${line}\n`) : progress(line)),
  });

  for (const warning of emptyScopeWarnings(scope, run.inventory)) io.stderr(`warning: ${warning}\n`);
  const report = render(format, run, { width, verbose: values.verbose ?? false });
  const written = writeReport(report, outputFile, values.output, io);
  const problems = coverageProblems(run.summary);
  if (!written) problems.push(`the report was not written to ${values.output}`);

  let interrupted: InterruptSignal | null = null;
  if (run.delivery) {
    const outcome = await deliverInterruptibly(run, io, progress, (signal) => (interrupted = signal));
    if (outcome) {
      if (!values.quiet) for (const target of outcome.report.targets) io.stderr(`notify: ${target.label}: ${target.status}${target.reason ? ` (${target.reason})` : ''}\n`);
      for (const warning of outcome.warnings) io.stderr(`warning: ${warning}\n`);
      problems.push(...outcome.problems);
      // In a terminal stderr has just shown it; elsewhere (a pipe, a file, JSON) the report carries it too.
      const delivery = renderDelivery(outcome, format);
      if (outputFile && written) writeReport(`${report}${delivery}`, outputFile, values.output, io);
      else if (format !== 'text' || !io.isTty) io.stdout(delivery);
    }
  }
  for (const problem of problems) io.stderr(`incomplete: ${problem}\n`);
  const signal: InterruptSignal | null = interrupted;
  if (signal) return SIGNAL_EXIT[signal];
  return auditExitCode(run.summary, problems.length > 0);
}
