// What loading a function bundle costs in memory, by construction: the ECS SDK's ~2,000 model modules are evaluated
// only when read (scripts/lazy-ecs-models.js), and every bundle is ASCII, so V8 keeps one byte per character of its
// source (one non-Latin-1 character anywhere makes it two: 10 MB instead of 5 for the audit bundle).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundles, FUNCTIONS, ROOT, type Bundles } from './bundles';

// A plain CommonJS script of the project (not TypeScript): loaded as such.
const { lazyModelIndex } = require(join(ROOT, 'scripts', 'lazy-ecs-models.js')) as { lazyModelIndex: (source: string) => string };

const MODEL_INDEX = join(ROOT, 'node_modules', '@alicloud', 'ecs20140526', 'dist', 'models', 'model.js');

/** Runs a model index with a require that records what it loads and answers each module with named stand-ins. */
function load(source: string): { exports: Record<string, unknown>; loaded: string[] } {
  const loaded: string[] = [];
  const fakeRequire = (file: string): unknown => {
    loaded.push(file);
    return new Proxy({}, { get: (_, key) => `${file}#${String(key)}` });
  };
  const exports: Record<string, unknown> = {};
  new Function('exports', 'require', source)(exports, fakeRequire);
  return { exports, loaded };
}

describe('function bundles load lean', () => {
  let bundles: Bundles;
  beforeAll(() => {
    bundles = buildBundles();
  }, 120_000);
  afterAll(() => bundles?.remove());

  it('the ECS SDK model index requires a model only when it is read, and exports the same names', () => {
    const original = readFileSync(MODEL_INDEX, 'utf8');
    const eager = load(original);
    const lazy = load(lazyModelIndex(original));
    expect(eager.loaded.length).toBeGreaterThan(1000);
    expect(lazy.loaded).toEqual([]);
    expect(Object.keys(lazy.exports).sort()).toEqual(Object.keys(eager.exports).sort());
    expect(lazy.exports.DescribeInstancesRequest).toBe('./DescribeInstancesRequest#DescribeInstancesRequest');
    expect(lazy.loaded).toEqual(['./DescribeInstancesRequest']);
  });

  it('refuses an index it does not recognise instead of bundling it half rewritten', () => {
    expect(() => lazyModelIndex('exports.X = require("./X").X;')).toThrow(/no longer has the shape/);
  });

  it.each(FUNCTIONS)('the %s bundle is ASCII', (fn) => {
    const source = readFileSync(join(bundles.dir, fn, 'index.js'), 'latin1');
    expect(source.split('').findIndex((char) => char.charCodeAt(0) > 0x7f)).toBe(-1);
  });
});
