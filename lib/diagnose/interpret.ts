// From data-plane evidence to one cause. Pure: the same evidence always gives the same verdict.
import type { DataPlaneEvidence, FindingCode, HttpProbeRequest, LabelledProbe, ProbeJob, ProbeResult, VariantLabel } from '../model';
import { answerLatencyMs, describeOutcome, describeProbe, formatDuration } from './describe';
import type { EcsFactsGap } from './control-plane';
import { GUIDE, requestStep, sourceStep } from './guide';

/** Share of the timeout at which a healthy answer is reported as a risk (TIMEOUT_RISK) or a likely cause (SLOW_RESPONSE). */
export const TIMEOUT_RISK_RATIO = 0.8;

export interface DataPlaneVerdict {
  code: FindingCode;
  cause: string;
  evidenceLine: string;
  remedy: string;
  guideStep: string;
  /** Probes other than the replay whose commands belong in `reproduce` (e.g. the GET that works). */
  contrast: ProbeResult[];
}

const HOST_VARIANTS: VariantLabel[] = ['http11-domain-host', 'http11-ip-host', 'no-host'];

function variant(evidence: DataPlaneEvidence, label: VariantLabel): ProbeResult | null {
  return evidence.variants.find((v) => v.label === label)?.result ?? null;
}

/** The replay and its repeats: identical checks. */
function identicalChecks(evidence: DataPlaneEvidence): ProbeResult[] {
  return [evidence.replay, ...evidence.variants.filter((v: LabelledProbe) => v.label.startsWith('repeat-')).map((v) => v.result)];
}

function hostText(request: HttpProbeRequest): string {
  return request.host === null ? 'no Host' : `Host ${request.host}`;
}

function pct(ms: number, timeoutMs: number): number {
  return Math.round((ms / timeoutMs) * 100);
}

/**
 * The data-plane cause for one backend, or null when the evidence shows nothing wrong.
 * `SLB_SOURCE_BLOCKED` is returned when every check from the VPC passes although SLB says abnormal; diagnose() turns
 * it into RECOVERED when SLB's re-check now agrees.
 */
export function interpretEvidence(job: ProbeJob, evidence: DataPlaneEvidence): DataPlaneVerdict | null {
  const target = `${job.ip}:${job.checkPort}`;
  if (evidence.error) {
    const noProber = evidence.error.code === 'NO_PROBER_FOR_VPC';
    return {
      code: noProber ? 'NO_PROBER_FOR_VPC' : 'PROBE_FAILED',
      cause: noProber
        ? `No probe function can reach ${target} in ${job.vpcId ?? 'its network'}: ${evidence.error.message}`
        : `${target} could not be examined: ${evidence.error.message}`,
      evidenceLine: `${evidence.error.code}: ${evidence.error.message}`,
      remedy: noProber
        ? `Deploy the probe function into ${job.vpcId ?? 'the VPC'} and list it in the VPC map, or run \`slb-doctor probe\` from a host in that VPC.`
        : 'Fix what the message names and run again; until then SLB\'s verdict stays unexplained. The reproduce commands check it by hand.',
      guideStep: requestStep(job),
      contrast: [],
    };
  }

  const checks = identicalChecks(evidence);
  const passes = checks.filter((r) => r.outcome === 'ok');
  if (passes.length === checks.length) return healthyVerdict(job, checks);
  if (passes.length > 0) {
    const failed = checks.find((r) => r.outcome !== 'ok') as ProbeResult;
    return {
      code: 'FLAPPING',
      cause: `${passes.length} of ${checks.length} identical checks passed: the backend fails intermittently (${describeProbe(failed)}).`,
      evidenceLine: checks.map((r) => describeProbe(r)).join('; '),
      remedy: 'Look for restarts, exhausted worker or connection pools, GC pauses or a failing dependency at the failure times; a higher UnhealthyThreshold stops one failed check from removing the backend.',
      guideStep: GUIDE.timeWindows,
      contrast: [],
    };
  }
  return failureVerdict(job, evidence);
}

