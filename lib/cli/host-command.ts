// `slb-doctor host-script` prints the read-only bash script for one backend host; `slb-doctor host-verdict` reads
// its output on stdin and prints the findings. Together they check a host by hand, with no cloud at all:
//   slb-doctor host-script --backend-ip 10.0.0.1 --port 80 | sudo bash | slb-doctor host-verdict --backend-ip 10.0.0.1 --port 80
import * as net from 'node:net';
import { BASE_SEVERITY } from '../diagnose/guide';
import { renderHostScript } from '../host/script';
import type { HostCheckSpec, HostVerdict } from '../host/types';
import { hostVerdict } from '../host/verdict';
import { UserFacingError } from '../util/errors';
import { wantsHelp } from './args';
import { EXIT } from './io';
import { CHECK_FLAGS_HELP, parseProbeArgs } from './probe-command';

export interface HostCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The whole of stdin (host-verdict); rejects when stdin is a terminal. */
  readInput?: () => Promise<string>;
}

const CHECK_OPTIONS = `  --backend-ip IP              the backend's private IPv4 address, as SLB checks it (required)
  --port PORT                  the check port (required)
${CHECK_FLAGS_HELP}`;

export const HOST_SCRIPT_USAGE = `usage: slb-doctor host-script --backend-ip IP --port PORT [check options]

Prints a read-only bash script for the backend host. Run it as root (it changes and installs nothing, and finishes
within 10 s), then pipe its output into 'slb-doctor host-verdict' with the same options.

options:
${CHECK_OPTIONS}
`;

export const HOST_VERDICT_USAGE = `usage: slb-doctor host-verdict --backend-ip IP --port PORT [check options] [--slb-status S] [--json] < output

Reads the host script's output on stdin and names what blocks SLB's health check on the host: the firewall rule
that drops 100.64.0.0/10, a service bound to loopback, asymmetric routes or rp_filter, and the local replay.

options:
${CHECK_OPTIONS}
  --slb-status normal|abnormal|unavailable   what SLB reports, if known
  --json                       print {"findings": [...], "facts": {...}, "missing": [...], ...}
`;

/** Input larger than this is not a host script's output (which stays under 24 KB). */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

function usageError(message: string): UserFacingError {
  return new UserFacingError(message, 'USAGE');
}

const BOOLEAN_FLAGS = new Set(['--no-host', '--json', '--help', '--debug']);

/** Takes `--backend-ip` and `--port` out of argv; the rest are the probe command's check flags. */
function takeHostFlags(argv: string[]): { backendIp: string; port: string; rest: string[] } {
  const rest: string[] = [];
  let backendIp: string | undefined;
  let port: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--backend-ip' || name === '--port') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw usageError(`${name} needs a value.`);
      if (name === '--backend-ip') backendIp = value;
      else port = value;
      continue;
    }
    if (!arg.startsWith('-')) throw usageError(`unexpected argument '${arg}': give the backend as --backend-ip IP --port PORT.`);
    rest.push(arg);
    // Every check flag but the two switches takes a value, which may itself look like anything (`--uri /x`).
    if (inline === undefined && arg.startsWith('--') && !BOOLEAN_FLAGS.has(arg) && i + 1 < argv.length) rest.push(argv[++i] as string);
  }
  if (backendIp === undefined) throw usageError('--backend-ip is required (the backend\'s private IPv4 address).');
  if (port === undefined) throw usageError('--port is required (the check port).');
  if (!net.isIPv4(backendIp)) throw usageError(`--backend-ip must be an IPv4 address such as 10.0.0.1, got '${backendIp}'.`);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw usageError(`--port must be a whole number from 1 to 65535, got '${port}'.`);
  return { backendIp, port, rest };
}

