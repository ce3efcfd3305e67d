// docs/sandbox.md stays true to the code: its example scenario validates, and its zoo table has one row per
// behaviour the sandbox serves (and no other), each naming only real finding codes.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FINDING_CODES } from '../../lib/model';
import { BEHAVIOURS } from '../../lib/sandbox/backends';
import { validateScenario } from '../../lib/sandbox/scenario';

const doc = readFileSync(path.join(__dirname, '../../docs/sandbox.md'), 'utf8');

/** The body of the `## title` section, up to the next `## ` heading. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/sandbox.md has no "## ${title}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The JSON block right after the `<!-- example-scenario -->` marker. */
function exampleScenario(): unknown {
  const match = /<!-- example-scenario -->\s*```json\n([\s\S]*?)\n```/.exec(doc);
  if (!match) throw new Error('docs/sandbox.md has no ```json block after <!-- example-scenario -->');
  return JSON.parse(match[1]) as unknown;
}

/** Rows of the zoo table as [behaviour, finding cell]; the first cell is a `backticked` behaviour name. */
function zooRows(): [string, string][] {
  return [...section('The behaviour zoo').matchAll(/^\| `([a-z-]+)` \|(.*)\|$/gm)].map((match) => {
    const cells = match[2].split(' | ');
    return [match[1], cells[cells.length - 1]];
  });
}

describe('docs/sandbox.md', () => {
  it('has an example scenario that validates, with expected findings that are real codes', () => {
    const scenario = validateScenario(exampleScenario());
    expect(scenario.loadBalancers.length).toBeGreaterThan(0);
    const expected = Object.values(scenario.expectedFindings ?? {});
    expect(expected.length).toBeGreaterThan(0);
    for (const code of expected) expect(FINDING_CODES).toContain(code);
  });

  it('has one zoo row per behaviour the sandbox serves, and no other', () => {
    const documented = zooRows().map(([name]) => name);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(BEHAVIOURS).sort());
  });

  it('names only real finding codes in the zoo table, at least one per row that is not healthy', () => {
    const known: readonly string[] = FINDING_CODES;
    for (const [name, findingCell] of zooRows()) {
      const words = findingCell.match(/\b[A-Z][A-Z0-9_]+\b/g) ?? [];
      // Words with an underscore can only be codes, so a misspelt code fails here instead of passing unnoticed.
      expect({ name, unknownCodes: words.filter((word) => word.includes('_') && !known.includes(word)) }).toEqual({ name, unknownCodes: [] });
      const healthy = /^\s*none\b/.test(findingCell);
      if (!healthy) expect({ name, namesACode: words.some((word) => known.includes(word)) }).toEqual({ name, namesACode: true });
    }
  });
});
