// HTTP prober: one TCP connection, the check's request written byte for byte, the reply parsed strictly.
// One deadline for the whole probe and byte caps on headers and body, so no backend can hang or flood a run.
import * as net from 'node:net';
import type { HttpProbeRequest, ProbeOutcome, ProbeResult } from '../model';
import { buildHttpRequest, codeClassOf, hasNoBody, MAX_BODY_BYTES, MAX_HEADER_BYTES, parseResponseHead, type HttpRequestWire, type ResponseHead } from './http-wire';
import { connectErrorOutcome, describeError, emptyResult, errnoOf, invalidTarget, PhaseTimer, printableSnippet } from './result';

const CHUNKED_END = '0\r\n\r\n';

export function probeHttp(request: HttpProbeRequest): Promise<ProbeResult> {
  const timer = new PhaseTimer();
  const invalid = invalidTarget(request);
  if (invalid !== null) return Promise.resolve(emptyResult(request, 'error', invalid, timer.timings(true)));
  let wire: HttpRequestWire;
  try {
    wire = buildHttpRequest(request);
  } catch (err) {
    return Promise.resolve(emptyResult(request, 'error', describeError(err), timer.timings(true)));
  }
  return new Promise<ProbeResult>((resolve) => {
    const socket = net.connect({ host: request.ip, port: request.port });
    let settled = false;
    let connected = false;
    let bytesRead = 0;
    let headBuffer = Buffer.alloc(0);
    let head: ResponseHead | null = null;
    let bodyBytes = 0;
    let bodyTail = '';

    const settle = (outcome: ProbeOutcome, detail: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve({
        request,
        outcome,
        requestLine: wire.requestLine,
        statusCode: head?.statusCode ?? null,
        statusLine: head?.statusLine ?? null,
        location: head?.headers.get('location') ?? null,
        bytesRead,
        timings: timer.timings(true),
        detail,
      });
    };
    // Once the status is known the verdict is too; an unfinished body only adds a note.
    const settleWithStatus = (note: string | null): void => {
      if (!head) return;
      const codeClass = codeClassOf(head.statusCode);
      const accepted = codeClass !== null && request.acceptedCodes.includes(codeClass);
      const detail = accepted ? note : [`${head.statusCode} is not in ${request.acceptedCodes.join(',') || 'the accepted codes'}`, note].filter(Boolean).join('; ');
      settle(accepted ? 'ok' : 'status_not_accepted', detail);
    };
    const snippet = (): string => printableSnippet(headBuffer);

    const deadline = setTimeout(() => {
      if (!connected) settle('connect_timeout', `no TCP connection within ${request.timeoutMs} ms`);
      else if (head) settleWithStatus(`body unfinished at the ${request.timeoutMs} ms deadline`);
      else if (bytesRead === 0) settle('response_timeout', `connected, but no reply within ${request.timeoutMs} ms`);
      else settle('response_timeout', `${bytesRead} bytes within ${request.timeoutMs} ms but the headers never ended: "${snippet()}"`);
    }, request.timeoutMs);

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

    socket.on('connect', () => {
      connected = true;
      timer.markConnect();
      socket.write(wire.bytes);
    });
    socket.on('data', (chunk: Buffer) => {
      timer.markFirstByte();
      bytesRead += chunk.length;
      if (head) return onBody(chunk);
      // Keep at most one byte past the header cap: enough to know the cap was exceeded.
      headBuffer = Buffer.concat([headBuffer, chunk.subarray(0, MAX_HEADER_BYTES + 1 - headBuffer.length)]);
      const parsed = parseResponseHead(headBuffer);
      if (parsed.kind === 'tls') return settle('tls_on_plain_port', `the reply starts with ${parsed.reason}: "${snippet()}"`);
      if (parsed.kind === 'malformed') return settle('malformed_response', `${parsed.reason}: "${snippet()}"`);
      if (parsed.kind === 'incomplete') return;
      head = parsed.head;
      timer.markHeaders();
      if (hasNoBody(request.method, head.statusCode)) return settleWithStatus(null);
      onBody(headBuffer.subarray(head.headLength));
    });
    socket.on('end', () => {
      if (head) settleWithStatus(null);
      else if (bytesRead === 0) settle('closed_no_response', 'the backend closed the connection without replying');
      else settle('malformed_response', `the backend closed the connection after ${bytesRead} bytes, before the headers ended: "${snippet()}"`);
    });
    socket.on('error', (err) => {
      const code = errnoOf(err);
      if (head) return settleWithStatus(`${code ?? 'error'} while reading the body`);
      if (!connected) return settle(connectErrorOutcome(code), describeError(err));
      if (code === 'ECONNRESET' || code === 'EPIPE') {
        return settle('reset', bytesRead === 0 ? `${code}: reset before any reply` : `${code} after ${bytesRead} bytes: "${snippet()}"`);
      }
      settle('error', describeError(err));
    });
    socket.on('close', () => settle('closed_no_response', 'the connection closed without a reply'));
  });
}
