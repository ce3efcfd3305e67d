// One Cloud Assistant command for many instances. RunCommand sends the same CommandContent to up to 100 instances,
// while each instance's host script differs only in a few header assignments (its backend IP, the Host it sends):
// the batch script keeps the common text once and picks each instance's assignments by the agent's built-in
// {{ACS::InstanceId}} parameter. Each check runs in its own subshell, one after another; its output starts with the
// host script's version line, which is where the batch output is split again. When the plain text would not fit
// RunCommand's 24 KB (Base64) limit, the payload is gzip+Base64 and unpacked on the host.
import { gzipSync } from 'node:zlib';
import { COMMAND_CONTENT_LIMIT_BYTES } from '../cloud/ecs';
import { HOST_SCRIPT_VERSION } from '../host/script';
import type { HostCheckSpec } from '../host/types';

export interface BatchMember {
  instanceId: string;
  checks: HostCheckSpec[];
}

/** A header line the renderer writes as `NAME=value`: the only lines allowed to differ between instances. */
const ASSIGNMENT = /^[A-Z][A-Z0-9_]*=/;
/** The agent substitutes only this parameter in our content (EnableParameter=true). */
export const INSTANCE_PARAMETER = '{{ACS::InstanceId}}';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Members that can share one batch script produce the same shape: same scripts once assignments are blanked. */
export function batchShape(member: BatchMember, render: (check: HostCheckSpec) => string): string {
  return member.checks.map((check) => render(check).split('\n').map((line) => (ASSIGNMENT.test(line) ? line.slice(0, line.indexOf('=')) : line)).join('\n')).join('\n\0\n');
}

/** Renders each check once per member (packing tries many batch sizes). */
function renderedLines(member: BatchMember, render: (check: HostCheckSpec) => string, cache: WeakMap<BatchMember, string[][]>): string[][] {
  let lines = cache.get(member);
  if (!lines) {
    lines = member.checks.map((check) => render(check).split('\n'));
    cache.set(member, lines);
  }
  return lines;
}

/** The plain batch script (bash) for members of one shape. */
function plainBatch(members: readonly BatchMember[], render: (check: HostCheckSpec) => string, cache: WeakMap<BatchMember, string[][]>): string {
  const first = members[0];
  if (!first) throw new RangeError('a batch needs at least one instance');
  const rendered = members.map((member) => renderedLines(member, render, cache));
  const parts: string[] = [];
  first.checks.forEach((_check, checkIndex) => {
    const lines = rendered[0]?.[checkIndex] ?? [];
    const varying = new Set<number>();
    lines.forEach((line, lineIndex) => {
      if (ASSIGNMENT.test(line) && rendered.some((scripts) => scripts[checkIndex]?.[lineIndex] !== line)) varying.add(lineIndex);
    });
    const cases = members.map(
      (member, memberIndex) =>
        `  ${shellQuote(member.instanceId)})\n${[...varying].map((lineIndex) => `    ${rendered[memberIndex]?.[checkIndex]?.[lineIndex] ?? ''}`).join('\n')}\n    ;;`,
    );
    const selector =
      varying.size === 0
        ? ''
        : `case "$HOSTCHECK_INSTANCE" in\n${cases.join('\n')}\n  *) echo ${shellQuote(`#${HOST_SCRIPT_VERSION}`)}; echo "@meta error=instance $HOSTCHECK_INSTANCE is not in this batch"; exit 0 ;;\nesac\n`;
    const body = lines.filter((_line, lineIndex) => !varying.has(lineIndex)).join('\n');
    parts.push(`(\n${selector}${body}\n)`);
  });
  return [
    '#!/bin/bash',
    `# SLB Health Doctor: the read-only host script for ${members.length} instance(s), ${first.checks.length} check(s) each,`,
    '# as `slb-doctor host-script` prints it; each instance picks its own values by its instance id.',
    `HOSTCHECK_INSTANCE=${INSTANCE_PARAMETER}`,
    ...parts,
    '',
  ].join('\n');
}

