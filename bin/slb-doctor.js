#!/usr/bin/env node
'use strict';
// The CLI runs from the compiled output; `npm ci` compiles it (the `prepare` script).
require('../dist/lib/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; });