function healthyVerdict(job: ProbeJob, checks: ProbeResult[]): DataPlaneVerdict | null {
  const latencies = checks.map(answerLatencyMs).filter((ms): ms is number => ms !== null);
  const slowest = latencies.length > 0 ? Math.max(...latencies) : null;
  const slowCheck = slowest === null ? null : checks.find((r) => answerLatencyMs(r) === slowest) ?? null;
  const nearTimeout = slowest !== null && slowest >= TIMEOUT_RISK_RATIO * job.timeoutMs;
  const timing = slowest === null ? '' : `${formatDuration(slowest)}, ${pct(slowest, job.timeoutMs)}% of SLB's ${formatDuration(job.timeoutMs)} timeout`;
  if (job.slbStatus === 'abnormal') {
    if (nearTimeout) {
      return {
        code: 'SLOW_RESPONSE',
        cause: `The backend answers in ${timing}: SLB's own checks very likely exceed the timeout at times.`,
        evidenceLine: describeProbe(slowCheck as ProbeResult),
        remedy: `Make the check answer fast (a static page), or raise HealthCheckTimeout well above ${formatDuration(slowest as number)}; also check CPU, memory and connection load.`,
        guideStep: GUIDE.slowResponse,
        contrast: [],
      };
    }
    return {
      code: 'SLB_SOURCE_BLOCKED',
      cause: `SLB reports abnormal, but all ${checks.length} identical checks from inside the VPC pass: only SLB's health-check source 100.64.0.0/10 seems to be refused on the host (iptables, security software or rp_filter).`,
      evidenceLine: describeProbe(checks[0] as ProbeResult) + (checks.length > 1 ? ` (${checks.length} of ${checks.length} passed)` : ''),
      remedy: 'On the backend, allow 100.64.0.0/10 in iptables/firewalld and in security software, and set rp_filter to 0 or 2; tcpdump shows whether SLB\'s checks arrive and are answered.',
      guideStep: sourceStep(job),
      contrast: [],
    };
  }
  // Only sweeps of backends SLB calls healthy are judged for risk; other passing backends need no finding.
  if (job.sweep && nearTimeout && slowCheck) {
    return {
      code: 'TIMEOUT_RISK',
      cause: `Healthy, but the check takes ${timing}: a little more load and SLB will mark it abnormal.`,
      evidenceLine: describeProbe(slowCheck),
      remedy: `Speed up the check (point it at a static page) or raise HealthCheckTimeout above ${formatDuration(job.timeoutMs)} before it starts failing.`,
      guideStep: GUIDE.slowResponse,
      contrast: [],
    };
  }
  return null;
}

