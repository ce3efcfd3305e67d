// Peak resident memory of the FC emulator's function instances. The emulator runs each instance as a child process of
// this one and keeps it warm after the invocation, so its high-water mark (VmHWM, what getrusage reports as maxRSS)
// can be read from /proc before the sandbox stops. Linux only; elsewhere the figure is unknown (null).
import { readFileSync, readdirSync } from 'node:fs';

function parentOf(pid: string): number | null {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** The largest VmHWM, in bytes, among this process's children whose FC_FUNCTION_NAME satisfies `matches`; null when none. */
export function functionPeakRssBytes(matches: (functionName: string) => boolean): number | null {
  if (process.platform !== 'linux') return null;
  let peak: number | null = null;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (parentOf(pid) !== process.pid) continue;
      const name = readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .find((entry) => entry.startsWith('FC_FUNCTION_NAME='))
        ?.slice('FC_FUNCTION_NAME='.length);
      if (name === undefined || !matches(name)) continue;
      const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak ?? 0, Number(hwm[1]) * 1024);
    } catch {
      // The process ended while we looked: it is no longer an instance we can measure.
    }
  }
  return peak;
}
