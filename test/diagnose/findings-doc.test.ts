import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FINDING_CODES } from '../../lib/model';

describe('docs/findings.md', () => {
  const doc = readFileSync(path.join(__dirname, '../../docs/findings.md'), 'utf8');
  const documented = [...doc.matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1]);
  it('documents every finding code exactly once, and no other', () => {
    expect([...documented].sort()).toEqual([...FINDING_CODES].sort());
  });
});
