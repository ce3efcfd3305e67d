// HTTP prober: one TCP connection, the check's request written byte for byte, the reply parsed strictly.
// One deadline for the whole probe and byte caps on headers and body, so no backend can hang or flood a run.
import type { HttpProbeRequest, ProbeOutcome, ProbeResult } from '../model';
import { buildHttpRequest, codeClassOf, hasNoBody, MAX_BODY_BYTES, MAX_HEADER_BYTES, parseResponseHead, type HttpRequestWire, type ResponseHead } from './http-wire';
import { connectProbeSocket } from './connections';
import { connectErrorOutcome, describeError, emptyResult, errnoOf, invalidTarget, PhaseTimer, printableSnippet } from './result';

const CHUNKED_END = '0\r\n\r\n';

export function probeHttp(request: HttpProbeRequest): Promise<ProbeResult> {
  return openHttpProbe(request, 0).check;
}

/**
 * One HTTP check whose connection may stay open past the check's timeout: `check` resolves exactly as probeHttp
 * would (at the latest at the timeout); when that verdict is a response timeout, the same request keeps waiting on the
 * same socket until `extendedTimeoutMs` from its start, and `extended` resolves with what it met then, as a probe of
 * `{ ...request, timeoutMs: extendedTimeoutMs }`. So one connection is both SLB's check and the extended wait, and a
 * hang costs 3× the timeout instead of the check's timeout plus a second wait. `extended` is null when the check's
 * verdict was final or `cancel()` closed the socket first.
 */
export interface ExtendableHttpProbe {
  check: Promise<ProbeResult>;
  extended: Promise<ProbeResult | null>;
  cancel(): void;
}

export function probeHttpExtendable(request: HttpProbeRequest, extendedTimeoutMs: number): ExtendableHttpProbe {
  return openHttpProbe(request, extendedTimeoutMs);
}

