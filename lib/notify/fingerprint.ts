// Stable identities: a subject (region, LB, listener, backend) and a fingerprint (subject + code). Readable on
// purpose, so a person looking at the state file knows what each record is about.
import type { FindingSubject, NoticeFinding } from '../model';
import type { FindingSummary } from './vocabulary';

export function listenerKeyOf(subject: FindingSubject): string | null {
  return subject.listener ? `${subject.listener.protocol}:${subject.listener.port}` : null;
}

export function backendKeyOf(subject: FindingSubject): string | null {
  return subject.backend ? `${subject.backend.ip}:${subject.backend.port}` : null;
}

export function subjectKeyOf(subject: FindingSubject): string {
  return [subject.regionId, subject.loadBalancerId || '-', listenerKeyOf(subject) ?? '-', backendKeyOf(subject) ?? '-'].join('/');
}

export function fingerprintOf(summary: Pick<FindingSummary, 'subject' | 'code'>): string {
  return `${subjectKeyOf(summary.subject)}#${summary.code}`;
}

/** `backendsPerListener` is keyed `lbId/protocol:port`. */
export function summarize(finding: NoticeFinding, backendsPerListener: Record<string, number> = {}): FindingSummary {
  const listener = listenerKeyOf(finding.subject);
  return {
    code: finding.code,
    severity: finding.severity,
    subject: finding.subject,
    slbStatus: finding.slbStatus,
    cause: finding.cause,
    evidenceLine: finding.evidenceLine,
    facts: finding.facts,
    remedy: finding.remedy,
    guideStep: finding.guideStep,
    reproduce: finding.reproduce,
    listenerBackends: listener ? (backendsPerListener[`${finding.subject.loadBalancerId}/${listener}`] ?? null) : null,
    ...(finding.withoutFacts === undefined ? {} : { withoutFacts: finding.withoutFacts }),
  };
}
