// Parses the host script's framed output (format in lib/host/README.md). Never throws: whatever cannot be read is
// reported as a problem, so that a truncated, garbled or foreign output gives a partial verdict, not a crash.
import { gunzipSync } from 'node:zlib';
import { HOST_SCRIPT_VERSION } from './script';

export type SectionStatus = 'ok' | 'missing' | 'denied' | 'timeout' | 'error' | 'cut';

export interface Section {
  name: string;
  status: SectionStatus;
  rc: number | null;
  /** The decoded text; empty when cut, missing or undecodable. */
  body: string;
  /** The size before compression, as the script measured it. */
  rawBytes: number | null;
  /** False when the body could not be decoded (bad base64 or gzip) or the section has no @end. */
  intact: boolean;
}

export interface ParsedOutput {
  /** The version the output declares, e.g. `slb-doctor-host-script v1`; null when there is no marker. */
  version: string | null;
  meta: Record<string, string>;
  sections: Map<string, Section>;
  /** True when the `@done` line is there (the script ran to its end and the output was not cut after it). */
  complete: boolean;
  elapsedMs: number | null;
  /** Sections the script itself left out for size. */
  cutForSize: string[];
  /** Problems reading the output, one line each. */
  problems: string[];
}

const STATUSES: readonly SectionStatus[] = ['ok', 'missing', 'denied', 'timeout', 'error', 'cut'];
const MARKER = /^#(slb-doctor-host-script \S+)\s*$/;

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=(\S*)/g)) out[m[1] as string] = m[2] as string;
  return out;
}

function decode(encoding: string, lines: string[]): string | null {
  if (encoding === 'plain' || encoding === 'none') return lines.join('\n');
  if (encoding !== 'gzip64') return null;
  const text = lines.join('').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    return gunzipSync(Buffer.from(text, 'base64')).toString('utf8').replace(/\n$/, '');
  } catch {
    return null;
  }
}

export function parseHostOutput(output: string): ParsedOutput {
  const parsed: ParsedOutput = { version: null, meta: {}, sections: new Map(), complete: false, elapsedMs: null, cutForSize: [], problems: [] };
  const lines = output.replace(/\r\n/g, '\n').split('\n');
  // Cloud Assistant or a shell may print a line or two before the script's own first line.
  const start = lines.slice(0, 20).findIndex((line) => MARKER.test(line.trim()));
  if (start < 0) {
    const other = lines.slice(0, 20).map((l) => /#slb-doctor-host-script\s+(\S+)/.exec(l)).find(Boolean);
    parsed.problems.push(other ? `the output is from host script version ${other[1]}, not ${HOST_SCRIPT_VERSION.split(' ')[1]}` : 'the output does not start with the host script marker (#slb-doctor-host-script …): not this script\'s output, or garbled');
    if (other) parsed.version = `slb-doctor-host-script ${other[1]}`;
    return parsed;
  }
  parsed.version = (MARKER.exec((lines[start] as string).trim()) as RegExpExecArray)[1] as string;
  if (parsed.version !== HOST_SCRIPT_VERSION) {
    parsed.problems.push(`the output is from ${parsed.version}, and this slb-doctor reads ${HOST_SCRIPT_VERSION}: run the script this slb-doctor prints`);
    return parsed;
  }
  let open: { name: string; header: Record<string, string>; lines: string[] } | null = null;
  for (const line of lines.slice(start + 1)) {
    if (open) {
      if (line === `@end ${open.name}`) {
        const status = STATUSES.includes(open.header.status as SectionStatus) ? (open.header.status as SectionStatus) : 'error';
        const body = decode(open.header.enc ?? 'plain', open.lines);
        if (body === null) parsed.problems.push(`section ${open.name} is garbled (its ${open.header.enc ?? 'plain'} body does not decode)`);
        parsed.sections.set(open.name, {
          name: open.name,
          status,
          rc: open.header.rc !== undefined && /^\d+$/.test(open.header.rc) ? Number(open.header.rc) : null,
          body: body ?? '',
          rawBytes: open.header.raw !== undefined && /^\d+$/.test(open.header.raw) ? Number(open.header.raw) : null,
          intact: body !== null,
        });
        open = null;
      } else open.lines.push(line);
      continue;
    }
    if (line.startsWith('@meta ')) parsed.meta = attributes(line.slice(6));
    else if (line.startsWith('@section ')) {
      const [name = '', ...rest] = line.slice(9).split(' ');
      open = { name, header: attributes(rest.join(' ')), lines: [] };
    } else if (line.startsWith('@done')) {
      parsed.complete = true;
      const done = /ms=(\d+)/.exec(line);
      parsed.elapsedMs = done ? Number(done[1]) : null;
      const cut = /cut=(.*)$/.exec(line);
      parsed.cutForSize = cut && cut[1] ? cut[1].trim().split(/\s+/).filter(Boolean) : [];
    }
  }
  if (open) parsed.problems.push(`the output ends inside section ${open.name}: it was truncated`);
  else if (!parsed.complete) parsed.problems.push('the output ends before the script\'s last line (@done): it was truncated or the script was stopped');
  for (const name of parsed.cutForSize) parsed.problems.push(`section ${name} was left out to fit the 24 KB output limit`);
  return parsed;
}