function failureVerdict(job: ProbeJob, evidence: DataPlaneEvidence): DataPlaneVerdict {
  const replay = evidence.replay;
  const request = replay.request;
  const target = `${job.ip}:${job.checkPort}`;
  const verdict = (code: FindingCode, cause: string, remedy: string, guideStep: string, contrast: ProbeResult[] = []): DataPlaneVerdict => ({
    code,
    cause,
    evidenceLine: [replay, ...contrast].map(describeProbe).join('; '),
    remedy,
    guideStep,
    contrast,
  });
  const tls = variant(evidence, 'tls-handshake');
  const get = variant(evidence, 'get');
  const hostPass = HOST_VARIANTS.map((label) => variant(evidence, label)).find((r) => r?.outcome === 'ok') ?? null;

  const plainOnTlsPort = replay.outcome === 'status_not_accepted' && replay.statusCode === 400;
  if (tls?.outcome === 'ok' && (replay.outcome === 'tls_on_plain_port' || replay.outcome === 'reset' || replay.outcome === 'closed_no_response' || plainOnTlsPort)) {
    return verdict(
      'TLS_ON_PLAIN_PORT',
      `${target} speaks TLS (${tls.detail ?? 'handshake done'}), but SLB checks it with plain HTTP.`,
      `SLB ends TLS at the listener and checks and forwards over plain HTTP: serve plain HTTP on port ${job.checkPort} (or a plain health port via HealthCheckConnectPort), or use a TCP listener to pass TLS through.`,
      GUIDE.httpsListener,
      [tls],
    );
  }
  if (replay.outcome === 'tls_on_plain_port') {
    return verdict('TLS_ON_PLAIN_PORT', `${target} answers plain HTTP with a TLS record: the port speaks TLS, but SLB checks it with plain HTTP.`, `Serve plain HTTP on port ${job.checkPort}, or check a plain HTTP port via HealthCheckConnectPort.`, GUIDE.httpsListener, tls ? [tls] : []);
  }
  if (get?.outcome === 'ok' && request.kind === 'http') {
    return verdict(
      'HEAD_NOT_SUPPORTED',
      `HEAD ${request.uri} fails (${describeOutcome(replay)}) while GET answers ${get.statusCode}.`,
      'Set HealthCheckMethod to GET (SLB reads at most 8 KB of the body), or make the server answer HEAD like GET.',
      GUIDE.headMethod,
      [get],
    );
  }
  if (hostPass && request.kind === 'http' && hostPass.request.kind === 'http') {
    const passing = hostPass.request;
    if (passing.host === request.host) {
      return verdict(
        'HTTP_VERSION_REJECTED',
        `The backend fails HTTP/${request.httpVersion} checks but answers HTTP/${passing.httpVersion} (${hostPass.statusCode}) with the same Host.`,
        `Set HealthCheckHttpVersion to http${passing.httpVersion}, or let the server accept HTTP/${request.httpVersion}.`,
        GUIDE.httpVersion,
        [hostPass],
      );
    }
    const remedy =
      passing.host === null
        ? `The server rejects ${hostText(request)}: clear HealthCheckDomain so SLB sends none, or let the server accept it.`
        : request.host === null || request.host === job.ip
          ? `Set HealthCheckDomain to ${passing.host === job.ip ? 'a domain the server serves (or $_ip, which sends the backend IP)' : passing.host} so the check reaches the right virtual host, or make the default server answer the check path.`
          : `The site for ${hostText(request)} fails the check while ${hostText(passing)} works: fix that site, or set HealthCheckDomain to ${passing.host}.`;
    return verdict('HOST_REJECTED', `The answer depends on the Host header: ${hostText(request)} fails, ${hostText(passing)} answers ${hostPass.statusCode}.`, remedy, GUIDE.checkDomain, [hostPass]);
  }

  switch (replay.outcome) {
    case 'refused':
      return verdict(
        'PORT_CLOSED',
        `Nothing accepts connections on ${target}: connection refused.`,
        `Start the service on port ${job.checkPort}, listening on ${job.ip} or 0.0.0.0 (not only 127.0.0.1), or point HealthCheckConnectPort at the port it serves.`,
        `${requestStep(job)}; ${GUIDE.listening}`,
      );
    case 'connect_timeout':
      return verdict(
        'CONNECT_TIMEOUT',
        `The TCP handshake with ${target} did not complete within ${formatDuration(request.timeoutMs)}: SYNs are dropped or the accept queue is full.`,
        `Look for a DROP rule on port ${job.checkPort} (iptables, security software), a full listen backlog (ss -ltn: Recv-Q at Send-Q) or an overloaded host; raise the backlog or scale out.`,
        `${requestStep(job)}; ${GUIDE.overload}`,
      );
    case 'reset':
    case 'closed_no_response': {
      const how = replay.outcome === 'reset' ? 'resets the connection' : 'closes the connection';
      return verdict(
        'CONNECTION_RESET',
        `${target} accepts the connection, then ${how} without answering the check.`,
        'Look in the service\'s error log for requests from 100.64.0.0/10: a proxy or WAF rule that drops requests without a User-Agent or with an IP as Host, a connection limit, or crashing workers. Make it answer the check request.',
        requestStep(job),
      );
    }
    case 'response_timeout': {
      const extended = variant(evidence, 'extended-wait');
      if (extended && extended.statusCode !== null) {
        const latency = answerLatencyMs(extended) as number;
        const status = extended.outcome === 'ok' ? `${extended.statusCode}` : `${extended.statusCode} (not accepted either)`;
        return verdict(
          'SLOW_RESPONSE',
          `The backend answers ${status} after ${formatDuration(latency)}, beyond SLB's ${formatDuration(request.timeoutMs)} timeout.`,
          `Make the check answer fast (a static page), or raise HealthCheckTimeout above ${formatDuration(latency)} (max 300 s); also check CPU, memory and connection load.`,
          GUIDE.slowResponse,
          [extended],
        );
      }
      const partial = replay.bytesRead > 0 ? `; it sent ${replay.bytesRead} bytes but never finished the headers` : '';
      const waited = extended ? ` nor within the extended ${formatDuration(extended.request.timeoutMs)}` : '';
      return verdict(
        'RESPONSE_TIMEOUT',
        `${target} accepts the connection but gives no complete answer within ${formatDuration(request.timeoutMs)}${waited}${partial}.`,
        'The service accepts connections but does not answer: check for exhausted worker pools, deadlocks, a dependency the check page waits on (database), and host load; point the check at a static page.',
        `${GUIDE.slowResponse}; ${GUIDE.overload}`,
        extended ? [extended] : [],
      );
    }
    case 'malformed_response':
      return verdict(
        'PROTOCOL_ERROR',
        `${target} does not answer with HTTP: ${replay.detail ?? 'malformed reply'}.`,
        `Another program or protocol answers on port ${job.checkPort}, or the server writes broken headers: check which process listens there (ss -ltnp) and that it serves HTTP.`,
        requestStep(job),
      );
    case 'status_not_accepted':
      return statusVerdict(job, evidence, verdict);
    case 'udp_port_unreachable':
      return verdict(
        'UDP_PORT_UNREACHABLE',
        `ICMP port unreachable: nothing listens on UDP ${target}.`,
        `Start the UDP service on port ${job.checkPort}, bound to ${job.ip} or 0.0.0.0.`,
        `${GUIDE.udpCheck}; ${GUIDE.listening}`,
      );
    case 'udp_no_reply':
    case 'udp_unexpected_reply':
      return verdict(
        'UDP_NO_REPLY',
        replay.outcome === 'udp_no_reply'
          ? `No reply to "${job.udpRequest ?? ''}" within ${formatDuration(request.timeoutMs)}; SLB expects a reply containing "${job.udpExpect ?? ''}".`
          : `The reply does not contain the expected "${job.udpExpect ?? ''}" (${replay.detail ?? 'unexpected reply'}).`,
        'Make the service answer HealthCheckReq with a reply containing HealthCheckExp, or correct the two strings in the listener.',
        GUIDE.udpCheck,
      );
    default:
      return verdict(
        'UNDETERMINED',
        `The probes did not isolate a cause: ${replay.detail ?? replay.outcome}.`,
        'Run the reproduce commands from the backend or a host in its VPC, and read the service and host logs at the check times.',
        requestStep(job),
        evidence.variants.map((v) => v.result),
      );
  }
}

