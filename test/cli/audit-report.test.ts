// The report shows what the tolerant reader noted: a listener's unknown spellings (with the default the probe used),
// and SLB's verdict exactly as SLB spelled it when it is not one we know.
import { renderAuditText } from '../../lib/cli/audit-report';
import type { AuditSummary } from '../../lib/audit/types';
import { backend, inventoryOf, listener } from '../diagnose/fixtures';

const summary: AuditSummary = {
  runId: 'run-1',
  regionId: 'cn-hangzhou',
  startedAt: '2026-12-01T08:00:00.000Z',
  finishedAt: '2026-12-01T08:00:01.000Z',
  covered: ['lb-1'],
  uncovered: [],
  findings: [],
  countsByCode: {},
  countsBySeverity: {},
  apiCalls: {},
  probesSent: 0,
  notify: null,
};

it('prints the listener warnings and an unknown ServerHealthStatus as SLB spelled it', () => {
  const inventory = inventoryOf([
    listener({
      warnings: ["HealthCheckHttpVersion 'h2' is unknown; probing with HTTP/1.0"],
      backends: [backend({ slbStatus: 'unknown', slbStatusReported: 'initializing' })],
    }),
  ]);
  const text = renderAuditText(summary, inventory, { width: 120, verbose: true });
  expect(text).toContain("    warning: HealthCheckHttpVersion 'h2' is unknown; probing with HTTP/1.0\n");
  expect(text).toContain('SLB says initializing');
});
