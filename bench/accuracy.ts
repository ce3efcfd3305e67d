// Diagnosis accuracy: the findings the audit delivered (read back from the generic-webhook digests) against the
// faults the scenario planted.
import { targetKey, type BackendTarget, type ListenerProtocol } from '../lib/model';
import { isJsonObject } from '../lib/util/schema';

const PLANTED_KEY = /^([^/]+)\/(http|https|tcp|udp):(\d+)\/([\d.]+):(\d+)$/;

/**
 * The backend a scenario's expectedFindings key names. The scenario file keys its planted faults by `targetKey`
 * strings (the sandbox cannot share the product's types), so the benchmark reads each key back here, once.
 */
export function plantedTarget(key: string): BackendTarget | null {
  const match = PLANTED_KEY.exec(key);
  if (!match) return null;
  return {
    loadBalancerId: match[1] as string,
    listener: { protocol: match[2] as ListenerProtocol, port: Number(match[3]) },
    backend: { ip: match[4] as string, port: Number(match[5]) },
  };
}

/** One delivered finding, keyed like the scenario's expectedFindings (`lbId/protocol:port/ip:port`). */
export interface DeliveredFinding {
  /** Null for findings about a whole load balancer or listener. */
  key: string | null;
  loadBalancerId: string;
  code: string;
  cause: string;
}

export interface DeliveredDigests {
  findings: DeliveredFinding[];
  /** Digests received (a digest sent in parts counts once). */
  digests: number;
  /** Their parts (POSTs). */
  parts: number;
  /** Notices the digests say no part carries (each part of a digest repeats its count). */
  omitted: number;
}

function record(value: unknown): Record<string, unknown> | null {
  return isJsonObject(value) ? value : null;
}

function findingOf(notice: unknown): DeliveredFinding | null {
  const finding = record(record(notice)?.finding);
  const subject = record(finding?.subject);
  if (!finding || !subject || typeof finding.code !== 'string' || typeof subject.loadBalancerId !== 'string') return null;
  const listener = record(subject.listener);
  const backend = record(subject.backend);
  const key =
    listener && backend && typeof listener.protocol === 'string' && typeof listener.port === 'number' && typeof backend.ip === 'string' && typeof backend.port === 'number'
      ? targetKey({ loadBalancerId: subject.loadBalancerId, listener: { protocol: listener.protocol as ListenerProtocol, port: listener.port }, backend: { ip: backend.ip, port: backend.port } })
      : null;
  return { key, loadBalancerId: subject.loadBalancerId, code: finding.code, cause: typeof finding.cause === 'string' ? finding.cause : '' };
}

/** The findings of every `slb-doctor.digest/v1` body received (each part of a digest); other bodies are ignored. */
export function findingsFromDigests(bodies: readonly unknown[]): DeliveredDigests {
  const findings: DeliveredFinding[] = [];
  let digests = 0;
  let parts = 0;
  let omitted = 0;
  for (const body of bodies) {
    const digest = record(body);
    if (!digest || digest.schema !== 'slb-doctor.digest/v1' || !Array.isArray(digest.notices)) continue;
    parts++;
    if (digest.part === 1) {
      digests++;
      if (typeof digest.omitted === 'number') omitted += digest.omitted;
    }
    for (const notice of digest.notices) {
      const finding = findingOf(notice);
      if (finding) findings.push(finding);
    }
  }
  return { findings, digests, parts, omitted };
}

export interface Accuracy {
  planted: number;
  /** Planted faults reported with exactly the planted code. */
  correct: number;
  /** `planted → reported` code pairs with their counts. */
  wrongCode: Record<string, number>;
  /** Planted faults with no finding at all, on load balancers the run says it covered. */
  missing: number;
  /** Planted faults on load balancers the run reports as not covered. */
  notCovered: number;
  /** Findings on backends where nothing was planted, by code. */
  unexpected: Record<string, number>;
  /** correct / planted (1 when nothing was planted). */
  ratio: number;
}

export function scoreAccuracy(expected: Readonly<Record<string, string>>, delivered: readonly DeliveredFinding[], uncoveredLoadBalancers: ReadonlySet<string>): Accuracy {
  const byKey = new Map<string, string>();
  const unexpected: Record<string, number> = {};
  for (const finding of delivered) {
    if (finding.key !== null && expected[finding.key] !== undefined) byKey.set(finding.key, finding.code);
    else unexpected[finding.code] = (unexpected[finding.code] ?? 0) + 1;
  }
  let correct = 0;
  let missing = 0;
  let notCovered = 0;
  const wrongCode: Record<string, number> = {};
  for (const [key, code] of Object.entries(expected)) {
    const got = byKey.get(key);
    if (got === code) correct++;
    else if (got !== undefined) wrongCode[`${code} → ${got}`] = (wrongCode[`${code} → ${got}`] ?? 0) + 1;
    else if (uncoveredLoadBalancers.has(plantedTarget(key)?.loadBalancerId ?? '')) notCovered++;
    else missing++;
  }
  const planted = Object.keys(expected).length;
  return { planted, correct, wrongCode, missing, notCovered, unexpected, ratio: planted === 0 ? 1 : correct / planted };
}
