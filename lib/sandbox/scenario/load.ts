// Loading a scenario from a JSON file or an object; every problem is one ScenarioError naming the field.

import { readFileSync } from 'node:fs';
import { ScenarioError, validateScenario } from './validate';
import type { Scenario } from './types';

/** A string is a path to a JSON file; anything else is validated as the scenario itself. */
export function loadScenario(pathOrObject: string | unknown): Scenario {
  if (typeof pathOrObject !== 'string') return validateScenario(pathOrObject);
  let text: string;
  try {
    text = readFileSync(pathOrObject, 'utf8');
  } catch (err) {
    throw new ScenarioError('', `cannot read scenario file ${pathOrObject}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError('', `scenario file ${pathOrObject} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validateScenario(parsed);
}
