// What the host said, merged into the VPC diagnosis. A host code (the firewall rule, the loopback bind, the asymmetric
// route) refines the finding: it takes the host's code, cause and remedy and keeps the VPC evidence. The same code
// confirms it (host evidence added). Another code is a disagreement, said as such, the VPC finding kept. When the host
// could not be examined, the VPC finding stands and a HOST_CHECK_UNAVAILABLE finding says why, for that backend.
import { BASE_SEVERITY } from '../diagnose/guide';
import type { HostFinding, HostVerdict } from '../host/types';
import type { HostVerdictInput } from '../host/verdict';
import type { Finding, FindingCode } from '../model';
import type { HostOutcome } from './fleet';
import { hostScriptCommand, type HostTarget, type PlannedCheck } from './targets';

/** Host codes that name the cause more precisely than any VPC code can: they replace the VPC code. */
const REFINING_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(['HOST_FIREWALL_BLOCKS_SLB', 'SERVICE_BOUND_TO_LOOPBACK', 'ROUTE_TO_SLB_ASYMMETRIC']);

export type HostVerdictFn = (output: string, check: HostVerdictInput) => HostVerdict;

export interface MergeCounts {
  refined: number;
  confirmed: number;
  disagreed: number;
  unavailable: number;
}

function hostLines(host: HostFinding): string[] {
  return [...host.evidence.map((line) => `host: ${line}`), ...(host.rule ? [`host rule: ${host.rule}`] : [])];
}

/** The reproduce section leads with the command that prints the exact host script (and reads its output). */
function withHostCommand(finding: Finding, command: string): Finding {
  return {
    ...finding,
    reproduce: [command, ...finding.reproduce.filter((c) => c !== command)],
    hostCommands: [command, ...finding.hostCommands.filter((c) => c !== command)],
  };
}

function unavailableFinding(base: Finding, reason: string, command: string): Finding {
  return {
    code: 'HOST_CHECK_UNAVAILABLE',
    severity: BASE_SEVERITY.HOST_CHECK_UNAVAILABLE,
    subject: base.subject,
    slbStatus: base.slbStatus,
    cause: `The host could not be examined: ${reason}.`,
    evidenceLine: reason,
    evidence: [],
    facts: [`the VPC diagnosis stands: ${base.code}: ${base.cause}`],
    remedy: 'Run the host script on the backend by hand (the command below), or make Cloud Assistant able to run it there.',
    guideStep: base.guideStep,
    reproduce: [command],
    hostCommands: [command],
  };
}

function mergeOne(base: Finding, verdict: HostVerdict, command: string, counts: MergeCounts): Finding[] {
  const notes = [
    ...verdict.notes.map((line) => `host: ${line}`),
    ...verdict.missing.map((line) => `host could not read: ${line}`),
    ...verdict.notUnderstood.map((line) => `host rule not understood: ${line}`),
  ];
  const withCommand = (finding: Finding): Finding => withHostCommand(finding, command);
  const unavailable = verdict.findings.find((f) => f.code === 'HOST_CHECK_UNAVAILABLE');
  const refining = verdict.findings.find((f) => REFINING_CODES.has(f.code));
  if (refining) {
    counts.refined += 1;
    return [
      withCommand({
        ...base,
        code: refining.code,
        cause: refining.cause,
        evidenceLine: refining.rule ? `${refining.rule} (${base.evidenceLine})` : `${refining.evidence[0] ?? refining.cause} (${base.evidenceLine})`,
        facts: [`the VPC diagnosis was ${base.code}: ${base.cause}`, ...hostLines(refining), ...base.facts, ...notes],
        remedy: refining.remedy,
      }),
    ];
  }
  const same = verdict.findings.find((f) => f.code === base.code);
  if (same) {
    counts.confirmed += 1;
    return [withCommand({ ...base, facts: [...base.facts, `host confirms: ${same.cause}`, ...hostLines(same), ...notes] })];
  }
  const other = verdict.findings.filter((f) => f.code !== 'HOST_CHECK_UNAVAILABLE');
  if (other.length > 0) {
    counts.disagreed += 1;
    return [
      withCommand({
        ...base,
        facts: [...base.facts, ...other.flatMap((f) => [`host facts disagree: the host says ${f.code}: ${f.cause}`, ...hostLines(f)]), ...notes],
      }),
    ];
  }
  if (unavailable) {
    counts.unavailable += 1;
    return [withCommand(base), unavailableFinding(base, unavailable.cause.replace(/\.$/, ''), command)];
  }
  return [withCommand({ ...base, facts: [...base.facts, 'host: nothing on the host explains it (firewall, listener, routes and local replay look right)', ...notes] })];
}

/** The findings with the host's verdicts merged in; findings no host check concerned are unchanged. */
export function mergeHostOutcomes(
  findings: readonly Finding[],
  targets: readonly HostTarget[],
  outcomes: ReadonlyMap<string, HostOutcome>,
  verdict: HostVerdictFn,
): { findings: Finding[]; counts: MergeCounts } {
  const counts: MergeCounts = { refined: 0, confirmed: 0, disagreed: 0, unavailable: 0 };
  const replaced = new Map<number, Finding[]>();
  const forCheck = (check: PlannedCheck, merged: (base: Finding, command: string) => Finding[]): void => {
    const command = hostScriptCommand(check.spec, check.slbStatus);
    for (const index of check.findingIndexes) {
      const base = findings[index];
      if (base) replaced.set(index, merged(base, command));
    }
  };
  for (const target of targets) {
    const outcome = outcomes.get(target.instanceId) ?? { kind: 'unavailable', reason: 'not examined' };
    target.checks.forEach((check, checkIndex) => {
      if (outcome.kind !== 'output') {
        const reason = outcome.reason;
        forCheck(check, (base, command) => {
          counts.unavailable += 1;
          return [withHostCommand(base, command), unavailableFinding(base, reason, command)];
        });
        return;
      }
      const result = verdict(outcome.outputs[checkIndex] ?? '', { ...check.spec, slbStatus: check.slbStatus });
      forCheck(check, (base, command) => mergeOne(base, result, command, counts));
    });
  }
  return { findings: findings.flatMap((finding, index) => replaced.get(index) ?? [finding]), counts };
}
