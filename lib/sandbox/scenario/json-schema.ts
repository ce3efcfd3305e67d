// The scenario schema as JSON Schema, for editors (docs/scenario.schema.json, written by `npm run scenario-schema`).
// Converted from the one valibot schema by @valibot/to-json-schema (a development dependency: only that script and
// its test load this module). The checks written as code (`v.check`: an address inside 127.0.0.0/8, a CIDR without
// host bits …) and the checks across fields have no JSON Schema form, so an editor checks the shape, the ranges and
// the patterns, and the sandbox checks the rest.
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import { scenarioSchema } from './schema';

export const SCENARIO_JSON_SCHEMA_FILE = 'docs/scenario.schema.json';

export function scenarioJsonSchema(): JsonSchema {
  const { $schema, ...schema } = toJsonSchema(scenarioSchema, { target: 'draft-07', ignoreActions: ['check'] });
  return {
    $schema,
    title: 'SLB Health Doctor sandbox scenario',
    description: 'A whole small cloud for `slb-doctor sandbox` (docs/sandbox.md, "The scenario file").',
    ...schema,
  };
}

/** The file's text: two-space JSON and a final newline, so a regenerated file diffs cleanly. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
