// Development tools stay out of the product: the installed CLI (bin/slb-doctor.js → lib/cli) and the function bundles
// carry no sandbox, demo or benchmark code; those come from bin/slb-doctor-dev.js (lib/dev), which `npm run
// sandbox|demo|bench` use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { CliIo } from '../../lib/cli/io';
import { main } from '../../lib/cli/main';
import { main as devMain } from '../../lib/dev/main';
import { buildBundles, bundleSources, FUNCTIONS, ROOT, type Bundles } from '../deploy/bundles';

const DEVELOPMENT = /^(lib\/sandbox|lib\/demo|lib\/dev|bench)\//;

/** The project sources esbuild puts into a bundle of `entry` (what `require` can reach, lazily loaded commands too). */
function sourcesReachedFrom(entry: string): string[] {
  const result = buildSync({ absWorkingDir: ROOT, entryPoints: [entry], bundle: true, write: false, platform: 'node', target: 'node20', format: 'cjs', metafile: true, logLevel: 'error', external: ['bufferutil', 'utf-8-validate', 'proxy-agent'] });
  return Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules'));
}

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTty: false, env: {} }, out: () => out, err: () => err };
}

let bundles: Bundles;
beforeAll(() => {
  bundles = buildBundles();
});
afterAll(() => bundles?.remove());

test.each(FUNCTIONS)('the %s function bundle carries no development tool and no CLI', (fn) => {
  const sources = bundleSources(bundles, fn);
  expect(sources.length).toBeGreaterThan(10);
  expect(sources.filter((file) => DEVELOPMENT.test(file) || file.startsWith('lib/cli/'))).toEqual([]);
});

test('the installed CLI reaches no development tool; the development entry point does', () => {
  const product = sourcesReachedFrom('lib/cli/main.ts');
  expect(product).toEqual(expect.arrayContaining(['lib/cli/audit-command.ts', 'lib/cli/probe-command.ts']));
  expect(product.filter((file) => DEVELOPMENT.test(file))).toEqual([]);
  const dev = sourcesReachedFrom('lib/dev/main.ts');
  expect(dev).toEqual(expect.arrayContaining(['lib/sandbox/stack.ts', 'lib/demo/demo.ts', 'bench/fleet.ts']));
});

test('package.json installs only slb-doctor; npm run sandbox/demo/bench use the development entry point', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
  expect(pkg.bin).toEqual({ 'slb-doctor': 'bin/slb-doctor.js' });
  for (const tool of ['sandbox', 'demo', 'bench']) expect(pkg.scripts[tool]).toMatch(new RegExp(`node bin/slb-doctor-dev\\.js ${tool}$`));
});

test('the product CLI points a user who asks for a development tool to npm run', async () => {
  const { io, out, err } = capture();
  expect(await main(['demo'], io)).toBe(2);
  expect(out()).toBe('');
  expect(err()).toBe("slb-doctor: unknown command 'demo'. 'demo' is a development tool: run 'npm run demo' in a checkout of the project.\n");
  const help = capture();
  expect(await main(['--help'], help.io)).toBe(0);
  expect(help.out()).not.toMatch(/sandbox|demo|bench/);
});

test('the development CLI lists its tools and refuses the product commands with a pointer', async () => {
  const help = capture();
  expect(await devMain(['--help'], help.io)).toBe(0);
  expect(help.out()).toMatch(/sandbox[^\n]*\n\s+demo[^\n]*\n\s+bench/);
  const audit = capture();
  expect(await devMain(['audit'], audit.io)).toBe(2);
  expect(audit.err()).toContain('the product\'s commands (audit, probe) are in slb-doctor');
});