function openHttpProbe(request: HttpProbeRequest, extendedTimeoutMs: number): ExtendableHttpProbe {
  const timer = new PhaseTimer();
  const invalid = invalidTarget(request);
  const done = (result: ProbeResult): ExtendableHttpProbe => ({ check: Promise.resolve(result), extended: Promise.resolve(null), cancel: () => undefined });
  if (invalid !== null) return done(emptyResult(request, 'error', invalid, timer.timings(true)));
  let wire: HttpRequestWire;
  try {
    wire = buildHttpRequest(request);
  } catch (err) {
    return done(emptyResult(request, 'error', describeError(err), timer.timings(true)));
  }
  let resolveCheck: (result: ProbeResult) => void = () => undefined;
  let resolveExtended: (result: ProbeResult | null) => void = () => undefined;
  const check = new Promise<ProbeResult>((resolve) => (resolveCheck = resolve));
  const extended = new Promise<ProbeResult | null>((resolve) => (resolveExtended = resolve));
  // The request whose deadline runs now: SLB's check, then (past its timeout) the extended wait.
  let current: HttpProbeRequest = request;
  let extending = false;
  let settled = false;
  let connected = false;
  let bytesRead = 0;
  let headBuffer = Buffer.alloc(0);
  let head: ResponseHead | null = null;
  let bodyBytes = 0;
  let bodyTail = '';

  const resultOf = (outcome: ProbeOutcome, detail: string | null): ProbeResult => ({
    request: current,
    outcome,
    requestLine: wire.requestLine,
    statusCode: head?.statusCode ?? null,
    statusLine: head?.statusLine ?? null,
    location: head?.headers.get('location') ?? null,
    bytesRead,
    timings: timer.timings(true),
    detail,
  });
  const settle = (outcome: ProbeOutcome, detail: string | null): void => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    socket.destroy();
    const result = resultOf(outcome, detail);
    if (extending) resolveExtended(result);
    else {
      resolveCheck(result);
      resolveExtended(null);
    }
  };
  // Once the status is known the verdict is too; an unfinished body only adds a note.
  const settleWithStatus = (note: string | null): void => {
    if (!head) return;
    const codeClass = codeClassOf(head.statusCode);
    const accepted = codeClass !== null && current.acceptedCodes.includes(codeClass);
    const detail = accepted ? note : [`${head.statusCode} is not in ${current.acceptedCodes.join(',') || 'the accepted codes'}`, note].filter(Boolean).join('; ');
    settle(accepted ? 'ok' : 'status_not_accepted', detail);
  };
  const snippet = (): string => printableSnippet(headBuffer);
  const silence = (ms: number): [ProbeOutcome, string] =>
    bytesRead === 0 ? ['response_timeout', `connected, but no reply within ${ms} ms`] : ['response_timeout', `${bytesRead} bytes within ${ms} ms but the headers never ended: "${snippet()}"`];

  const onDeadline = (): void => {
    const ms = current.timeoutMs;
    if (!connected) return settle('connect_timeout', `no TCP connection within ${ms} ms`);
    if (head) return settleWithStatus(`body unfinished at the ${ms} ms deadline`);
    const [outcome, detail] = silence(ms);
    if (extending || extendedTimeoutMs <= request.timeoutMs) return settle(outcome, detail);
    // The check has timed out as SLB sees it; the same request now waits on for the extended wait.
    resolveCheck(resultOf(outcome, detail));
    extending = true;
    current = { ...request, timeoutMs: extendedTimeoutMs };
    deadline = setTimeout(onDeadline, extendedTimeoutMs - request.timeoutMs);
  };
  let deadline = setTimeout(onDeadline, request.timeoutMs);

  const bodyComplete = (): boolean => {
    if (!head) return false;
    if (bodyBytes >= MAX_BODY_BYTES) return true;
    if (head.contentLength !== null) return bodyBytes >= head.contentLength;
    return head.chunked && bodyTail.endsWith(CHUNKED_END);
  };
  const onBody = (chunk: Buffer): void => {
    bodyBytes += chunk.length;
    bodyTail = (bodyTail + chunk.subarray(Math.max(0, chunk.length - CHUNKED_END.length)).toString('latin1')).slice(-CHUNKED_END.length);
    if (bodyComplete()) settleWithStatus(null);
  };

  function onData(chunk: Buffer): void {
    if (settled) return;
    timer.markFirstByte();
    bytesRead += chunk.length;
    if (head) return onBody(chunk);
    // Keep at most one byte past the header cap: enough to know the cap was exceeded.
    const kept = chunk.subarray(0, MAX_HEADER_BYTES + 1 - headBuffer.length);
    headBuffer = headBuffer.length === 0 ? Buffer.from(kept) : Buffer.concat([headBuffer, kept]);
    const parsed = parseResponseHead(headBuffer);
    if (parsed.kind === 'tls') return settle('tls_on_plain_port', `the reply starts with ${parsed.reason}: "${snippet()}"`);
    if (parsed.kind === 'malformed') return settle('malformed_response', `${parsed.reason}: "${snippet()}"`);
    if (parsed.kind === 'incomplete') return;
    head = parsed.head;
    timer.markHeaders();
    if (hasNoBody(current.method, head.statusCode)) return settleWithStatus(null);
    onBody(headBuffer.subarray(head.headLength));
  }
  // The socket is reused by later probes (connections.ts): it is touched only until this probe has settled.
  const socket = connectProbeSocket(request.ip, request.port, {
    onConnect: () => {
      connected = true;
      timer.markConnect();
      socket.write(wire.bytes);
    },
    onData,
    onEnd: () => {
      if (head) settleWithStatus(null);
      else if (bytesRead === 0) settle('closed_no_response', 'the backend closed the connection without replying');
      else settle('malformed_response', `the backend closed the connection after ${bytesRead} bytes, before the headers ended: "${snippet()}"`);
    },
    onError: (err) => {
      const code = errnoOf(err);
      if (head) return settleWithStatus(`${code ?? 'error'} while reading the body`);
      if (!connected) return settle(connectErrorOutcome(code), describeError(err));
      if (code === 'ECONNRESET' || code === 'EPIPE') {
        return settle('reset', bytesRead === 0 ? `${code}: reset before any reply` : `${code} after ${bytesRead} bytes: "${snippet()}"`);
      }
      settle('error', describeError(err));
    },
    onClose: () => settle('closed_no_response', 'the connection closed without a reply'),
  });

  const cancel = (): void => {
    if (settled || !extending) return;
    settled = true;
    clearTimeout(deadline);
    socket.destroy();
    resolveExtended(null);
  };
  return { check, extended, cancel };
}
