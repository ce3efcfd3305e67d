// docs/scenario.schema.json (the scenario's JSON Schema for editors) is generated from the valibot schema; the
// committed file must be current, or editors check scenarios against rules the sandbox no longer has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIO_JSON_SCHEMA_FILE, scenarioJsonSchemaText } from '../../lib/sandbox/scenario/json-schema';
import { BEHAVIOUR_PROTOCOLS } from '../../lib/sandbox/scenario/schema';
import { validateScenario } from '../../lib/sandbox/scenario/validate';
import defaultScenario from '../../lib/sandbox/default-scenario.json';

const committed = readFileSync(join(__dirname, '../..', SCENARIO_JSON_SCHEMA_FILE), 'utf8');

describe('docs/scenario.schema.json', () => {
  it('is current (regenerate it with `npm run scenario-schema`)', () => {
    expect(committed).toBe(scenarioJsonSchemaText());
  });

  it('tells an editor the shape: required fields, no unknown ones, the behaviours, and "$schema" allowed', () => {
    const schema = JSON.parse(committed);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['regionId', 'accountId', 'vpcs', 'securityGroups', 'instances', 'endpoints', 'loadBalancers']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.$schema).toEqual({ type: 'string' });
    const [served] = schema.properties.endpoints.items.oneOf;
    expect(served.properties.behaviour.enum).toEqual(Object.keys(BEHAVIOUR_PROTOCOLS));
  });

  it('is allowed as "$schema" in a scenario file (the sandbox accepts the key)', () => {
    const withSchema = { $schema: '../../docs/scenario.schema.json', ...defaultScenario };
    expect(validateScenario(withSchema).$schema).toBe('../../docs/scenario.schema.json');
  });
});
