// `file:` state: one JSON file (local disk or an FC NAS mount). Writers serialise on an exclusive lock file created
// with O_EXCL (atomic on local disks and NFSv3+), and replace the state by temp file + rename, so a reader never
// sees half a document and two processes never lose each other's updates.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { systemClock, type Clock } from '../util/clock';
import { UserFacingError, errorMessage } from '../util/errors';
import { knownDead, thisProcessIdentity } from '../util/liveness';
import type { Revisioned, StateCodec, StateLogger, StateStore } from './types';

export interface FileStateStoreOptions {
  logger?: StateLogger;
  /** How long to wait for another process's lock before giving up (bounded: a run never hangs on a lock). */
  lockWaitMs?: number;
  /** A lock older than this is left over by a crashed process and is broken. */
  staleLockMs?: number;
  clock?: Clock;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Directories created at most for one state file: a deeper missing tree is a typo, not a layout. */
const MAX_MISSING_DIRECTORIES = 32;
/** Lock attempts per operation, on top of the time bound (a lock that cannot be broken must not spin). */
const MAX_LOCK_ATTEMPTS = 1_000;

/**
 * Creates the missing directories above `filePath` one level at a time. Not `mkdir({ recursive: true })`: on a
 * parent that refuses new entries with ENOENT (anything under /proc/<pid>/) Node's recursive mkdir retries forever.
 */
async function ensureDirectory(directory: string, filePath: string): Promise<void> {
  const missing: string[] = [];
  for (let current = directory; missing.length <= MAX_MISSING_DIRECTORIES; current = path.dirname(current)) {
    try {
      const stat = await fs.stat(current);
      if (!stat.isDirectory()) {
        throw new UserFacingError(`cannot use state file ${filePath}: ${current} is not a directory (ENOTDIR)`, 'STATE_UNWRITABLE');
      }
      break;
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      const code = errnoCode(err);
      if (code === 'ENOTDIR') throw new UserFacingError(`cannot use state file ${filePath}: a parent of ${current} is not a directory (ENOTDIR)`, 'STATE_UNWRITABLE', { cause: err });
      if (code !== 'ENOENT') throw new UserFacingError(`cannot use state file ${filePath}: cannot look at ${current} (${code ?? errorMessage(err)})`, 'STATE_UNWRITABLE', { cause: err });
      if (current === path.dirname(current)) break;
      missing.unshift(current);
    }
  }
  if (missing.length > MAX_MISSING_DIRECTORIES) {
    throw new UserFacingError(`cannot use state file ${filePath}: more than ${MAX_MISSING_DIRECTORIES} of its directories are missing; check the path`, 'STATE_UNWRITABLE');
  }
  for (const dir of missing) {
    try {
      await fs.mkdir(dir);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') continue;
      throw new UserFacingError(
        `cannot create directory ${dir} for state file ${filePath} (${code ?? errorMessage(err)}${code === 'ENOENT' ? `: ${path.dirname(dir)} does not allow new entries` : ''}); choose a writable path`,
        'STATE_UNWRITABLE',
        { cause: err },
      );
    }
  }
}

class FileStateStore<S extends Revisioned> implements StateStore<S> {
  readonly location: string;
  readonly warnings: string[] = [];
  private readonly lockPath: string;
  private readonly lockWaitMs: number;
  private readonly staleLockMs: number;
  private readonly clock: Clock;
  private reportedMissing = false;

  constructor(
    private readonly filePath: string,
    private readonly codec: StateCodec<S>,
    private readonly options: FileStateStoreOptions,
  ) {
    this.location = `file:${filePath}`;
    this.lockPath = `${filePath}.lock`;
    this.lockWaitMs = options.lockWaitMs ?? 15_000;
    this.staleLockMs = options.staleLockMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.logger?.warn(message);
  }

  private async readText(): Promise<string | null> {
    try {
      return await fs.readFile(this.filePath, 'utf8');
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return null;
      throw new UserFacingError(`cannot read state file ${this.filePath} (${code ?? errorMessage(err)}); check the path and its permissions`, 'STATE_UNREADABLE', { cause: err });
    }
  }

