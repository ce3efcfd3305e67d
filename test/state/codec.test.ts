// The notification state codec: one schema, defaults for what older documents lack, one-line problems with the path.
import { notifyStateCodec } from '../../lib/notify/state-codec';
import { recordFor } from './helpers';

describe('notifyStateCodec', () => {
  const context = { runId: 'r1', regionId: 'cn-hangzhou', at: 1, openBySeverity: { critical: 0, error: 1, warning: 0, info: 0 }, loadBalancersAffected: 1, uncovered: [] };

  it('reads a document written before claims named their owner, with the defaults', () => {
    const record = recordFor(1, 1);
    const item = { id: `r1:new:${record.fingerprint}`, event: 'new', fingerprint: record.fingerprint, at: 1, previousCode: null, summary: record.summary };
    const pending = { items: [item], overflow: 0, queuedAt: 1, attempts: 0, lastError: null, claim: { runId: 'r1', until: 5 }, contexts: { 'cn-hangzhou': context } };
    const decoded = notifyStateCodec.decode(JSON.stringify({ version: 1, revision: 4, records: { [record.fingerprint]: record }, pending: { hook: pending } }));
    expect(decoded).toEqual({
      ok: true,
      state: { version: 1, revision: 4, records: { [record.fingerprint]: record }, pending: { hook: { ...pending, claim: { runId: 'r1', until: 5, pid: -1, host: '' }, possibleRepeat: null } } },
    });
  });

  it('names the part, the field path and the type found', () => {
    const record = recordFor(1, 1);
    const bad = (patch: object) => notifyStateCodec.decode(JSON.stringify({ version: 1, revision: 0, records: {}, pending: {}, ...patch }));
    expect(bad({ records: { a: { ...record, presentRuns: 'two' } } })).toEqual({ ok: false, problem: 'record a has a bad presentRuns: must be a number, got a string' });
    expect(bad({ pending: { hook: { items: [], overflow: 0, queuedAt: 1, attempts: 0, lastError: null, contexts: {} }, other: 3 } })).toEqual({ ok: false, problem: 'pending digest other is not an object' });
    expect(bad({ version: 2 })).toEqual({ ok: false, problem: 'unknown version 2' });
    expect(notifyStateCodec.decode('[]')).toEqual({ ok: false, problem: 'not a JSON object' });
  });
});
