// `slb-doctor probe IP PORT …`: diagnose one backend with no cloud at all. The flags describe the listener's health
// check; the command builds a one-backend inventory, probes it like SLB (plus variants) and prints the findings.
import * as net from 'node:net';
import { describeProbe } from '../diagnose/describe';
import { diagnose } from '../diagnose/diagnose';
import { collectEvidence } from '../probe/evidence';
import { jobsFromInventory } from '../diagnose/jobs';
import { renderFindings } from '../diagnose/render';
import type { CheckType, HttpCodeClass, Inventory, ListenerProtocol, SlbHealthStatus } from '../model';
import { ProbeScheduler } from '../probe/scheduler';
import { UserFacingError } from '../util/errors';
import { parseFlags, wantsHelp } from './args';
import { EXIT } from './io';
import type { HostCheckSpec } from '../host/types';

export interface ProbeCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The health-check flags that `probe`, `host-script` and `host-verdict` share (parsed by parseProbeArgs). */
export const CHECK_FLAGS_HELP = `  --protocol http|tcp|udp      check type (default http)
  --method HEAD|GET            HTTP method (default HEAD)
  --uri PATH                   check path (default /)
  --domain HOST                check domain sent as Host (default: the backend IP)
  --no-host                    send no Host header at all
  --http-version 1.0|1.1       HTTP version (default 1.0)
  --codes LIST                 accepted codes, e.g. http_2xx,http_3xx (default)
  --timeout SECONDS            check timeout, 1-300 (default 5; udp 10)
  --udp-request TEXT           UDP request string (HealthCheckReq)
  --udp-expect TEXT            expected UDP reply (HealthCheckExp)`;

export const PROBE_USAGE = `usage: slb-doctor probe IP PORT [options]

Checks one backend exactly as SLB's health check does, then runs the variants that isolate the cause.

options:
${CHECK_FLAGS_HELP}
  --slb-status normal|abnormal|unavailable   what SLB reports, if known
  --json                       print {"findings": [...], "evidence": [...]}
`;

const CODE_CLASSES: readonly HttpCodeClass[] = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'];

/** The check as `probe` takes it: the host check's fields (one shape for probe, host-script and host-verdict), from the VPC. */
interface ProbeCommandSpec extends Omit<HostCheckSpec, 'backendIp'> {
  ip: string;
  slbStatus: SlbHealthStatus | 'unknown';
  json: boolean;
}

function usageError(message: string): UserFacingError {
  return new UserFacingError(message, 'USAGE');
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match) throw usageError(`--${flag} must be one of ${allowed.join(', ')}, got '${value}'.`);
  return match;
}

const PROBE_OPTIONS = {
  protocol: { type: 'string' },
  method: { type: 'string' },
  uri: { type: 'string' },
  domain: { type: 'string' },
  'no-host': { type: 'boolean' },
  'http-version': { type: 'string' },
  codes: { type: 'string' },
  timeout: { type: 'string' },
  'udp-request': { type: 'string' },
  'udp-expect': { type: 'string' },
  'slb-status': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Flags → a validated description of the check; every problem is one line naming the flag. */
export function parseProbeArgs(argv: string[]): ProbeCommandSpec {
  const { values, positionals } = parseFlags('probe', argv, PROBE_OPTIONS, true);
  if (positionals.length !== 2) throw usageError(`expected IP and PORT, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}.`);
  const [ip = '', portText = ''] = positionals;
  if (!net.isIPv4(ip)) throw usageError(`IP must be an IPv4 address such as 10.0.0.1, got '${ip}'.`);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw usageError(`PORT must be a whole number from 1 to 65535, got '${portText}'.`);

  const protocol = oneOf<CheckType>('protocol', values.protocol, ['http', 'tcp', 'udp'], 'http');
  const httpOnly = ['method', 'uri', 'domain', 'no-host', 'http-version', 'codes'] as const;
  for (const flag of httpOnly) if (protocol !== 'http' && values[flag] !== undefined) throw usageError(`--${flag} applies only to --protocol http.`);
  for (const flag of ['udp-request', 'udp-expect'] as const) if (protocol !== 'udp' && values[flag] !== undefined) throw usageError(`--${flag} applies only to --protocol udp.`);

  const uri = values.uri ?? '/';
  if (!uri.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(uri) || uri.length > 80) throw usageError(`--uri must start with '/', have at most 80 characters and no spaces, got '${JSON.stringify(uri).slice(1, -1)}'.`);
  const domain = values.domain ?? null;
  if (domain !== null && !/^[A-Za-z0-9.-]{1,80}$/.test(domain)) throw usageError(`--domain must be 1-80 letters, digits, dots or hyphens, got '${JSON.stringify(domain).slice(1, -1)}'.`);
  if (domain !== null && values['no-host']) throw usageError('--domain and --no-host contradict each other: pick one.');

  const codes = (values.codes ?? 'http_2xx,http_3xx').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  const badCode = codes.find((c) => !CODE_CLASSES.includes(c as HttpCodeClass));
  if (codes.length === 0 || badCode !== undefined) throw usageError(`--codes must list ${CODE_CLASSES.join(', ')} separated by commas, got '${values.codes ?? ''}'.`);

  const timeoutText = values.timeout ?? (protocol === 'udp' ? '10' : '5');
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutSeconds < 1 || timeoutSeconds > 300) throw usageError(`--timeout must be a whole number of seconds from 1 to 300, got '${timeoutText}'.`);

  const udpText = (flag: 'udp-request' | 'udp-expect'): string | null => {
    const value = values[flag];
    if (value === undefined) return null;
    if (!/^[A-Za-z0-9]{1,64}$/.test(value)) throw usageError(`--${flag} must be 1-64 letters or digits (as SLB allows), got '${JSON.stringify(value).slice(1, -1)}'.`);
    return value;
  };

  return {
    ip,
    port,
    protocol,
    method: oneOf('method', values.method, ['HEAD', 'GET'], 'HEAD'),
    uri,
    domain,
    noHost: values['no-host'] ?? false,
    httpVersion: oneOf('http-version', values['http-version'], ['1.0', '1.1'], '1.0'),
    codes: codes as HttpCodeClass[],
    timeoutSeconds,
    udpRequest: udpText('udp-request'),
    udpExpect: udpText('udp-expect'),
    slbStatus: oneOf<SlbHealthStatus | 'unknown'>('slb-status', values['slb-status'], ['normal', 'abnormal', 'unavailable'], 'unknown'),
    json: values.json ?? false,
  };
}

