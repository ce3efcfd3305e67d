// The probe batch wire contract and the probe function's CIDR guard.
import { parseCidrList, targetRefusal } from '../../lib/fanout/cidr';
import { parseIpv4 } from '../../lib/util/ipv4';
import { MAX_PROBE_BATCH, parseProbeBatchRequest, parseProbeBatchResponse } from '../../lib/fanout/protocol';
import { UserFacingError } from '../../lib/util/errors';
import { job, okEvidence } from './jobs';

describe('parseProbeBatchRequest', () => {
  test('accepts valid jobs and a budget', () => {
    const jobs = [job({ id: 'lb-a/http:80/127.0.0.11:80' }), job({ id: 'lb-a/udp:53/127.0.0.12:53', checkType: 'udp', udpRequest: 'ping', udpExpect: 'pong' })];
    expect(parseProbeBatchRequest({ jobs, budgetMs: 5000 })).toEqual({ jobs, budgetMs: 5000 });
    expect(parseProbeBatchRequest({ jobs: [] }).budgetMs).toBeNull();
  });

  test('names the bad fields, and refuses header injection', () => {
    const bad = { ...job({ id: 'x' }), checkPort: 70000, host: 'a\r\nX-Evil: 1', method: 'DELETE' };
    expect(() => parseProbeBatchRequest({ jobs: [bad] })).toThrow(/jobs\[0\]\.checkPort.*jobs\[0\]\.method.*jobs\[0\]\.host/);
  });

  test('requires the typed target and names its bad fields by path', () => {
    const { target: _dropped, ...withoutTarget } = job({ id: 'no-target' });
    expect(_dropped.loadBalancerId).toBe('lb-fanout');
    expect(() => parseProbeBatchRequest({ jobs: [withoutTarget] })).toThrow(/jobs\[0\]\.target is missing/);
    const badPort = job({ id: 'bad-port' });
    const wrong = { ...badPort, target: { ...badPort.target, listener: { protocol: 'http', port: 0 } } };
    expect(() => parseProbeBatchRequest({ jobs: [wrong] })).toThrow(/jobs\[0\]\.target\.listener\.port must be a port from 1 to 65535/);
  });

  test('refuses a non-batch, an oversized batch, duplicate ids and a bad budget', () => {
    expect(() => parseProbeBatchRequest([])).toThrow(UserFacingError);
    expect(() => parseProbeBatchRequest({ jobs: Array.from({ length: MAX_PROBE_BATCH + 1 }, (_, i) => job({ id: `j${i}` })) })).toThrow(`more than the ${MAX_PROBE_BATCH} allowed`);
    expect(() => parseProbeBatchRequest({ jobs: [job({ id: 'same' }), job({ id: 'same' })] })).toThrow(/appears twice/);
    expect(() => parseProbeBatchRequest({ jobs: [], budgetMs: 'soon' })).toThrow(/budgetMs/);
  });
});

describe('parseProbeBatchResponse', () => {
  const a = job({ id: 'a' });
  const b = job({ id: 'b' });

  test('keeps evidence for sent jobs only, each once', () => {
    const body = JSON.stringify({ evidence: [okEvidence(a), okEvidence(a), okEvidence(job({ id: 'invented' }))] });
    expect(parseProbeBatchResponse(body, new Set([a.id, b.id])).map((e) => e.jobId)).toEqual(['a']);
  });

  test('carries every variant label the evidence collection makes, the User-Agent variant included', () => {
    const base = okEvidence(a);
    const labels = ['get', 'user-agent', 'repeat-1', 'repeat-2', 'repeat-3'] as const;
    const evidence = { ...base, variants: labels.map((label) => ({ label, result: base.replay })) };
    expect(parseProbeBatchResponse(JSON.stringify({ evidence: [evidence] }), new Set([a.id]))[0]?.variants.map((variant) => variant.label)).toEqual([...labels]);
    const invented = { ...base, variants: [{ label: 'guess', result: base.replay }] };
    expect(() => parseProbeBatchResponse(JSON.stringify({ evidence: [invented] }), new Set([a.id]))).toThrow(/malformed evidence/);
  });

  test('refuses a reply that is not JSON or has no evidence list or malformed evidence', () => {
    expect(() => parseProbeBatchResponse('<html>', new Set())).toThrow(/not JSON/);
    expect(() => parseProbeBatchResponse('{"result":[]}', new Set())).toThrow(/"evidence"/);
    expect(() => parseProbeBatchResponse(JSON.stringify({ evidence: [{ jobId: 'a' }] }), new Set(['a']))).toThrow(/malformed evidence/);
    const noOutcome = { ...okEvidence(a), replay: { ...okEvidence(a).replay, outcome: 'fine' } };
    expect(() => parseProbeBatchResponse(JSON.stringify({ evidence: [noOutcome] }), new Set(['a']))).toThrow(/malformed evidence \(evidence\.replay\.outcome /);
  });
});

describe('CIDR guard', () => {
  const allowed = parseCidrList('127.0.0.0/25, 10.1.0.0/16', 'SLB_DOCTOR_PROBE_ALLOWED_CIDRS');

  test('allows addresses inside the listed CIDRs only', () => {
    expect(targetRefusal('127.0.0.11', allowed)).toBeNull();
    expect(targetRefusal('10.1.255.254', allowed)).toBeNull();
    expect(targetRefusal('127.0.0.200', allowed)).toMatch(/outside the allowed CIDRs/);
    expect(targetRefusal('169.254.169.254', allowed)).toMatch(/outside/);
    expect(targetRefusal('localhost', allowed)).toMatch(/not an IPv4 address/);
    expect(targetRefusal('127.0.0.011', allowed)).toMatch(/not an IPv4 address/);
  });

  test('is required and cannot be opened to everything', () => {
    expect(() => parseCidrList(undefined, 'SLB_DOCTOR_PROBE_ALLOWED_CIDRS')).toThrow(/SLB_DOCTOR_PROBE_ALLOWED_CIDRS is not set/);
    expect(() => parseCidrList('0.0.0.0/0', 'X')).toThrow(/wider than \/8/);
    expect(() => parseCidrList('10.0.0.1/8', 'X')).toThrow(/did you mean 10\.0\.0\.0\/8/);
    expect(() => parseCidrList('10.0.0.0', 'X')).toThrow(/not an IPv4 CIDR/);
  });

  test('parseIpv4 reads dotted quads only', () => {
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('1.2.3')).toBeNull();
    expect(parseIpv4('1.2.3.256')).toBeNull();
  });
});
