// Removes the bundles the global setup built (not a directory someone passed in through the environment).
import { rmSync } from 'node:fs';
import { BUNDLES_ENV } from './bundles';

export default function globalTeardown(): void {
  const dir = process.env[BUNDLES_ENV];
  if (dir && process.env[`${BUNDLES_ENV}_OWNED`] === '1') rmSync(dir, { recursive: true, force: true });
}
