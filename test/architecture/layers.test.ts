// The import graph stays a one-way flow: no cycles (between files or between folders), and every import follows the
// layer rules in scripts/import-graph.js (docs/ARCHITECTURE.md explains them). `npm run graph` prints the same figures.
import { cycles, folderCycles, importGraph, layerOf, layerViolations, LAYERS, type ImportGraph } from '../../scripts/import-graph';

const graph = importGraph();

describe('the import graph', () => {
  it('sees every source folder', () => {
    const layers = new Set([...graph.keys()].map((file) => layerOf(file)));
    for (const layer of ['lib/model', 'lib/cloud', 'lib/inventory', 'lib/probe', 'lib/diagnose', 'lib/notify', 'lib/state', 'lib/audit', 'functions', 'lib/cli', 'bench', 'lib/sandbox']) {
      expect(layers).toContain(layer);
    }
    // Type-only imports count: lib/audit/types.ts imports the notify types.
    expect(graph.get('lib/audit/types.ts')).toEqual(expect.arrayContaining(['lib/notify/types.ts']));
  });

  it('has no cycle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('follows the layer rules: every import goes down, composition roots only on top', () => {
    expect(layerViolations(graph).map(([from, to, why]) => `${from} -> ${to}: ${why}`)).toEqual([]);
  });

  it('keeps the sandbox and the product apart, and lib/ below the composition roots', () => {
    expect(LAYERS['lib/sandbox']).toEqual([]);
    const roots = new Set(['functions', 'lib/cli', 'lib/demo', 'lib/dev', 'bench']);
    for (const [layer, allowed] of Object.entries(LAYERS)) {
      if (roots.has(layer)) continue;
      expect({ layer, roots: allowed.filter((target) => roots.has(target)) }).toEqual({ layer, roots: [] });
      if (layer !== 'lib/sandbox') expect({ layer, sandbox: allowed.includes('lib/sandbox') }).toEqual({ layer, sandbox: false });
    }
  });

  it('reports what a violation looks like (the rules really bite)', () => {
    const broken: ImportGraph = new Map([
      ['lib/model/a.ts', ['lib/cli/b.ts']],
      ['lib/cli/b.ts', ['lib/model/a.ts']],
    ]);
    expect(cycles(broken)).toEqual([['lib/cli/b.ts', 'lib/model/a.ts']]);
    expect(layerViolations(broken)).toEqual([['lib/model/a.ts', 'lib/cli/b.ts', 'lib/model may not import lib/cli']]);
  });
});