function statusVerdict(job: ProbeJob, evidence: DataPlaneEvidence, verdict: (code: FindingCode, cause: string, remedy: string, guideStep: string, contrast?: ProbeResult[]) => DataPlaneVerdict): DataPlaneVerdict {
  const replay = evidence.replay;
  const code = replay.statusCode as number;
  const uri = job.uri;
  const accepted = job.acceptedCodes.join(',');
  if (code >= 300 && code < 400) {
    const to = replay.location ? ` to ${replay.location}` : '';
    return verdict(
      'REDIRECT_NOT_ACCEPTED',
      `${uri} redirects (${code}${to}) and http_3xx is not an accepted code (${accepted}).`,
      `Add http_3xx to HealthCheckHttpCode, or point HealthCheckURI at a page that answers 2xx directly${replay.location ? ' (often the redirect target\'s path; an http→https redirect needs a plain-HTTP exception for the check path)' : ''}.`,
      GUIDE.httpCodes,
    );
  }
  if (code === 404 || code === 410) {
    const root = variant(evidence, 'root-path');
    if (root?.outcome === 'ok') {
      return verdict('PATH_NOT_FOUND', `${uri} answers ${code} while / answers ${root.statusCode}: the check page is missing.`, `Create ${uri} (a small static page), or set HealthCheckURI to a page that exists.`, GUIDE.l7Request, [root]);
    }
    const rootNote = root ? `; / answers ${root.statusCode ?? root.outcome} too, so the default server may be answering` : '';
    return verdict(
      'PATH_NOT_FOUND',
      `${uri} answers ${code}${rootNote}.`,
      root
        ? `Create ${uri} or set HealthCheckURI to a page that exists; if the site is a name-based virtual host, set HealthCheckDomain to its domain so the check reaches it instead of the default server.`
        : `Create ${uri} (a small static page), or set HealthCheckURI to a page that exists.`,
      `${GUIDE.l7Request}${root ? `; ${GUIDE.checkDomain}` : ''}`,
      root ? [root] : [],
    );
  }
  const remedy =
    code === 401 || code === 403
      ? `The check is denied: let requests from 100.64.0.0/10 without credentials or User-Agent reach ${uri} (e.g. an nginx rule blocking empty User-Agents), or check a public page.`
      : code >= 500
        ? `The application fails on ${uri}: read its error log and the dependencies that page calls; check a page that only proves the service is up.`
        : `Make ${uri} answer 2xx, or add http_${Math.floor(code / 100)}xx to HealthCheckHttpCode if ${code} means healthy here.`;
  return verdict('STATUS_MISMATCH', `${uri} answers ${code}, which is not in the accepted codes (${accepted}).`, remedy, `${GUIDE.httpCodes}; ${GUIDE.l7Request}`);
}

