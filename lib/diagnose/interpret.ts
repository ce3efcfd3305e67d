// From data-plane evidence to one cause. Pure: the same evidence always gives the same verdict.
import type { DataPlaneEvidence, FindingCode, HttpProbeRequest, LabelledProbe, ProbeJob, ProbeResult, VariantLabel } from '../model';
import { answerLatencyMs, describeOutcome, describeProbe, formatDuration } from './describe';
import type { EcsFactsGap } from './control-plane';
import { GUIDE, requestStep, sourceStep } from './guide';
import { recognizeService } from './services';

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
  if (passes.length > 0) return flappingVerdict(job, checks);
  return failureVerdict(job, evidence);
}

/** Answers that refuse a request for its rate: nginx limit_req answers 503 by default (limit_req_status), others 429. */
const RATE_LIMIT_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Which way identical checks disagree, where the sequence shows it. */
function flappingPattern(checks: ProbeResult[]): 'rate-limit' | 'alternating' | 'random' {
  const passed = checks.map((r) => r.outcome === 'ok');
  const failures = checks.filter((r) => r.outcome !== 'ok');
  const burst = passed.some((ok, i) => !ok && i > 0 && !passed[i - 1]);
  const limited = failures.every((r) => r.statusCode !== null && RATE_LIMIT_STATUSES.has(r.statusCode));
  if (limited && (burst || failures.some((r) => r.statusCode === 429))) return 'rate-limit';
  if (checks.length >= 4 && passed.every((ok, i) => i === 0 || ok !== passed[i - 1])) return 'alternating';
  return 'random';
}

function flappingVerdict(job: ProbeJob, checks: ProbeResult[]): DataPlaneVerdict {
  const passes = checks.filter((r) => r.outcome === 'ok').length;
  const failed = checks.find((r) => r.outcome !== 'ok') as ProbeResult;
  const tally = `${passes} of ${checks.length} identical checks passed`;
  const common = { code: 'FLAPPING' as const, evidenceLine: checks.map((r) => describeProbe(r)).join('; '), guideStep: GUIDE.timeWindows, contrast: [] };
  switch (flappingPattern(checks)) {
    case 'rate-limit': {
      const codes = [...new Set(checks.filter((r) => r.outcome !== 'ok').map((r) => r.statusCode))].join('/');
      return {
        ...common,
        cause: `${tally}; the others were refused with ${codes}, in bursts: a request rate limit (such as nginx limit_req, a WAF or an API gateway) most likely refuses SLB's checks when they come too fast.`,
        remedy: `Exempt SLB's health-check source 100.64.0.0/10 or the check path ${job.uri} from the rate limit (in nginx, a location for the check path without limit_req, or a geo/map that gives 100.64.0.0/10 an empty limit key), or raise the rate and burst above what SLB sends: several check nodes each check every HealthCheckInterval. The error log tells a limit ("limiting requests") from an application that sheds load with ${codes} when it is overloaded.`,
      };
    }
    case 'alternating':
      return {
        ...common,
        cause: `${tally}, alternating pass and failure (${describeProbe(failed)}): a local round-robin proxy (nginx upstream, haproxy) most likely spreads the requests over several application processes and one of them is dead.`,
        remedy: `Check each application process behind the proxy on ${job.ip} directly (curl each upstream port), restart or remove the dead one, and let the proxy take a dead member out by itself (nginx max_fails/fail_timeout, haproxy \`check\`).`,
      };
    case 'random':
      return {
        ...common,
        cause: `${tally}: the backend fails intermittently (${describeProbe(failed)}).`,
        remedy: 'Look for restarts, exhausted worker or connection pools, GC pauses or a failing dependency at the failure times; a higher UnhealthyThreshold stops one failed check from removing the backend.',
      };
  }
}

/**
 * The latency at least half of the checks reach (the upper median). Slowness is the cause only when it is typical:
 * SLB marks a backend abnormal after UnhealthyThreshold failed checks in a row, and one slow answer among fast ones (a
 * hiccup on the path or in the prober) would not do that.
 */
