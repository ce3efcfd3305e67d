import OSS from 'ali-oss';
import { openNotifyStateStore as openStateStore, notifyStateCodec } from '../../lib/notify/state';
import { aliOssObjectApi, ossStateStore, type OssObjectApi } from '../../lib/state';
import { startOssEmulator, type OssEmulator } from '../../lib/sandbox/oss';
import { recordFor } from './helpers';

const KEY = { accessKeyId: 'LTAI5sandboxKey', accessKeySecret: 'sandbox-secret-1' };
const STS = { accessKeyId: 'STS.sandboxTemp', accessKeySecret: 'sts-secret', securityToken: 'sts-token-abc' };

describe('oss state store against the OSS emulator', () => {
  let oss: OssEmulator;
  beforeAll(async () => {
    oss = await startOssEmulator({ credentials: [KEY, STS] });
  });
  afterAll(async () => {
    await oss.stop();
  });

  it('creates the object, then updates it with conditional writes', async () => {
    const store = openStateStore('oss://doctor-state/runs/state.json', { credentials: KEY, ossEndpoint: oss.endpoint });
    expect((await store.load()).records).toEqual({});
    expect(store.warnings[0]).toMatch(/does not exist yet/);
    const record = recordFor(1, 1);
    await store.update((state) => {
      state.records[record.fingerprint] = record;
    });
    await store.update((state) => {
      state.records[record.fingerprint]!.presentRuns = 2;
    });
    const stored = JSON.parse(oss.read('doctor-state', 'runs/state.json') ?? '{}') as { revision: number };
    expect(stored.revision).toBe(2);
    expect((await store.load()).records[record.fingerprint]?.presentRuns).toBe(2);
  });

  it('uploads the document piece by piece as the codec makes them, never the whole text or bytes at once', async () => {
    const real = aliOssObjectApi({ bucket: 'doctor-state', credentials: KEY, endpoint: oss.endpoint });
    const pieceSizes: number[] = [];
    const api: OssObjectApi = {
      get: real.get,
      put: (key, content, condition) => {
        if (Buffer.isBuffer(content)) throw new Error('the whole document as one buffer');
        const counted = (function* () {
          for (const piece of content) {
            pieceSizes.push(piece.length);
            yield piece;
          }
        })();
        return real.put(key, counted, condition);
      },
    };
    const piecesOnly = { ...notifyStateCodec, encode: (): string => { throw new Error('the whole document as one string'); } };
    const store = ossStateStore(api, 'doctor-state', 'pieces/state.json', piecesOnly);
    const records = Array.from({ length: 300 }, (_, i) => recordFor(i, 1));
    await store.update((state) => {
      for (const record of records) state.records[record.fingerprint] = record;
    });
    const stored = notifyStateCodec.decode(oss.read('doctor-state', 'pieces/state.json') ?? '');
    if (!stored.ok) throw new Error(stored.problem);
    expect(Object.keys(stored.state.records)).toEqual(records.map((r) => r.fingerprint));
    expect(stored.state.revision).toBe(1);
    expect(pieceSizes.length).toBeGreaterThan(1);
    expect(Math.max(...pieceSizes)).toBeLessThan(80 * 1024);
  });

  it('reads the object once for a run of updates, and still never overwrites a write made in between', async () => {
    let gets = 0;
    const api = aliOssObjectApi({ bucket: 'doctor-state', credentials: KEY, endpoint: oss.endpoint });
    const counting = { get: (key: string) => ((gets += 1), api.get(key)), put: api.put };
    const mine = ossStateStore(counting, 'doctor-state', 'cached/state.json', notifyStateCodec);
    const other = openStateStore('oss://doctor-state/cached/state.json', { credentials: KEY, ossEndpoint: oss.endpoint });
    const [a, b, c] = [recordFor(1, 1), recordFor(2, 1), recordFor(3, 1)];
    await mine.update((state) => {
      state.records[a.fingerprint] = a;
    });
    await mine.update((state) => {
      state.records[a.fingerprint]!.presentRuns = 2;
    });
    // Its own writes are known: only the first update read the object.
    expect(gets).toBe(1);
    await other.update((state) => {
      state.records[b.fingerprint] = b;
    });
    await mine.update((state) => {
      state.records[c.fingerprint] = c;
    });
    // The conditional write on the known ETag lost (412), and the retry read the object with the other writer's record.
    expect(gets).toBe(2);
    const stored = JSON.parse(oss.read('doctor-state', 'cached/state.json') ?? '{}') as { revision: number; records: Record<string, { presentRuns: number }> };
    expect(Object.keys(stored.records).sort()).toEqual([a.fingerprint, b.fingerprint, c.fingerprint].sort());
    expect(stored.records[a.fingerprint]!.presentRuns).toBe(2);
    expect(stored.revision).toBe(4);
  });

  it('reads ahead for the next update, and a write made after that read still is never overwritten', async () => {
    let gets = 0;
    const api = aliOssObjectApi({ bucket: 'doctor-state', credentials: KEY, endpoint: oss.endpoint });
    const counting = { get: (key: string) => ((gets += 1), api.get(key)), put: api.put };
    const other = openStateStore('oss://doctor-state/ahead/state.json', { credentials: KEY, ossEndpoint: oss.endpoint });
    const [a, b, c] = [recordFor(1, 1), recordFor(2, 1), recordFor(3, 1)];
    await other.update((state) => {
      state.records[a.fingerprint] = a;
    });
    const mine = ossStateStore(counting, 'doctor-state', 'ahead/state.json', notifyStateCodec);
    mine.readAhead?.();
    // The read is on its way before any update asks for it, and the update uses it: one read.
    expect(gets).toBe(1);
    await mine.update((state) => {
      state.records[b.fingerprint] = b;
    });
    expect(gets).toBe(1);
    // Read ahead, then someone else writes: the conditional write loses (412) and the retry reads afresh.
    const late = ossStateStore(counting, 'doctor-state', 'ahead/state.json', notifyStateCodec);
    late.readAhead?.();
    await other.update((state) => {
      state.records[c.fingerprint] = c;
    });
    await late.update((state) => {
      state.records[a.fingerprint]!.presentRuns = 3;
    });
    expect(gets).toBe(3);
    const stored = JSON.parse(oss.read('doctor-state', 'ahead/state.json') ?? '{}') as { records: Record<string, { presentRuns: number }> };
    expect(Object.keys(stored.records).sort()).toEqual([a.fingerprint, b.fingerprint, c.fingerprint].sort());
    expect(stored.records[a.fingerprint]!.presentRuns).toBe(3);
  });

  it('loses nothing with two concurrent writers (one of them on STS credentials)', async () => {
    const writers = [
      openStateStore('oss://doctor-state/concurrent.json', { credentials: KEY, ossEndpoint: oss.endpoint }),
      openStateStore('oss://doctor-state/concurrent.json', { credentials: STS, ossEndpoint: oss.endpoint }),
    ];
    const before = oss.stats.preconditionFailed;
    await Promise.all(
      writers.map(async (store, writer) => {
        await Promise.all(
          Array.from({ length: 10 }, async (_, n) => {
            const record = recordFor(writer, n + 1);
            await store.update((state) => {
              state.records[record.fingerprint] = record;
            });
          }),
        );
      }),
    );
    const state = await writers[0]!.load();
    expect(Object.keys(state.records)).toHaveLength(20);
    expect(state.revision).toBe(20);
    // The writers really raced: some conditional writes lost and were redone on fresh state.
    expect(oss.stats.preconditionFailed).toBeGreaterThan(before);
  });

  it('copies a corrupt object aside, warns and starts fresh', async () => {
    const client = new OSS({ ...KEY, bucket: 'doctor-state', endpoint: oss.endpoint });
    await client.put('corrupt.json', Buffer.from('not json at all'));
    const store = openStateStore('oss://doctor-state/corrupt.json', { credentials: KEY, ossEndpoint: oss.endpoint });
    expect((await store.load()).records).toEqual({});
    await store.update((state) => {
      state.records.a = recordFor(3, 1);
    });
    expect(store.warnings.join('\n')).toMatch(/was corrupt \(not JSON.*copied aside to oss:\/\/doctor-state\/corrupt\.json\.corrupt-/);
    const aside = oss.keys('doctor-state').filter((k) => k.startsWith('corrupt.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(oss.read('doctor-state', aside[0]!)).toBe('not json at all');
    expect(JSON.parse(oss.read('doctor-state', 'corrupt.json') ?? '{}')).toMatchObject({ version: 2, revision: 1 });
  });

  it('turns a wrong secret, a wrong STS token and a missing bucket into one-line errors', async () => {
    const wrongSecret = openStateStore('oss://doctor-state/x.json', { credentials: { ...KEY, accessKeySecret: 'nope' }, ossEndpoint: oss.endpoint });
    await expect(wrongSecret.load()).rejects.toThrow(/OSS refused to read oss:\/\/doctor-state\/x\.json \(SignatureDoesNotMatch/);
    const wrongToken = openStateStore('oss://doctor-state/x.json', { credentials: { ...STS, securityToken: 'stolen' }, ossEndpoint: oss.endpoint });
    await expect(wrongToken.load()).rejects.toThrow(/InvalidSecurityToken/);

    const strict = await startOssEmulator({ credentials: KEY, buckets: ['only-this'] });
    try {
      const store = ossStateStore(aliOssObjectApi({ bucket: 'missing-bucket', credentials: KEY, endpoint: strict.endpoint }), 'missing-bucket', 's.json', notifyStateCodec);
      await expect(store.load()).rejects.toThrow(/bucket "missing-bucket" does not exist/);
    } finally {
      await strict.stop();
    }
  });

  it('answers a stale If-Match with 412 PreconditionFailed and the XML error body', async () => {
    const client = new OSS({ ...KEY, bucket: 'doctor-state', endpoint: oss.endpoint });
    const first = await client.put('cas.json', Buffer.from('1'));
    const etag = (first.res.headers as Record<string, string>).etag!;
    await client.put('cas.json', Buffer.from('2'), { headers: { 'If-Match': etag } });
    await expect(client.put('cas.json', Buffer.from('3'), { headers: { 'If-Match': etag } })).rejects.toMatchObject({ status: 412, code: 'PreconditionFailed' });
    await expect(client.put('cas.json', Buffer.from('4'), { headers: { 'If-None-Match': '*' } })).rejects.toMatchObject({ status: 412 });
    const head = await client.head('cas.json');
    expect((head.res.headers as Record<string, string>).etag).not.toBe(etag);
    await client.delete('cas.json');
    await expect(client.head('cas.json')).rejects.toMatchObject({ status: 404 });
  });
});
