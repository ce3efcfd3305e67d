// `file:` state: one JSON file (local disk or an FC NAS mount). Writers serialise on an exclusive lock file created
// with O_EXCL (atomic on local disks and NFSv3+), and replace the state by temp file + rename, so a reader never
// sees half a document and two processes never lose each other's updates.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { systemClock, type Clock } from '../util/clock';
import { UserFacingError, errorMessage } from '../util/errors';
import { decodeState, emptyState, encodeState } from './codec';
import type { NotifyState, StateLogger, StateStore } from './types';

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

class FileStateStore implements StateStore {
  readonly location: string;
  readonly warnings: string[] = [];
  private readonly lockPath: string;
  private readonly lockWaitMs: number;
  private readonly staleLockMs: number;
  private readonly clock: Clock;
  private reportedMissing = false;

  constructor(
    private readonly filePath: string,
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
      if (errnoCode(err) === 'ENOENT') return null;
      throw new UserFacingError(`cannot read state file ${this.filePath}: ${errorMessage(err)}; check the path and its permissions`, 'STATE_UNREADABLE', { cause: err });
    }
  }

  /** Reads the state; `recover` (only under the lock) moves a corrupt file aside so the next write starts clean. */
  private async read(recover: boolean): Promise<{ state: NotifyState; corrupt: boolean }> {
    const text = await this.readText();
    if (text === null) {
      if (!this.reportedMissing) {
        this.reportedMissing = true;
        this.warn(`state ${this.location} does not exist yet: starting with empty state`);
      }
      return { state: emptyState(), corrupt: false };
    }
    const decoded = decodeState(text);
    if (decoded.ok) return { state: decoded.state, corrupt: false };
    if (recover) {
      const aside = `${this.filePath}.corrupt-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(this.filePath, aside).catch((err: unknown) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
      });
      this.warn(`state ${this.location} was corrupt (${decoded.problem}): moved aside to ${aside}, starting with empty state`);
    }
    return { state: emptyState(), corrupt: true };
  }

  async load(): Promise<NotifyState> {
    const first = await this.read(false);
    if (!first.corrupt) return first.state;
    return this.withLock(async () => (await this.read(true)).state);
  }

  async update<T>(mutator: (state: NotifyState) => T): Promise<T> {
    return this.withLock(async () => {
      const { state } = await this.read(true);
      const result = mutator(state);
      state.revision += 1;
      await this.writeAtomically(encodeState(state));
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
      throw new UserFacingError(`cannot write state file ${this.filePath}: ${errorMessage(err)}; check that the directory is writable`, 'STATE_UNWRITABLE', { cause: err });
    }
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const token = `${process.pid}:${randomUUID()}`;
    await this.acquire(token);
    try {
      return await work();
    } finally {
      await this.release(token);
    }
  }

  private async acquire(token: string): Promise<void> {
    await fs.mkdir(path.dirname(this.filePath), { recursive: true }).catch((err: unknown) => {
      throw new UserFacingError(`cannot create the directory of state file ${this.filePath}: ${errorMessage(err)}`, 'STATE_UNWRITABLE', { cause: err });
    });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.writeFile(this.lockPath, token, { flag: 'wx' });
        return;
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') {
          throw new UserFacingError(`cannot create lock file ${this.lockPath}: ${errorMessage(err)}; check that the directory is writable`, 'STATE_UNWRITABLE', { cause: err });
        }
      }
      if (await this.breakStaleLock()) continue;
      if (Date.now() - started > this.lockWaitMs) {
        throw new UserFacingError(
          `state file ${this.filePath} stayed locked for ${this.lockWaitMs} ms by another run; if none is running, delete ${this.lockPath}`,
          'STATE_LOCKED',
        );
      }
      // Lock holds last milliseconds (one read and one write), so short jittered polls are enough.
      await this.clock.sleep(Math.min(100, 2 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }

  private async breakStaleLock(): Promise<boolean> {
    let ageMs: number;
    try {
      ageMs = Date.now() - (await fs.stat(this.lockPath)).mtimeMs;
    } catch (err) {
      return errnoCode(err) === 'ENOENT'; // released meanwhile: try again at once
    }
    if (ageMs <= this.staleLockMs) return false;
    // Rename first: only one of several processes that saw the stale lock wins the rename.
    const aside = `${this.lockPath}.stale-${randomUUID().slice(0, 8)}`;
    try {
      await fs.rename(this.lockPath, aside);
    } catch {
      return true;
    }
    await fs.unlink(aside).catch(() => undefined);
    this.warn(`broke a stale lock on ${this.location} (${Math.round(ageMs / 1000)} s old, left by a run that crashed)`);
    return true;
  }

  private async release(token: string): Promise<void> {
    const holder = await fs.readFile(this.lockPath, 'utf8').catch(() => null);
    if (holder === token) await fs.unlink(this.lockPath).catch(() => undefined);
    else this.warn(`lock on ${this.location} was taken over while this run held it (the write took longer than ${this.staleLockMs} ms)`);
  }
}

export function fileStateStore(filePath: string, options: FileStateStoreOptions = {}): StateStore {
  return new FileStateStore(path.resolve(filePath), options);
}
