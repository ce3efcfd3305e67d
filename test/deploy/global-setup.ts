// Builds the FC function bundles once per test run (for every integration test file that needs them) and hands
// their directory to the test files through the environment, which jest's workers inherit.
import { BUNDLES_ENV, buildBundlesInto } from './bundles';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): void {
  if (process.env[BUNDLES_ENV]) return;
  const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-fc-'));
  buildBundlesInto(dir);
  process.env[BUNDLES_ENV] = dir;
  process.env[`${BUNDLES_ENV}_OWNED`] = '1';
}
