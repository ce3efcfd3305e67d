// Whether the process that holds something (a claim, a lock) is still alive. Only answerable on the same host; a
// holder elsewhere is judged by its lease alone.
import { hostname } from 'node:os';

/** Signal 0 checks existence without touching the process (kill(2)); EPERM means it exists under another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcessIdentity {
  pid: number;
  host: string;
}

export function thisProcessIdentity(): ProcessIdentity {
  return { pid: process.pid, host: hostname() };
}

/** Known dead: same host, another pid, and no such process. */
export function knownDead(holder: ProcessIdentity, self: ProcessIdentity = thisProcessIdentity(), alive: (pid: number) => boolean = processAlive): boolean {
  return holder.host === self.host && holder.pid !== self.pid && holder.pid > 0 && !alive(holder.pid);
}
