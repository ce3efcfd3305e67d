import { FINDING_CODES, SEVERITY_ORDER } from '../../lib/model';

describe('finding codes', () => {
  it('are unique and upper snake case', () => {
    expect(new Set(FINDING_CODES).size).toBe(FINDING_CODES.length);
    for (const code of FINDING_CODES) expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });
  it('order severities from critical to info', () => {
    expect(SEVERITY_ORDER.critical).toBeGreaterThan(SEVERITY_ORDER.error);
    expect(SEVERITY_ORDER.warning).toBeGreaterThan(SEVERITY_ORDER.info);
  });
});