/** The same script, gzip+Base64, unpacked and run by bash on the host (needs base64 and gzip there). */
function packedBatch(plain: string): string {
  const payload = gzipSync(Buffer.from(plain.replace(`HOSTCHECK_INSTANCE=${INSTANCE_PARAMETER}\n`, ''), 'utf8'), { level: 9 }).toString('base64').replace(/(.{76})/g, '$1\n');
  return [
    '#!/bin/bash',
    '# SLB Health Doctor: the read-only host script (gzip+Base64 to fit Cloud Assistant; `base64 -d | gunzip` shows it).',
    `export HOSTCHECK_INSTANCE=${INSTANCE_PARAMETER}`,
    "HOSTCHECK_SCRIPT=$(base64 -d <<'HOSTCHECK_PAYLOAD' | gunzip",
    payload.trimEnd(),
    'HOSTCHECK_PAYLOAD',
    ') || { echo "slb-doctor: cannot unpack the host script (base64 and gzip are needed)"; exit 3; }',
    'exec bash -c "$HOSTCHECK_SCRIPT"',
    '',
  ].join('\n');
}

/** Base64 size of a command's content, as RunCommand counts it. */
export function contentSize(script: string): number {
  return Math.ceil(Buffer.byteLength(script, 'utf8') / 3) * 4;
}

/** The batch's command content: plain when it fits and cannot collide with the agent's {{…}} parameters, else packed. */
export function renderBatchScript(
  members: readonly BatchMember[],
  render: (check: HostCheckSpec) => string,
  cache: WeakMap<BatchMember, string[][]> = new WeakMap(),
): string {
  const plain = plainBatch(members, render, cache);
  const parameterFree = plain.split('{{').length === 2;
  if (parameterFree && contentSize(plain) <= COMMAND_CONTENT_LIMIT_BYTES) return plain;
  return packedBatch(plain);
}

/**
 * Splits members (all of one shape) into batches of at most `maxInstances` whose content fits RunCommand's limit.
 * Returns the batches with their scripts; a member whose script alone does not fit is returned in `tooLarge`.
 */
export function packBatches(
  members: readonly BatchMember[],
  render: (check: HostCheckSpec) => string,
  maxInstances: number,
): { batches: { members: BatchMember[]; script: string }[]; tooLarge: BatchMember[] } {
  const batches: { members: BatchMember[]; script: string }[] = [];
  const tooLarge: BatchMember[] = [];
  const cache = new WeakMap<BatchMember, string[][]>();
  let current: BatchMember[] = [];
  let currentScript = '';
  for (const member of members) {
    const candidate = [...current, member];
    const script = candidate.length <= maxInstances ? renderBatchScript(candidate, render, cache) : '';
    if (script && contentSize(script) <= COMMAND_CONTENT_LIMIT_BYTES) {
      current = candidate;
      currentScript = script;
      continue;
    }
    if (current.length > 0) batches.push({ members: current, script: currentScript });
    const alone = renderBatchScript([member], render, cache);
    if (contentSize(alone) > COMMAND_CONTENT_LIMIT_BYTES) {
      tooLarge.push(member);
      current = [];
      currentScript = '';
    } else {
      current = [member];
      currentScript = alone;
    }
  }
  if (current.length > 0) batches.push({ members: current, script: currentScript });
  return { batches, tooLarge };
}

/** The per-check outputs of one instance's batch output, in check order (each starts at the version line); '' for a missing one. */
export function splitBatchOutput(output: string, checkCount: number): string[] {
  const marker = `#${HOST_SCRIPT_VERSION}`;
  const parts: string[][] = [];
  for (const line of output.split('\n')) {
    if (line === marker) parts.push([]);
    parts[parts.length - 1]?.push(line);
  }
  return Array.from({ length: checkCount }, (_, index) => parts[index]?.join('\n') ?? '');
}
