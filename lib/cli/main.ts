// `slb-doctor` entry: dispatches to one command and turns every failure into one line (the stack only with --debug).
import { UserFacingError, errorMessage } from '../util/errors';
import { EXIT, processIo, type CliIo } from './io';

type Command = (argv: string[], io: CliIo) => Promise<number>;

// Commands load lazily (require on demand) so that `slb-doctor probe` never pulls in the sandbox or the cloud SDKs.
const COMMANDS: Record<string, { summary: string; load: () => Command }> = {
  audit: { summary: 'audit a region: list listeners, probe unhealthy backends, diagnose, notify', load: () => (require('./audit-command') as typeof import('./audit-command')).runAuditCommand },
  probe: { summary: 'diagnose one backend with no cloud at all', load: () => (require('./probe-command') as typeof import('./probe-command')).runProbeCommand },
  'host-script': { summary: 'print the read-only script that examines one backend host (firewall, routes, listeners)', load: () => (require('./host-command') as typeof import('./host-command')).runHostScriptCommand },
  'host-verdict': { summary: 'read the host script\'s output on stdin and name what blocks SLB\'s checks', load: () => (require('./host-command') as typeof import('./host-command')).runHostVerdictCommand },
  sandbox: { summary: 'start the local sandbox cloud and print its endpoints as one JSON line', load: () => (require('../sandbox/stack') as typeof import('../sandbox/stack')).runFullSandboxCommand },
  demo: { summary: 'run the whole product end to end against the sandbox', load: () => (require('../demo/demo') as typeof import('../demo/demo')).runDemoCommand },
  bench: { summary: 'benchmark a fleet audit in the sandbox', load: () => (require('../../bench/fleet') as typeof import('../../bench/fleet')).runBenchCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: slb-doctor <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'slb-doctor <command> --help' for a command's options.\n`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`slb-doctor: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return EXIT.usage;
  }
  try {
    return await command.load()(rest, io);
  } catch (err) {
    const known = err instanceof UserFacingError;
    io.stderr(`slb-doctor ${name}: ${known ? err.message : `unexpected error: ${errorMessage(err)}`}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    else if (!known) io.stderr('Run again with --debug for the stack trace.\n');
    return EXIT.usage;
  }
}