function typicalLatency(latencies: readonly number[]): number | null {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function healthyVerdict(job: ProbeJob, checks: ProbeResult[]): DataPlaneVerdict | null {
  const latencies = checks.map(answerLatencyMs).filter((ms): ms is number => ms !== null);
  const slowest = latencies.length > 0 ? Math.max(...latencies) : null;
  const slowCheck = slowest === null ? null : checks.find((r) => answerLatencyMs(r) === slowest) ?? null;
  const typical = typicalLatency(latencies);
  const riskFrom = TIMEOUT_RISK_RATIO * job.timeoutMs;
  const nearTimeout = typical !== null && typical >= riskFrom;
  const timingOf = (ms: number): string => `${formatDuration(ms)}, ${pct(ms, job.timeoutMs)}% of SLB's ${formatDuration(job.timeoutMs)} timeout`;
  const timing = slowest === null ? '' : timingOf(slowest);
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
      cause: `SLB reports abnormal, but all ${checks.length} identical checks from inside the VPC pass: only SLB's health-check source 100.64.0.0/10 seems to be refused on the host (iptables, security software, rp_filter, or a source allow-list in the web server itself).`,
      evidenceLine:
        describeProbe(checks[0] as ProbeResult) +
        (checks.length > 1 ? ` (${checks.length} of ${checks.length} passed` + (slowest !== null && slowest >= riskFrom ? `; the slowest in ${timingOf(slowest)})` : ')') : ''),
      remedy:
        'On the backend, allow 100.64.0.0/10 in iptables/firewalld and in security software, and set rp_filter to 0 or 2. ' +
        'Also look for a source allow-list in the web server, which answers SLB 403: nginx `allow`/`deny` (add `allow 100.64.0.0/10;` before `deny all;`), Apache `Require ip` (add `Require ip 100.64.0.0/10`). ' +
        `SLB's refused requests show in the access log: \`grep -E '^100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.' access.log | tail\` lists them with their status (403 means an allow-list); no lines at all means the packets never reach the server (iptables, security software, rp_filter), which tcpdump confirms.`,
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
    // Only a "no such site" answer means the Host is rejected; any other failure is the site's own (a 5xx: its
    // application fails), and pointing the check at the Host that works would hide that outage.
    if (isNoSuchSite(replay)) {
      const answer = describeOutcome(replay);
      const remedy =
        passing.host === null
          ? `The server has no site for ${hostText(request)} (${answer}), while a request without a Host reaches one: add ${request.host} to the server_name/ServerName of the site this listener serves, or clear HealthCheckDomain if the check is meant for the default site.`
          : request.host === null || request.host === job.ip
            ? `No site answers ${hostText(request)} (${answer}): set HealthCheckDomain to the domain of the site this listener serves, or make that site answer ${request.host === null ? 'requests without a Host' : `its IP ${request.host}`} too (add it to server_name, or make the site the default server).`
            : `No site on the server answers ${hostText(request)} (${answer}): add ${request.host} to the server_name/ServerName of the site this listener serves, or correct HealthCheckDomain to the domain that site really serves. Do not point the check at ${hostText(passing)} only because it answers: that may be a different site, and the check would then hide an outage of this one.`;
      return verdict('HOST_REJECTED', `The answer depends on the Host header: ${hostText(request)} fails, ${hostText(passing)} answers ${hostPass.statusCode}.`, remedy, GUIDE.checkDomain, [hostPass]);
    }
    if (replay.outcome === 'status_not_accepted') return statusVerdict(job, evidence, verdict, hostPass);
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
      const nothingRead = replay.bytesRead === 0;
      return verdict(
        'CONNECTION_RESET',
        `${target} accepts the connection, then ${how} without answering the check${nothingRead ? ' (not a single byte came back)' : ''}.`,
        'Look in the service\'s error log for requests from 100.64.0.0/10: a proxy or WAF rule that drops requests without a User-Agent or with an IP as Host, a connection limit, or crashing workers. Make it answer the check request.' +
          (nothingRead
            ? ` With nothing read at all, a service that does not speak HTTP may hold port ${job.checkPort} (a database, a message broker, a TLS- or HTTP/2-only server): \`ss -ltnp 'sport = :${job.checkPort}'\` on the backend names the process that listens there.`
            : ''),
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
    case 'malformed_response': {
      const service = recognizeService(replay.detail);
      if (service?.name.startsWith('an HTTP/2')) {
        return verdict(
          'PROTOCOL_ERROR',
          `${target} answers the HTTP/${request.kind === 'http' ? request.httpVersion : '1.0'} check with ${service.sign}: this port speaks only HTTP/2 (h2c), and SLB's checks are HTTP/1.x.`,
          `Let the server also accept HTTP/1.1 on port ${job.checkPort} (nginx: \`listen ${job.checkPort};\` without \`http2\` on a plain port; gRPC and Go h2c servers: serve HTTP/1.1 alongside), or give the check a separate HTTP/1.1 health port via HealthCheckConnectPort, or use a TCP check.`,
          requestStep(job),
        );
      }
      if (service) {
        return verdict(
          'PROTOCOL_ERROR',
          `${target} is not an HTTP server: ${service.name} answers there (${service.sign}).`,
          `Port ${job.checkPort} belongs to ${service.name}, not to the web service: point the listener's backend port or HealthCheckConnectPort at the port the web service really listens on (\`ss -ltnp\` on the backend lists them), or use a TCP check if ${service.name.replace(/^an? /, 'the ')} is what this listener serves.`,
          requestStep(job),
        );
      }
      return verdict(
        'PROTOCOL_ERROR',
        `${target} does not answer with HTTP: ${replay.detail ?? 'malformed reply'}.`,
        `Another program or protocol answers on port ${job.checkPort}, or the server writes broken headers: check which process listens there (ss -ltnp) and that it serves HTTP.`,
        requestStep(job),
      );
    }
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

/** A "no such site" answer: 400, 404 or 421 (Misdirected Request), or a default server that closes without a reply. */
function isNoSuchSite(replay: ProbeResult): boolean {
  if (replay.outcome === 'closed_no_response' || replay.outcome === 'reset') return true;
  return replay.outcome === 'status_not_accepted' && (replay.statusCode === 400 || replay.statusCode === 404 || replay.statusCode === 421);
}

function statusVerdict(
  job: ProbeJob,
  evidence: DataPlaneEvidence,
  verdict: (code: FindingCode, cause: string, remedy: string, guideStep: string, contrast?: ProbeResult[]) => DataPlaneVerdict,
  /** A Host variant that passed while the configured Host failed (the site exists, its own answer fails). */
  hostPass: ProbeResult | null = null,
): DataPlaneVerdict {
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
  const guideStep = `${GUIDE.httpCodes}; ${GUIDE.l7Request}`;
  const request = replay.request;
  if (hostPass && request.kind === 'http' && hostPass.request.kind === 'http') {
    const passingHost = hostText(hostPass.request);
    const failing = `${uri} answers ${code} under ${hostText(request)} while ${passingHost} answers ${hostPass.statusCode}`;
    if (code >= 500) {
      return verdict(
        'STATUS_MISMATCH',
        `${failing}: the site exists and its application is failing.`,
        `Fix the application behind ${hostText(request)}: read its error log at the check times and the dependencies ${uri} calls. Do not point HealthCheckDomain at ${hostPass.request.host ?? 'no Host'}: that Host reaches a different site, and the check would then hide this outage.`,
        guideStep,
        [hostPass],
      );
    }
    return verdict(
      'STATUS_MISMATCH',
      `${failing}: the site for ${hostText(request)} exists, and its own answer ${code} is not in the accepted codes (${accepted}).`,
      `Make ${uri} answer 2xx on the site for ${hostText(request)}, or add http_${Math.floor(code / 100)}xx to HealthCheckHttpCode if ${code} means healthy there; do not point the check at ${passingHost}, which reaches a different site.`,
      guideStep,
      [hostPass],
    );
  }
  if (code === 401 || code === 403) return deniedVerdict(job, evidence, verdict, guideStep);
  const remedy =
    code >= 500
      ? `The application fails on ${uri}: read its error log and the dependencies that page calls; check a page that only proves the service is up.`
      : `Make ${uri} answer 2xx, or add http_${Math.floor(code / 100)}xx to HealthCheckHttpCode if ${code} means healthy here.`;
  return verdict('STATUS_MISMATCH', `${uri} answers ${code}, which is not in the accepted codes (${accepted}).`, remedy, guideStep);
}

/** 401/403, told apart by the evidence: refused only without a User-Agent, or forbidden for everyone (our probe too). */
function deniedVerdict(
  job: ProbeJob,
  evidence: DataPlaneEvidence,
  verdict: (code: FindingCode, cause: string, remedy: string, guideStep: string, contrast?: ProbeResult[]) => DataPlaneVerdict,
  guideStep: string,
): DataPlaneVerdict {
  const code = evidence.replay.statusCode as number;
  const uri = job.uri;
  const withAgent = variant(evidence, 'user-agent');
  const agent = withAgent?.request.kind === 'http' ? withAgent.request.userAgent : undefined;
  if (withAgent?.outcome === 'ok') {
    return verdict(
      'STATUS_MISMATCH',
      `${uri} answers ${code} to requests without a User-Agent, as SLB's checks send them, and ${withAgent.statusCode} with User-Agent "${agent ?? ''}": a rule refuses requests that carry no User-Agent.`,
      `Exempt SLB's checks from the rule that refuses an empty User-Agent (an nginx \`if ($http_user_agent = "")\`, a WAF or bot-protection rule): allow it for ${uri} or for 100.64.0.0/10. The User-Agent variant in the evidence proves it.`,
      guideStep,
      [withAgent],
    );
  }
  const everyone = `${uri} answers ${code} to our probe from inside the VPC as well${withAgent ? ', with a common User-Agent too' : ''}: it is forbidden for everyone, not only for SLB.`;
  const remedy =
    code === 401
      ? `${uri} needs authentication: exempt the check path (nginx \`auth_basic off;\` in a location of its own, Apache \`Require all granted\` for it), or point HealthCheckURI at a public page.`
      : `Typical causes: a directory without an index file while listing is off (nginx and Apache then answer 403), files the web server's user cannot read (check the permissions along the path), or an authentication or access rule. Point HealthCheckURI at a small readable file that exists (e.g. /health.html), or fix the permissions or the rule.`;
  return verdict('STATUS_MISMATCH', `${everyone} The accepted codes are ${job.acceptedCodes.join(',')}.`, remedy, guideStep, withAgent ? [withAgent] : []);
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
