// `slb-doctor` entry: dispatches to one command and turns every failure into one line (the stack only with --debug).
// The installed CLI carries the product's commands only; the sandbox, the demo and the benchmark are development
// tools with their own entry point (bin/slb-doctor-dev.js, lib/dev).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserFacingError, errorMessage } from '../util/errors';
import { EXIT, type CliIo } from './io';

export type Command = (argv: string[], io: CliIo) => Promise<number>;

export interface CommandEntry {
  summary: string;
  load: () => Command;
}

// Commands load lazily (require on demand) so that `slb-doctor probe` never pulls in the cloud SDKs.
const COMMANDS: Record<string, CommandEntry> = {
  audit: { summary: 'audit a region: list listeners, probe unhealthy backends, diagnose, report, notify', load: () => (require('./audit-command') as typeof import('./audit-command')).runAuditCommand },
  probe: { summary: 'diagnose one backend with no cloud at all', load: () => (require('./probe-command') as typeof import('./probe-command')).runProbeCommand },
  'host-script': { summary: 'print the read-only script that examines one backend host (firewall, routes, listeners)', load: () => (require('./host-command') as typeof import('./host-command')).runHostScriptCommand },
  'host-verdict': { summary: 'read the host script\'s output on stdin and name what blocks SLB\'s checks', load: () => (require('./host-command') as typeof import('./host-command')).runHostVerdictCommand },
};

/** Development commands a user may look for in the product CLI, and where they are. */
const DEVELOPMENT_COMMANDS = ['sandbox', 'demo', 'bench'];

const PACKAGE_NAME = 'slb-health-doctor';

/** The version in the package.json above this file (lib/cli in the sources, dist/lib/cli once compiled). */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export function usage(program: string, commands: Record<string, CommandEntry>): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: ${program} <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun '${program} <command> --help' for a command's options; '${program} --version' for the version.\n`;
}

/** One dispatcher for the product CLI and the development CLI: help, version, one command, one-line failures. */
export async function dispatch(program: string, commands: Record<string, CommandEntry>, argv: string[], io: CliIo, unknownHint: (name: string) => string): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage(program, commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`${program} ${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`${program}: unknown command '${name}'. ${unknownHint(name)}\n`);
    return EXIT.usage;
  }
  try {
    return await command.load()(rest, io);
  } catch (err) {
    const known = err instanceof UserFacingError;
    io.stderr(`${program} ${name}: ${known ? err.message : `unexpected error: ${errorMessage(err)}`}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    if (debug && err instanceof Error && err.cause !== undefined) io.stderr(`caused by: ${errorMessage(err.cause)}\n`);
    if (!debug && !known) io.stderr('Run again with --debug for the stack trace.\n');
    return EXIT.usage;
  }
}

export function main(argv: string[], io: CliIo): Promise<number> {
  return dispatch('slb-doctor', COMMANDS, argv, io, (name) =>
    DEVELOPMENT_COMMANDS.includes(name)
      ? `'${name}' is a development tool: run 'npm run ${name}' in a checkout of the project.`
      : `Commands: ${Object.keys(COMMANDS).join(', ')}.`,
  );
}
