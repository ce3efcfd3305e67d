#!/usr/bin/env node
// `npm run scenario-schema`: writes the sandbox scenario's JSON Schema (for editors) to docs/scenario.schema.json from
// the compiled valibot schema (`npm run compile` first; the npm script does it). test/sandbox/scenario-json-schema.test.ts
// fails when the committed file is not current.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { SCENARIO_JSON_SCHEMA_FILE, scenarioJsonSchemaText } = require(path.join(ROOT, 'dist/lib/sandbox/scenario/json-schema.js'));

const file = path.join(ROOT, SCENARIO_JSON_SCHEMA_FILE);
fs.writeFileSync(file, scenarioJsonSchemaText());
console.log(`wrote ${SCENARIO_JSON_SCHEMA_FILE}`);
