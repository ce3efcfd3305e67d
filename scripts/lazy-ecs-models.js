// An esbuild plugin for the bundles (scripts/build.js). The ECS SDK's models/model.js (@alicloud/ecs20140526)
// requires all of its ~2,000 model modules up front and re-exports each through a getter (what TypeScript emits for
// `export { X } from './X'`): every function instance paid for them at load (about 14 MB of heap, and the malloc
// arenas their parsing left behind) for the handful of models the ECS client uses. Rewritten, each module is
// required on its getter's first read instead: the same exports and the same bundle, evaluated lazily (esbuild wraps
// every CommonJS module in a function it runs on the first require, once).
'use strict';
const fs = require('node:fs');

const ECS_MODEL_INDEX = /[\\/]@alicloud[\\/]ecs20140526[\\/]dist[\\/]models[\\/]model\.js$/;

/** model.js with each `var X_1 = require("./X")` deferred to the getters that read it. */
function lazyModelIndex(source) {
  const modules = new Set();
  const lazy = source
    .replace(/^var (\w+) = require\(("\.\/[^"]+")\);$/gm, (_, name, file) => {
      modules.add(name);
      return `var ${name} = () => require(${file});`;
    })
    .replace(/return (\w+)\.(\w+); \}/g, (whole, name, key) => (modules.has(name) ? `return ${name}().${key}; }` : whole));
  // Every module read must now go through its function; if not, the SDK changed shape and the rewrite must stop.
  const eager = [...modules].filter((name) => new RegExp(`\\b${name}\\.`).test(lazy));
  if (modules.size === 0 || eager.length > 0) {
    throw new Error(`the ECS SDK's models/model.js no longer has the shape lazy-ecs-models rewrites (${eager.length > 0 ? `${eager[0]} is read eagerly` : 'no module require found'}); update scripts/lazy-ecs-models.js`);
  }
  return lazy;
}

const lazyEcsModels = {
  name: 'lazy-ecs-models',
  setup(build) {
    build.onLoad({ filter: ECS_MODEL_INDEX }, async (args) => ({ contents: lazyModelIndex(await fs.promises.readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

module.exports = { lazyEcsModels, lazyModelIndex };