/** A one-load-balancer inventory holding the backend and the check the flags describe. */
export function inventoryForProbe(spec: ProbeCommandSpec): Inventory {
  const listenerProtocol: ListenerProtocol = spec.protocol;
  return {
    regionId: 'local',
    loadBalancers: [
      {
        id: 'probe',
        name: 'probe',
        regionId: 'local',
        vpcId: null,
        vSwitchId: null,
        address: spec.ip,
        addressType: 'intranet',
        networkType: 'vpc',
        status: 'active',
        tags: {},
        listeners: [
          {
            loadBalancerId: 'probe',
            port: spec.port,
            protocol: listenerProtocol,
            status: 'running',
            backendServerPort: spec.port,
            vServerGroupId: null,
            masterSlaveServerGroupId: null,
            healthCheck: {
              enabled: true,
              type: spec.protocol,
              method: spec.method,
              httpVersion: spec.httpVersion,
              domain: spec.domain,
              uri: spec.uri,
              connectPort: null,
              acceptedCodes: spec.codes,
              timeoutSeconds: spec.timeoutSeconds,
              configuredTimeoutSeconds: spec.timeoutSeconds,
              intervalSeconds: spec.protocol === 'udp' ? 5 : 2,
              healthyThreshold: 3,
              unhealthyThreshold: 3,
              udpRequest: spec.udpRequest,
              udpExpect: spec.udpExpect,
            },
            backends: [
              {
                serverId: 'backend',
                ip: spec.ip,
                port: spec.port,
                checkPort: spec.port,
                checkHost: spec.protocol !== 'http' || spec.noHost ? null : (spec.domain ?? spec.ip),
                weight: 100,
                type: 'ecs',
                group: { kind: 'default' },
                slbStatus: spec.slbStatus,
              },
            ],
          },
        ],
      },
    ],
    errors: [],
    instances: {},
    securityGroupRules: {},
    apiCalls: {},
  };
}

export async function runProbeCommand(argv: string[], io: ProbeCommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(PROBE_USAGE);
    return EXIT.ok;
  }
  let spec: ProbeCommandSpec;
  try {
    spec = parseProbeArgs(argv);
  } catch (err) {
    if (!(err instanceof UserFacingError)) throw err;
    const hint = err.message.includes('--help') ? '' : " Run 'slb-doctor probe --help' for the options.";
    io.stderr(`slb-doctor probe: ${err.message}${hint}\n`);
    return EXIT.usage;
  }
  const inventory = inventoryForProbe(spec);
  const scheduler = new ProbeScheduler();
  // With `all`, a backend SLB reports normal is still probed (its latency against the timeout is the question).
  const jobs = jobsFromInventory(inventory, { all: true });
  const evidence = await Promise.all(jobs.map((job) => collectEvidence(job, scheduler)));
  // One synthetic backend says nothing about the rest of the listener: no "no healthy backend left" escalation.
  const findings = await diagnose({ inventory, jobs, evidence, escalateOutages: false });

  if (spec.json) {
    io.stdout(`${JSON.stringify({ findings, evidence }, null, 2)}\n`);
  } else if (findings.length === 0) {
    const replay = evidence[0]?.replay;
    io.stdout(`No problem found${replay ? `: ${describeProbe(replay)}` : ''}.\n`);
  } else {
    io.stdout(renderFindings(findings, { showProbes: true }));
  }
  return findings.some((f) => f.severity === 'error' || f.severity === 'critical') ? EXIT.findings : EXIT.ok;
}
