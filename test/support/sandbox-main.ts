// `slb-doctor sandbox` as a separate process, for tests that need a sandbox running beside their own (the CLI's
// `sandbox` command is exactly this call). Bundled by sandbox-process.ts; never imported by a test.
import { runFullSandboxCommand } from '../../lib/sandbox/stack';

void runFullSandboxCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