  /** Reads the state; `recover` (only under the lock) moves a corrupt file aside so the next write starts clean. */
  private async read(recover: boolean): Promise<{ state: S; corrupt: boolean }> {
    const text = await this.readText();
    if (text === null) {
      if (!this.reportedMissing) {
        this.reportedMissing = true;
        this.warn(`state ${this.location} does not exist yet: starting with empty state`);
      }
      return { state: this.codec.empty(), corrupt: false };
    }
    const decoded = this.codec.decode(text);
    if (decoded.ok) return { state: decoded.state, corrupt: false };
    if (recover) {
      const aside = `${this.filePath}.corrupt-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(this.filePath, aside).catch((err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return;
        throw new UserFacingError(`state file ${this.filePath} is corrupt (${decoded.problem}) and cannot be moved aside (${errnoCode(err) ?? errorMessage(err)})`, 'STATE_UNWRITABLE', { cause: err });
      });
      this.warn(`state ${this.location} was corrupt (${decoded.problem}): moved aside to ${aside}, starting with empty state`);
    }
    return { state: this.codec.empty(), corrupt: true };
  }

  async load(): Promise<S> {
    const first = await this.read(false);
    if (!first.corrupt) return first.state;
    return this.withLock(async () => (await this.read(true)).state);
  }

  async update<T>(mutator: (state: S) => T): Promise<T> {
    return this.withLock(async () => {
      const { state } = await this.read(true);
      const result = mutator(state);
      state.revision += 1;
      await this.writeAtomically(this.codec.encode(state));
      return result;
    });
  }

  private async writeAtomically(text: string): Promise<void> {
    const temp = `${this.filePath}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      const handle = await fs.open(temp, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, this.filePath);
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw new UserFacingError(`cannot write state file ${this.filePath} (${errnoCode(err) ?? errorMessage(err)}); check that the directory is writable`, 'STATE_UNWRITABLE', { cause: err });
    }
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    // The holder's host and pid, so that a lock left by a killed process on this host is broken at once.
    const { host, pid } = thisProcessIdentity();
    const token = `${host}:${pid}:${randomUUID()}`;
    await this.acquire(token);
    try {
      return await work();
    } finally {
      await this.release(token);
    }
  }

  private async acquire(token: string): Promise<void> {
    await ensureDirectory(path.dirname(this.filePath), this.filePath);
    const started = Date.now();
    for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS; attempt++) {
      try {
        await fs.writeFile(this.lockPath, token, { flag: 'wx' });
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code !== 'EEXIST') {
          throw new UserFacingError(`cannot create lock file ${this.lockPath} (${code ?? errorMessage(err)}); check that the directory is writable`, 'STATE_UNWRITABLE', { cause: err });
        }
      }
      if (Date.now() - started <= this.lockWaitMs && (await this.breakStaleLock())) continue;
      if (Date.now() - started > this.lockWaitMs) {
        throw new UserFacingError(
          `state file ${this.filePath} stayed locked for ${this.lockWaitMs} ms by another run; if none is running, delete ${this.lockPath}`,
          'STATE_LOCKED',
        );
      }
      // Lock holds last milliseconds (one read and one write), so short jittered polls are enough.
      await this.clock.sleep(Math.min(100, 2 * 2 ** attempt) * (0.5 + Math.random()));
    }
    throw new UserFacingError(`could not take the lock ${this.lockPath} in ${MAX_LOCK_ATTEMPTS} attempts; if no run is writing, delete it`, 'STATE_LOCKED');
  }

  /** The holder named in a lock this version wrote (`host:pid:uuid`); null for anything else. */
  private static holderOf(token: string): { host: string; pid: number } | null {
    const match = /^(.*):(\d+):[0-9a-f-]{36}$/.exec(token);
    return match ? { host: match[1]!, pid: Number(match[2]) } : null;
  }

  private async breakStaleLock(): Promise<boolean> {
    let ageMs: number;
    let holder: { host: string; pid: number } | null;
    try {
      ageMs = Date.now() - (await fs.stat(this.lockPath)).mtimeMs;
      holder = FileStateStore.holderOf(await fs.readFile(this.lockPath, 'utf8'));
    } catch (err) {
      return errnoCode(err) === 'ENOENT'; // released meanwhile: try again at once
    }
    const dead = holder !== null && knownDead(holder);
    if (!dead && ageMs <= this.staleLockMs) return false;
    // Rename first: only one of several processes that saw the stale lock wins the rename.
    const aside = `${this.lockPath}.stale-${randomUUID().slice(0, 8)}`;
    try {
      await fs.rename(this.lockPath, aside);
    } catch {
      return true;
    }
    await fs.unlink(aside).catch(() => undefined);
    this.warn(
      dead
        ? `broke the lock on ${this.location} left by process ${holder!.pid}, which is gone`
        : `broke a stale lock on ${this.location} (${Math.round(ageMs / 1000)} s old, left by a run that crashed)`,
    );
    return true;
  }

  private async release(token: string): Promise<void> {
    const holder = await fs.readFile(this.lockPath, 'utf8').catch(() => null);
    if (holder === token) await fs.unlink(this.lockPath).catch(() => undefined);
    else this.warn(`lock on ${this.location} was taken over while this run held it (the write took longer than ${this.staleLockMs} ms)`);
  }
}

export function fileStateStore<S extends Revisioned>(filePath: string, codec: StateCodec<S>, options: FileStateStoreOptions = {}): StateStore<S> {
  return new FileStateStore(path.resolve(filePath), codec, options);
}
