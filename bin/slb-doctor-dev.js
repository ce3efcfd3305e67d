#!/usr/bin/env node
'use strict';
// The development tools (sandbox, demo, bench) from the compiled output: `npm run sandbox`, `npm run demo`,
// `npm run bench`. Not part of the installed CLI (package.json "bin" names only slb-doctor).
const { createProcessIo } = require('../dist/lib/cli/io.js');
const io = createProcessIo();
require('../dist/lib/dev/main.js')
  .main(process.argv.slice(2), io)
  .then((code) => io.setExitCode(code));