export function parseHostArgs(argv: string[], command: 'host-script' | 'host-verdict'): { check: HostCheckSpec; slbStatus: string; json: boolean } {
  const { backendIp, port, rest } = takeHostFlags(argv);
  if (command === 'host-script') {
    const verdictOnly = rest.find((a) => a === '--json' || a.startsWith('--slb-status'));
    if (verdictOnly) throw usageError(`${verdictOnly.split('=')[0]} applies only to host-verdict.`);
  }
  const spec = parseProbeArgs([backendIp, port, ...rest]);
  return {
    check: {
      backendIp: spec.ip,
      port: spec.port,
      protocol: spec.protocol,
      method: spec.method,
      uri: spec.uri,
      domain: spec.domain,
      noHost: spec.noHost,
      httpVersion: spec.httpVersion,
      codes: spec.codes,
      timeoutSeconds: spec.timeoutSeconds,
      udpRequest: spec.udpRequest,
      udpExpect: spec.udpExpect,
    },
    slbStatus: spec.slbStatus,
    json: spec.json,
  };
}

function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return Promise.reject(usageError("stdin is a terminal: pipe the host script's output in, e.g. `bash host.sh | slb-doctor host-verdict …` or `slb-doctor host-verdict … < output.txt`."));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    process.stdin.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_INPUT_BYTES) {
        process.stdin.destroy();
        reject(usageError(`stdin holds more than ${MAX_INPUT_BYTES / 1024 / 1024} MB: that is not a host script's output (which stays under 24 KB).`));
        return;
      }
      chunks.push(chunk);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', (err) => reject(usageError(`cannot read stdin: ${err.message}.`)));
  });
}

function fail(io: HostCommandIo, command: string, err: unknown): number {
  if (!(err instanceof UserFacingError)) throw err;
  const hint = err.message.includes('--help') ? '' : ` Run 'slb-doctor ${command} --help' for the options.`;
  io.stderr(`slb-doctor ${command}: ${err.message}${hint}\n`);
  return EXIT.usage;
}

export async function runHostScriptCommand(argv: string[], io: HostCommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(HOST_SCRIPT_USAGE);
    return EXIT.ok;
  }
  try {
    io.stdout(renderHostScript(parseHostArgs(argv, 'host-script').check));
    return EXIT.ok;
  } catch (err) {
    return fail(io, 'host-script', err);
  }
}

export function renderHostVerdict(verdict: HostVerdict): string {
  const lines: string[] = [];
  if (verdict.findings.length === 0) lines.push('No host problem found: the firewall lets 100.64.0.0/10 reach the check port, the service listens on the backend IP, replies route back, and the local replay passes.');
  for (const f of verdict.findings) {
    lines.push(`${f.code} [${BASE_SEVERITY[f.code]}] ${f.cause}`);
    for (const e of f.evidence) lines.push(`    evidence: ${e}`);
    if (f.rule) lines.push(`    rule: ${f.rule}`);
    lines.push(`    fix: ${f.remedy}`);
  }
  if (verdict.notUnderstood.length > 0) {
    lines.push('not understood:');
    for (const n of verdict.notUnderstood) lines.push(`    ${n}`);
  }
  if (verdict.missing.length > 0) {
    lines.push('not read:');
    for (const m of verdict.missing) lines.push(`    ${m}`);
  }
  for (const n of verdict.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

export async function runHostVerdictCommand(argv: string[], io: HostCommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(HOST_VERDICT_USAGE);
    return EXIT.ok;
  }
  let parsed: ReturnType<typeof parseHostArgs>;
  let input: string;
  try {
    parsed = parseHostArgs(argv, 'host-verdict');
    input = await (io.readInput ?? readStdin)();
  } catch (err) {
    return fail(io, 'host-verdict', err);
  }
  const verdict = hostVerdict(input, { ...parsed.check, slbStatus: parsed.slbStatus });
  io.stdout(parsed.json ? `${JSON.stringify(verdict, null, 2)}\n` : renderHostVerdict(verdict));
  return verdict.findings.some((f) => BASE_SEVERITY[f.code] === 'error' || BASE_SEVERITY[f.code] === 'critical') ? EXIT.findings : EXIT.ok;
}
