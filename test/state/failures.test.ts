// State that cannot be used is loud and safe: every state operation ends within bounds with one line naming the path
// and the cause, and a delivery without state goes out once as a possible repeat (dedup off), never as "new".
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { notifyRun, openNotifyStateStore, parseTargets, type NotifyReport, type NotifyStateStore } from '../../lib/notify';
import { startOssEmulator, type OssEmulator } from '../../lib/sandbox/oss';
import { startWebhookSinks, type WebhookSinks } from '../../lib/sandbox/webhooks';
import { VirtualClock } from '../notify/clock';
import { makeFinding, wholeRegion } from '../notify/fixtures';

const KEY = { accessKeyId: 'LTAI.state', accessKeySecret: 'state-secret' };

describe('state that cannot be used', () => {
  let dir: string;
  let sinks: WebhookSinks;
  let oss: OssEmulator;
  const clock = new VirtualClock();

  beforeAll(async () => {
    sinks = await startWebhookSinks({ clock });
    oss = await startOssEmulator({ credentials: KEY, buckets: ['doctor-state'] });
  });
  afterAll(async () => {
    await Promise.all([sinks.stop(), oss.stop()]);
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slb-doctor-state-fail-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const deliver = (store: NotifyStateStore): Promise<NotifyReport> => {
    clock.advance(5 * 60_000);
    const { targets } = parseTargets(JSON.stringify([{ name: 'hook', kind: 'webhook', url: sinks.urls.webhook, secret: sinks.secrets.webhook }]), 't');
    return notifyRun({ findings: [makeFinding()], regionId: 'cn-hangzhou', examined: wholeRegion(), targets, store, clock });
  };

  /** What every unusable state must produce: one problem line with the path and the cause, dedup off, delivered as a possible repeat. */
  const expectLoudAndSafe = (report: NotifyReport, location: string, cause: RegExp): void => {
    expect(report).toMatchObject({ complete: false, dedup: 'off', state: { location, loaded: false, saved: false } });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toContain(location);
    expect(report.problems[0]).toMatch(cause);
    expect(report.problems[0]).not.toContain('\n');
    expect(report.targets[0]).toMatchObject({ status: 'sent', possibleRepeat: true, events: { new: 0, repeat: 1 } });
    expect(report.counts.new).toBe(0);
  };

  it('a parent that is a file: ENOTDIR, named with the path', async () => {
    await fs.writeFile(path.join(dir, 'plain-file'), 'x');
    const file = path.join(dir, 'plain-file', 'state.json');
    const store = openNotifyStateStore(`file:${file}`);
    await expect(store.update(() => undefined)).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}.*ENOTDIR`));
    expectLoudAndSafe(await deliver(store), `file:${file}`, /ENOTDIR/);
  });

  it('a parent that cannot be created (under /proc/1/) fails at once instead of spinning on mkdir', async () => {
    const store = openNotifyStateStore('file:/proc/1/slb-doctor/state.json');
    await expect(store.load()).resolves.toMatchObject({ records: {} }); // reading a missing file is fine
    await expect(store.update(() => undefined)).rejects.toThrow(/cannot create directory \/proc\/1\/slb-doctor for state file \/proc\/1\/slb-doctor\/state\.json \(ENOENT: \/proc\/1 does not allow new entries\)/);
    expectLoudAndSafe(await deliver(store), 'file:/proc/1/slb-doctor/state.json', /ENOENT/);
  }, 10_000);

  it('an OSS bucket that does not exist: NoSuchBucket, named with the bucket', async () => {
    const store = openNotifyStateStore('oss://missing-bucket/state.json', { credentials: KEY, ossEndpoint: oss.endpoint });
    expectLoudAndSafe(await deliver(store), 'oss://missing-bucket/state.json', /bucket "missing-bucket" does not exist/);
  });

  it('a corrupt file is moved aside, and the run reports it as a warning while dedup stays on', async () => {
    const file = path.join(dir, 'state.json');
    await fs.writeFile(file, '{"version":1,"revision":3,"records":{"x":');
    const report = await deliver(openNotifyStateStore(`file:${file}`));
    expect(report).toMatchObject({ complete: true, dedup: 'on', problems: [], state: { loaded: true, saved: true } });
    expect(report.state.warnings.join('\n')).toMatch(/state file:.*state\.json was corrupt \(not JSON.*moved aside to .*state\.json\.corrupt-/);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('state.json.corrupt-'))).toHaveLength(1);
  });

  it('a directory this user may not write: EACCES, named with the path', async () => {
    const locked = path.join(dir, 'locked');
    await fs.mkdir(locked, { mode: 0o755 });
    const file = path.join(locked, 'state.json');
    if (process.getuid?.() !== 0) {
      await fs.chmod(locked, 0o555);
      const report = await deliver(openNotifyStateStore(`file:${file}`));
      expectLoudAndSafe(report, `file:${file}`, /EACCES/);
      return;
    }
    // Root writes anywhere: run the store as the unprivileged user "nobody" in a child process instead.
    const bundleDir = path.join(dir, 'bundle');
    await fs.mkdir(bundleDir, { mode: 0o755 });
    await fs.chmod(dir, 0o755);
    const worker = path.join(bundleDir, 'writer.js');
    buildSync({
      stdin: {
        contents: `
          const { fileStateStore } = require('./lib/state/file-store');
          const { notifyStateCodec } = require('./lib/notify/state-codec');
          fileStateStore(process.argv[2], notifyStateCodec).update(() => undefined).then(
            () => { console.log('written'); },
            (err) => { console.log(err.message); });`,
        resolveDir: path.resolve(__dirname, '../..'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      outfile: worker,
      logLevel: 'silent',
    });
    await fs.chmod(worker, 0o644);
    const { stdout } = await promisify(execFile)(process.execPath, [worker, file], { uid: 65534, gid: 65534 });
    expect(stdout.trim()).toBe(`cannot create lock file ${file}.lock (EACCES); check that the directory is writable`);
  });
});
