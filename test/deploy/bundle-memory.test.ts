// What loading a function bundle costs, by construction: no bundle carries the ECS SDK (3 MB of the audit bundle's
// 4.9 MB while it did, most of the audit function's cold start; lib/cloud/ecs.ts is our own client), and every bundle
// is ASCII, so V8 keeps one byte per character of its source (one non-Latin-1 character anywhere makes it two).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundles, bundlePackages, FUNCTIONS, type Bundles } from './bundles';

describe('function bundles load lean', () => {
  let bundles: Bundles;
  beforeAll(() => {
    bundles = buildBundles();
  }, 120_000);
  afterAll(() => bundles?.remove());

  it.each(FUNCTIONS)('the %s bundle carries neither the ECS SDK nor the openapi-core it is built on', (fn) => {
    const packages = bundlePackages(bundles, fn);
    expect(packages.has('@alicloud/ecs20140526')).toBe(false);
    expect(packages.has('@alicloud/openapi-core')).toBe(false);
  });

  it('the audit bundle still carries the OpenAPI client that both SLB and ECS calls go through', () => {
    expect(bundlePackages(bundles, 'audit').has('@alicloud/openapi-client')).toBe(true);
  });

  it.each(FUNCTIONS)('the %s bundle is ASCII', (fn) => {
    const source = readFileSync(join(bundles.dir, fn, 'index.js'), 'latin1');
    expect(source.split('').findIndex((char) => char.charCodeAt(0) > 0x7f)).toBe(-1);
  });
});
