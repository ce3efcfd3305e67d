import { fingerprintOf, summarize } from '../../lib/notify/fingerprint';
import type { FingerprintRecord } from '../../lib/notify';
import { makeFinding } from '../notify/fixtures';

/** A record for backend 127.0.<writer>.<n>, so that concurrent writers add distinct records. */
export function recordFor(writer: number, n: number): FingerprintRecord {
  const summary = summarize(makeFinding({ backend: { ip: `127.0.${writer}.${n}`, port: 80 } }));
  const fingerprint = fingerprintOf(summary);
  return {
    fingerprint,
    subjectKey: fingerprint.slice(0, fingerprint.lastIndexOf('#')),
    regionId: summary.subject.regionId,
    loadBalancerId: summary.subject.loadBalancerId,
    firstSeenAt: 1,
    lastSeenAt: 1,
    presentRuns: 1,
    absentRuns: 0,
    openedAt: 1,
    notifiedAt: {},
    summary,
  };
}
