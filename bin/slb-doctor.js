#!/usr/bin/env node
'use strict';
// The CLI runs from the compiled output; `npm ci` compiles it (the `prepare` script).
const { createProcessIo } = require('../dist/lib/cli/io.js');
const io = createProcessIo();
require('../dist/lib/cli/main.js')
  .main(process.argv.slice(2), io)
  .then((code) => io.setExitCode(code));
