// `slb-doctor-dev` (`npm run sandbox|demo|bench`): the development tools, kept out of the installed CLI and of the
// function bundles. Each loads lazily, so that `npm run sandbox` does not load the benchmark.
import type { CliIo } from '../cli/io';
import { dispatch, type CommandEntry } from '../cli/main';

const COMMANDS: Record<string, CommandEntry> = {
  sandbox: { summary: 'start the local sandbox cloud and print its endpoints as one JSON line', load: () => (require('../sandbox/stack') as typeof import('../sandbox/stack')).runFullSandboxCommand },
  demo: { summary: 'run the whole product end to end against the sandbox', load: () => (require('../demo/demo') as typeof import('../demo/demo')).runDemoCommand },
  bench: { summary: 'benchmark a fleet audit in the sandbox', load: () => (require('../../bench/fleet') as typeof import('../../bench/fleet')).runBenchCommand },
  'api-cpu': { summary: 'CPU per API call of the cloud clients and of the SLB/ECS emulators', load: () => (require('../../bench/api-cpu') as typeof import('../../bench/api-cpu')).runApiBenchCommand },
};

export function main(argv: string[], io: CliIo): Promise<number> {
  return dispatch('slb-doctor-dev', COMMANDS, argv, io, () => `Commands: ${Object.keys(COMMANDS).join(', ')}; the product's commands (audit, probe) are in slb-doctor.`);
}
