// Peak resident memory and CPU time of the FC emulator's function instances. The emulator runs each instance as a child
// process of this one and keeps it warm after the invocation, so its high-water mark (VmHWM, what getrusage reports as
// maxRSS) and its CPU time (utime + stime) can be read from /proc before the sandbox stops. Linux only; elsewhere the
// figures are unknown (null).
import { readFileSync, readdirSync } from 'node:fs';

/** /proc/<pid>/stat after "(comm)": comm may hold spaces and parentheses, so split after the last ')'. */
function statFields(pid: string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function parentOf(pid: string): number | null {
  // "state ppid …"
  const ppid = Number(statFields(pid)[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on Linux (sysconf(_SC_CLK_TCK), man 5 proc). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) in ms per pid of this process's function instances whose name satisfies `matches`. */
export function functionCpuMs(matches: (functionName: string) => boolean): Map<number, number> | null {
  if (process.platform !== 'linux') return null;
  const cpu = new Map<number, number>();
  for (const pid of instancePids(matches)) {
    try {
      const fields = statFields(pid);
      // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and comm are cut off.
      cpu.set(Number(pid), ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND);
    } catch {
      // Ended while we looked.
    }
  }
  return cpu;
}

/** CPU ms spent between two readings (instances that started in between count whole). */
export function cpuSpentMs(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (before === null || after === null) return null;
  let spent = 0;
  for (const [pid, ms] of after) spent += ms - (before.get(pid) ?? 0);
  return spent;
}

function instancePids(matches: (functionName: string) => boolean): string[] {
  const pids: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (parentOf(pid) !== process.pid) continue;
      const name = readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .find((entry) => entry.startsWith('FC_FUNCTION_NAME='))
        ?.slice('FC_FUNCTION_NAME='.length);
      if (name !== undefined && matches(name)) pids.push(pid);
    } catch {
      // The process ended while we looked: it is no longer an instance we can measure.
    }
  }
  return pids;
}

/** The largest VmHWM, in bytes, among this process's children whose FC_FUNCTION_NAME satisfies `matches`; null when none. */
export function functionPeakRssBytes(matches: (functionName: string) => boolean): number | null {
  if (process.platform !== 'linux') return null;
  let peak: number | null = null;
  for (const pid of instancePids(matches)) {
    try {
      const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak ?? 0, Number(hwm[1]) * 1024);
    } catch {
      // Ended while we looked.
    }
  }
  return peak;
}