/** The parts of a verdict that the lack of ECS facts changes. */
export interface VerdictText {
  code: FindingCode;
  cause: string;
  remedy: string;
  guideStep: string;
}

/**
 * A data-plane verdict told honestly when ECS facts are missing (`ecsFactsGap`). The control plane could then not rule
 * out a stopped instance or a security-group drop, so:
 * - "every check from the VPC passes, SLB says abnormal" is not claimed as SLB_SOURCE_BLOCKED (a security-group rule
 *   may be what drops 100.64.0.0/10): it is UNDETERMINED, naming both places to look;
 * - a refused, unreachable or silent port keeps its code (that is what the probes saw) and says that the instance
 *   may be stopped, or a security-group rule may drop the check;
 * - every other verdict stands: no ECS fact could change it.
 */
export function withoutEcsFacts<V extends VerdictText>(verdict: V, gap: EcsFactsGap | null): V {
  if (gap === null) return verdict;
  const unavailable = `ECS facts unavailable (${gap.reason})`;
  switch (verdict.code) {
    case 'SLB_SOURCE_BLOCKED':
      return {
        ...verdict,
        code: 'UNDETERMINED',
        cause: `${unavailable}: every check from inside the VPC passes while SLB reports abnormal, so SLB's source 100.64.0.0/10 is dropped, either by a security-group rule that could not be checked or on the host (iptables, security software, rp_filter).`,
        remedy: `Look for a security-group rule that drops 100.64.0.0/10 on the check port (ECS console or DescribeSecurityGroupAttribute), and on the host for iptables or rp_filter drops; a run with ECS answering tells which. ${verdict.remedy}`,
        guideStep: `${verdict.guideStep}; ${GUIDE.securityGroup}`,
      };
    case 'PORT_CLOSED':
    case 'UDP_PORT_UNREACHABLE':
      if (!gap.instanceUnknown) return verdict;
      return {
        ...verdict,
        cause: `${unavailable}: the instance may be stopped. ${verdict.cause}`,
        remedy: `Check that the instance is running (ECS console); if it is: ${verdict.remedy}`,
        guideStep: `${verdict.guideStep}; ${GUIDE.instanceState}`,
      };
    case 'CONNECT_TIMEOUT':
    case 'UDP_NO_REPLY':
    case 'UNDETERMINED': {
      const suspects = gap.instanceUnknown ? 'the instance may be stopped, or a security-group rule may drop the check' : 'a security-group rule may drop the check';
      return {
        ...verdict,
        cause: `${unavailable}: ${suspects}. ${verdict.cause}`,
        remedy: `Check ${gap.instanceUnknown ? "that the instance is running and that its security groups" : 'that the security groups'} let 100.64.0.0/10 reach the check port; then: ${verdict.remedy}`,
        guideStep: `${verdict.guideStep}; ${GUIDE.securityGroup}`,
      };
    }
    default:
      return verdict;
  }
}
