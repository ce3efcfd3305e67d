// The function bundles for the tests (built once per run by global-setup.ts, read-only for every test file) and the
// facts read from them: which sources went into each bundle, which environment variables those sources read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const FUNCTIONS = ['audit', 'alarm', 'probe'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export interface Bundles {
  dir: string;
  remove(): void;
}

/** Where the run's bundles are (set by global-setup.ts). */
export const BUNDLES_ENV = 'SLB_DOCTOR_TEST_BUNDLES';

export function buildBundlesInto(dir: string): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.js'), '--bundle-only', '--out', dir], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * The run's bundles; a test file run on its own outside the integration project (no global setup) builds its own
 * copy, which `remove` deletes. The shared copy is the global teardown's to remove.
 */
export function buildBundles(): Bundles {
  const shared = process.env[BUNDLES_ENV];
  if (shared) return { dir: shared, remove: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-fc-'));
  buildBundlesInto(dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file esbuild put code of into a function's bundle. */
function bundleInputs(bundles: Bundles, fn: FunctionName): string[] {
  const meta = JSON.parse(readFileSync(join(bundles.dir, `${fn}.meta.json`), 'utf8')) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
  return Object.values(meta.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, info]) => info.bytesInOutput > 0).map(([file]) => file));
}

/** The project source files (not node_modules) that esbuild put into a function's bundle. */
export function bundleSources(bundles: Bundles, fn: FunctionName): string[] {
  return bundleInputs(bundles, fn).filter((file) => !file.includes('node_modules') && file.endsWith('.ts'));
}

/** The npm packages (`@scope/name` or `name`, nested ones included) that a function's bundle carries code of. */
export function bundlePackages(bundles: Bundles, fn: FunctionName): Set<string> {
  const packages = new Set<string>();
  for (const file of bundleInputs(bundles, fn)) {
    for (const match of file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)) if (match[1]) packages.add(match[1]);
  }
  return packages;
}

/**
 * Our variables (SLB_DOCTOR_*) a function's code reads: every quoted name in its bundled sources, except the
 * catalogue itself (which lists them all). Names are only ever passed to readEnv/readIntEnv/readEndpointEnv as literals or via maps
 * of literals, so a quoted name is a read.
 */
export function variablesRead(bundles: Bundles, fn: FunctionName): Set<string> {
  const names = new Set<string>();
  for (const file of bundleSources(bundles, fn)) {
    if (file.endsWith('lib/config/env.ts')) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/['"`](SLB_DOCTOR_[A-Z0-9_]+)['"`]/g)) if (match[1]) names.add(match[1]);
  }
  return names;
}
