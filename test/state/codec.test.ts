// The notification state codec: one schema, defaults for what older documents lack, one-line problems with the path.
import { notifyStateCodec } from '../../lib/notify/state-codec';
import type { DigestItem, FindingSummary, FingerprintRecord, NotifyState, PendingDigest } from '../../lib/notify/vocabulary';
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
      state: { version: 2, revision: 4, records: { [record.fingerprint]: record }, pending: { hook: { ...pending, claim: { runId: 'r1', until: 5, pid: -1, host: '' }, possibleRepeat: null } } },
    });
  });

  it('names the part, the field path and the type found', () => {
    const record = recordFor(1, 1);
    const bad = (patch: object) => notifyStateCodec.decode(JSON.stringify({ version: 1, revision: 0, records: {}, pending: {}, ...patch }));
    expect(bad({ records: { a: { ...record, presentRuns: 'two' } } })).toEqual({ ok: false, problem: 'record a has a bad presentRuns: must be a number, got a string' });
    expect(bad({ pending: { hook: { items: [], overflow: 0, queuedAt: 1, attempts: 0, lastError: null, contexts: {} }, other: 3 } })).toEqual({ ok: false, problem: 'pending digest other is not an object' });
    expect(bad({ version: 3 })).toEqual({ ok: false, problem: 'unknown version 3' });
    expect(notifyStateCodec.decode('[]')).toEqual({ ok: false, problem: 'not a JSON object' });
  });

  describe('each summary stored once', () => {
    const queued = (record: FingerprintRecord, summary: FindingSummary = record.summary): DigestItem => ({
      id: `r1:new:${record.fingerprint}`, event: 'new', fingerprint: record.fingerprint, at: 1, previousCode: null, summary,
    });
    const digestOf = (items: DigestItem[]): PendingDigest => ({ items, overflow: 0, queuedAt: 1, attempts: 0, lastError: null, claim: null, possibleRepeat: null, contexts: { 'cn-hangzhou': context } });
    const stateOf = (records: FingerprintRecord[], pending: Record<string, PendingDigest>): NotifyState => ({
      version: 2, revision: 1, records: Object.fromEntries(records.map((r) => [r.fingerprint, r])), pending,
    });

    it('writes a queued summary that is its record\'s only in the record, and reads it back shared', () => {
      const record = recordFor(1, 1);
      const state = stateOf([record], { a: digestOf([queued(record)]), b: digestOf([queued(record)]) });
      const text = notifyStateCodec.encode(state);
      const written = JSON.parse(text) as { pending: Record<string, { items: object[] }> };
      expect(written.pending.a!.items[0]).not.toHaveProperty('summary');
      expect(text.split('"summary"')).toHaveLength(2);
      const decoded = notifyStateCodec.decode(text);
      if (!decoded.ok) throw new Error(decoded.problem);
      expect(decoded.state).toEqual(state);
      const shared = decoded.state.records[record.fingerprint]!.summary;
      expect(decoded.state.pending.a!.items[0]!.summary).toBe(shared);
      expect(decoded.state.pending.b!.items[0]!.summary).toBe(shared);
    });

    it('keeps a summary that differs from its record, or whose record is gone (a resolved notice)', () => {
      const record = recordFor(1, 1);
      const resolved = recordFor(1, 2);
      const earlier = { ...record.summary, cause: 'as first seen' };
      const state = stateOf([record], { a: digestOf([queued(record, earlier), { ...queued(resolved), event: 'resolved' }]) });
      const decoded = notifyStateCodec.decode(notifyStateCodec.encode(state));
      expect(decoded).toEqual({ ok: true, state });
    });

    it('migrates a version-1 document: equal copies become one summary, written once', () => {
      const record = recordFor(1, 1);
      const copy = JSON.parse(JSON.stringify(record.summary)) as FindingSummary;
      const decoded = notifyStateCodec.decode(JSON.stringify({ ...stateOf([record], { a: digestOf([queued(record, copy)]) }), version: 1 }));
      if (!decoded.ok) throw new Error(decoded.problem);
      expect(decoded.state.version).toBe(2);
      expect(decoded.state.pending.a!.items[0]!.summary).toBe(decoded.state.records[record.fingerprint]!.summary);
      expect(notifyStateCodec.encode(decoded.state).split('"summary"')).toHaveLength(2);
    });

    it('counts an item left without a summary and without its record as corrupt', () => {
      const record = recordFor(1, 1);
      const { summary: _omitted, ...bare } = queued(record);
      const decoded = notifyStateCodec.decode(JSON.stringify(stateOf([], { a: { ...digestOf([]), items: [bare as DigestItem] } })));
      expect(decoded).toEqual({ ok: false, problem: 'pending digest a has no items[0].summary' });
    });
  });

  it('encodes a large document in pieces whose concatenation is the document, each piece a record or a few', () => {
    const records = Array.from({ length: 400 }, (_, i) => recordFor(i, 1));
    const items = records.slice(0, 50).map((record) => ({ id: `r1:new:${record.fingerprint}`, event: 'new' as const, fingerprint: record.fingerprint, at: 1, previousCode: null, summary: record.summary }));
    const state: NotifyState = {
      version: 2,
      revision: 7,
      records: Object.fromEntries(records.map((r) => [r.fingerprint, r])),
      pending: { hook: { items, overflow: 0, queuedAt: 1, attempts: 0, lastError: null, claim: null, possibleRepeat: null, contexts: { 'cn-hangzhou': context } } },
    };
    const pieces = [...(notifyStateCodec.encodeChunks?.(state) ?? [])];
    const text = pieces.join('');
    expect(text).toBe(notifyStateCodec.encode(state));
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ ...state, pending: { hook: { ...state.pending.hook, items: items.map(({ summary: _shared, ...rest }) => rest) } } })));
    expect(notifyStateCodec.decode(text)).toEqual({ ok: true, state });
    const longest = Math.max(...records.map((r) => JSON.stringify(r).length));
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeLessThan(64 * 1024 + longest + 100);
  });
});
