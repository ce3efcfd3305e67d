import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { notifyStateCodec } from '../../lib/notify/state';
import { fileStateStore as genericFileStore, openStateStore as openGeneric, type FileStateStoreOptions } from '../../lib/state';
import { UserFacingError } from '../../lib/util/errors';
import { recordFor } from './helpers';

const fileStateStore = (file: string, options?: FileStateStoreOptions) => genericFileStore(file, notifyStateCodec, options);
const openStateStore = (url: string, deps?: Parameters<typeof openGeneric>[2]) => openGeneric(url, notifyStateCodec, deps);

describe('file state store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slb-doctor-state-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('starts fresh with a warning when the file does not exist, then persists updates', async () => {
    const file = path.join(dir, 'nested', 'state.json');
    const warnings: string[] = [];
    const store = openStateStore(`file:${file}`, { logger: { warn: (m) => warnings.push(m) } });
    const fresh = await store.load();
    expect(fresh.records).toEqual({});
    expect(warnings[0]).toMatch(/does not exist yet/);
    const record = recordFor(1, 1);
    await store.update((state) => {
      state.records[record.fingerprint] = record;
    });
    const reread = await fileStateStore(file).load();
    expect(reread.records[record.fingerprint]?.summary.code).toBe('PORT_CLOSED');
    expect(reread.revision).toBe(1);
    expect((await fs.readdir(path.dirname(file))).sort()).toEqual(['state.json']); // no temp or lock files left
  });

  it('loses no update when two writers (separate store instances, as two processes would be) interleave', async () => {
    const file = path.join(dir, 'state.json');
    const writers = [fileStateStore(file), fileStateStore(file)];
    await Promise.all(
      writers.map(async (store, writer) => {
        for (let n = 1; n <= 15; n++) {
          const record = recordFor(writer, n);
          await store.update((state) => {
            state.records[record.fingerprint] = record;
          });
        }
      }),
    );
    const state = await fileStateStore(file).load();
    expect(Object.keys(state.records)).toHaveLength(30);
    expect(state.revision).toBe(30);
  });

  it('loses no update when two separate processes write at once', async () => {
    const file = path.join(dir, 'state.json');
    const worker = path.join(dir, 'writer.js');
    // A tiny program that adds 20 records of its own, one read-modify-write each.
    buildSync({
      stdin: {
        contents: `
          const { fileStateStore } = require('./lib/state/file-store');
          const { notifyStateCodec } = require('./lib/notify/state-codec');
          const { recordFor } = require('./test/state/helpers');
          (async () => {
            const writer = Number(process.argv[2]);
            const store = fileStateStore(process.argv[3], notifyStateCodec);
            for (let n = 1; n <= 20; n++) {
              const record = recordFor(writer, n);
              await store.update((state) => { state.records[record.fingerprint] = record; });
            }
          })().catch((err) => { console.error(err); process.exit(1); });`,
        resolveDir: path.resolve(__dirname, '../..'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      outfile: worker,
      logLevel: 'silent',
    });
    const run = promisify(execFile);
    await Promise.all([run(process.execPath, [worker, '1', file]), run(process.execPath, [worker, '2', file])]);
    const state = await fileStateStore(file).load();
    expect(Object.keys(state.records)).toHaveLength(40);
    expect(state.revision).toBe(40);
  });

  it('moves a corrupt file aside, warns, and starts fresh', async () => {
    const file = path.join(dir, 'state.json');
    await fs.writeFile(file, '{"version":1,"revision":3,"records":{"x":');
    const store = fileStateStore(file);
    const state = await store.load();
    expect(state.records).toEqual({});
    expect(store.warnings.join('\n')).toMatch(/corrupt \(not JSON.*moved aside to .*state\.json\.corrupt-/);
    const files = await fs.readdir(dir);
    expect(files.some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
    await store.update((s) => {
      s.records.a = recordFor(1, 2);
    });
    expect((await fileStateStore(file).load()).records.a).toBeDefined();
  });

  it('treats a document of another shape as corrupt too', async () => {
    const file = path.join(dir, 'state.json');
    await fs.writeFile(file, JSON.stringify({ version: 1, revision: 0, records: { a: { fingerprint: 'a' } }, pending: {} }));
    const store = fileStateStore(file);
    await store.update(() => undefined);
    expect(store.warnings.join('\n')).toMatch(/record a has no subjectKey/);
  });

  it('breaks a stale lock left by a crashed run, and gives up on a live one with a clear error', async () => {
    const file = path.join(dir, 'state.json');
    await fs.writeFile(`${file}.lock`, 'crashed');
    const old = new Date(Date.now() - 120_000);
    await fs.utimes(`${file}.lock`, old, old);
    const store = fileStateStore(file, { staleLockMs: 60_000 });
    await store.update(() => undefined);
    expect(store.warnings.join('\n')).toMatch(/broke a stale lock/);

    await fs.writeFile(`${file}.lock`, 'alive');
    const blocked = fileStateStore(file, { lockWaitMs: 100 });
    await expect(blocked.update(() => undefined)).rejects.toThrow(UserFacingError);
    await expect(blocked.update(() => undefined)).rejects.toThrow(/stayed locked .* delete .*state\.json\.lock/);
  });

  it('breaks at once a fresh lock whose holder process on this host is gone (a run killed mid-write)', async () => {
    const file = path.join(dir, 'state.json');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await fs.writeFile(`${file}.lock`, `${os.hostname()}:${gone.stdout}:${randomUUID()}`);
    const store = fileStateStore(file, { lockWaitMs: 100 });
    await store.update(() => undefined);
    expect(store.warnings.join('\n')).toContain(`broke the lock on file:${file} left by process ${gone.stdout}, which is gone`);
    // A fresh lock of a live process is respected.
    await fs.writeFile(`${file}.lock`, `${os.hostname()}:${process.pid}:${randomUUID()}`);
    await expect(fileStateStore(file, { lockWaitMs: 100 }).update(() => undefined)).rejects.toThrow(/stayed locked/);
  });

  it('rejects unsupported state URLs with one line', () => {
    expect(() => openStateStore('s3://bucket/key')).toThrow(/not supported; use file:/);
    expect(() => openStateStore('file:')).toThrow(/has no path/);
    expect(() => openStateStore('oss://Bad_Bucket/key', { credentials: { accessKeyId: 'a', accessKeySecret: 'b' } })).toThrow(/not an OSS bucket name/);
    expect(() => openStateStore('oss://bucket-1/', { credentials: { accessKeyId: 'a', accessKeySecret: 'b' } })).toThrow(/names no object key/);
    expect(() => openStateStore('oss://bucket-1/state.json')).toThrow(/needs credentials/);
  });
});
