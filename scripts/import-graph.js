#!/usr/bin/env node
// `npm run graph`: the import graph of lib/, functions/ and bench/ (type-only imports count: they couple too), its
// cycles, and every import that breaks the layer rules of docs/ARCHITECTURE.md. test/architecture/layers.test.ts
// asserts the same figures are zero. `--dot` prints the folder graph in Graphviz dot instead.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['lib', 'functions', 'bench'];

/**
 * The layers, lowest first. A module may import its own layer's folder and the folders listed in `mayImport`
 * (nothing else in lib/, functions/ or bench/). Composition roots (functions/*, lib/cli, lib/demo, bench) sit on top.
 */
const LAYERS = {
  'lib/util': [],
  'lib/model': ['lib/util'],
  'lib/config': ['lib/util'],
  'lib/cloud': ['lib/util', 'lib/model'],
  'lib/inventory': ['lib/util', 'lib/model', 'lib/cloud'],
  'lib/probe': ['lib/util', 'lib/model'],
  'lib/fanout': ['lib/util', 'lib/model', 'lib/probe', 'lib/cloud'],
  'lib/diagnose': ['lib/util', 'lib/model', 'lib/probe'],
  'lib/state': ['lib/util', 'lib/model'],
  // The on-host check (issue 10): the host script, its parser and the firewall evaluator; no cloud.
  'lib/host': ['lib/util', 'lib/model'],
  // Cloud Assistant runs of the host script over a fleet (issue 14), merged into the findings.
  'lib/onhost': ['lib/util', 'lib/model', 'lib/cloud', 'lib/diagnose', 'lib/host'],
  // lib/config only for its decoders (notifyOptionsFromEnv, readTargetsDocument take the env object from the entry point).
  'lib/notify': ['lib/util', 'lib/model', 'lib/config', 'lib/diagnose', 'lib/state'],
  'lib/audit': ['lib/util', 'lib/model', 'lib/cloud', 'lib/inventory', 'lib/probe', 'lib/fanout', 'lib/diagnose', 'lib/state', 'lib/notify', 'lib/onhost'],
  'lib/alarm': ['lib/util', 'lib/model', 'lib/audit'],
  // The sandbox is separate code: it imports nothing from the product (and the product nothing from it).
  'lib/sandbox': [],
  // Composition roots: they wire the layers below together.
  functions: ['lib/util', 'lib/model', 'lib/config', 'lib/cloud', 'lib/probe', 'lib/fanout', 'lib/diagnose', 'lib/notify', 'lib/audit', 'lib/alarm'],
  // The CLI users install: no sandbox, demo or benchmark.
  'lib/cli': ['lib/util', 'lib/model', 'lib/config', 'lib/cloud', 'lib/inventory', 'lib/probe', 'lib/fanout', 'lib/diagnose', 'lib/state', 'lib/notify', 'lib/audit', 'lib/host'],
  // Development tools: they drive the product against the sandbox, and reuse the CLI's flag parsing and output.
  'lib/demo': ['lib/util', 'lib/model', 'lib/config', 'lib/cloud', 'lib/probe', 'lib/fanout', 'lib/diagnose', 'lib/state', 'lib/notify', 'lib/audit', 'lib/cli', 'lib/sandbox'],
  bench: ['lib/util', 'lib/model', 'lib/config', 'lib/cloud', 'lib/inventory', 'lib/probe', 'lib/fanout', 'lib/diagnose', 'lib/audit', 'lib/cli', 'lib/sandbox'],
  // The development entry point: the CLI's commands plus sandbox, demo and bench.
  'lib/dev': ['lib/util', 'lib/cli', 'lib/demo', 'lib/sandbox', 'bench'],
};

function walk(dir, files = []) {
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel, files);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
  }
  return files;
}

/** The module a relative specifier names: `x.ts` or `x/index.ts`; null for packages and node: builtins. */
function resolve(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, path.posix.join(base, 'index.ts')]) {
    if (fs.existsSync(path.join(ROOT, candidate))) return candidate;
  }
  return null;
}

/** Every module's imports (static `import`/`export … from`, `import x = require()`, and `require('…')` calls). */
function importGraph() {
  const files = SOURCE_DIRS.flatMap((dir) => (fs.existsSync(path.join(ROOT, dir)) ? walk(dir) : []));
  const graph = new Map();
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const info = ts.preProcessFile(text, true, true);
    const specifiers = info.importedFiles.map((f) => f.fileName);
    const targets = new Set();
    for (const specifier of specifiers) {
      const target = resolve(file, specifier);
      if (target && target !== file) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** The folder a module belongs to for the layer rules. */
function layerOf(file) {
  if (file.startsWith('functions/')) return 'functions';
  if (file.startsWith('bench/')) return 'bench';
  const [top, second] = file.split('/');
  return `${top}/${second}`;
}

/** Strongly connected components with more than one module (Tarjan), each sorted. */
function cycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indices.get(next)));
    }
    if (low.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Imports that break the layer rules: [from, to, why]. */
function layerViolations(graph) {
  const violations = [];
  for (const [from, targets] of graph) {
    const layer = layerOf(from);
    const allowed = LAYERS[layer];
    for (const to of targets) {
      const target = layerOf(to);
      if (target === layer) continue;
      if (!allowed) violations.push([from, to, `${layer} is not a known layer`]);
      else if (!allowed.includes(target)) violations.push([from, to, `${layer} may not import ${target}`]);
    }
  }
  return violations;
}

function folderEdges(graph) {
  const edges = new Map();
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const key = `${layerOf(from)} -> ${layerOf(to)}`;
      if (layerOf(from) !== layerOf(to)) edges.set(key, (edges.get(key) ?? 0) + 1);
    }
  }
  return new Map([...edges].sort(([a], [b]) => a.localeCompare(b)));
}

/** Cycles between folders (layers), e.g. lib/cli -> lib/demo -> lib/cli, even when no single file cycle exists. */
function folderCycles(graph) {
  const folders = new Map();
  for (const [from, targets] of graph) {
    const set = folders.get(layerOf(from)) ?? new Set();
    for (const to of targets) if (layerOf(to) !== layerOf(from)) set.add(layerOf(to));
    folders.set(layerOf(from), set);
  }
  return cycles(new Map([...folders].map(([folder, set]) => [folder, [...set]])));
}

function main(argv) {
  const graph = importGraph();
  const edgeCount = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  const folders = folderEdges(graph);
  if (argv.includes('--dot')) {
    console.log('digraph imports {');
    for (const [key, count] of folders) {
      const [from, to] = key.split(' -> ');
      console.log(`  "${from}" -> "${to}" [label=${count}];`);
    }
    console.log('}');
    return 0;
  }
  const found = cycles(graph);
  const betweenFolders = folderCycles(graph);
  const violations = layerViolations(graph);
  console.log(`modules: ${graph.size}, imports: ${edgeCount}, folder arrows: ${folders.size}`);
  console.log(`cycles: ${found.length}`);
  for (const component of found) console.log(`  ${component.join(' <-> ')}`);
  console.log(`folder cycles: ${betweenFolders.length}`);
  for (const component of betweenFolders) console.log(`  ${component.join(' <-> ')}`);
  console.log(`layer violations: ${violations.length}`);
  for (const [from, to, why] of violations) console.log(`  ${from} -> ${to} (${why})`);
  return found.length === 0 && betweenFolders.length === 0 && violations.length === 0 ? 0 : 1;
}

module.exports = { importGraph, cycles, folderCycles, layerViolations, folderEdges, layerOf, LAYERS };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
