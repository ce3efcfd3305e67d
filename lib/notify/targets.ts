// Notification targets from JSON (SLB_DOCTOR_NOTIFY_TARGETS or a file). A malformed entry is rejected with one line
// naming it and the field, and the valid entries still work: one typo must not silence every channel.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { FINDING_CODES, SEVERITY_ORDER, type FindingCode, type Severity } from '../model';
import { readEnv } from '../config/env';
import { UserFacingError, errorMessage } from '../util/errors';
import { TARGET_KINDS, type NotifyTarget, type TargetKind } from './types';

export interface ParsedTargets {
  targets: NotifyTarget[];
  /** One line per rejected entry (or for the whole document). */
  errors: string[];
  /** Accepted entries with a setting the channel cannot honour. */
  warnings: string[];
}

const KNOWN_FIELDS = new Set(['name', 'kind', 'url', 'secret', 'mentions', 'minSeverity', 'match']);
const SEVERITIES = Object.keys(SEVERITY_ORDER) as Severity[];
export const DEFAULT_MIN_SEVERITY: Severity = 'warning';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '');
}

class EntryError extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new EntryError(message);
}

function parseUrl(kind: TargetKind, value: unknown): string {
  check(typeof value === 'string' && value.trim() !== '', 'url is missing');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // Never echo the value: a webhook URL is a credential.
    throw new EntryError('url is not a valid URL');
  }
  check(url.protocol === 'http:' || url.protocol === 'https:', `url must be http(s), not ${url.protocol.replace(':', '')}`);
  if (kind === 'dingtalk') check(url.searchParams.has('access_token'), 'url has no access_token parameter (copy the whole robot webhook URL)');
  if (kind === 'wecom') check(url.searchParams.has('key'), 'url has no key parameter (copy the whole robot webhook URL)');
  return url.toString();
}

function parseMentions(value: unknown): NotifyTarget['mentions'] {
  if (value === undefined) return { mobiles: [], userIds: [], all: false };
  check(isObject(value), 'mentions must be an object {mobiles?, userIds?, all?}');
  for (const key of Object.keys(value)) check(['mobiles', 'userIds', 'all'].includes(key), `mentions.${key} is not a known field (mobiles, userIds, all)`);
  const mobiles = value.mobiles ?? [];
  const userIds = value.userIds ?? [];
  check(isStringList(mobiles), 'mentions.mobiles must be a list of phone numbers');
  check(mobiles.every((m) => /^\+?[0-9-]{5,20}$/.test(m)), 'mentions.mobiles has an entry that is not a phone number');
  check(isStringList(userIds), 'mentions.userIds must be a list of strings');
  check(value.all === undefined || typeof value.all === 'boolean', 'mentions.all must be true or false');
  return { mobiles, userIds, all: value.all === true };
}

function parseMatch(value: unknown): NotifyTarget['match'] {
  if (value === undefined) return { loadBalancerIds: null, tags: null, codes: null };
  check(isObject(value), 'match must be an object {loadBalancerIds?, tags?, codes?}');
  for (const key of Object.keys(value)) check(['loadBalancerIds', 'tags', 'codes'].includes(key), `match.${key} is not a known field (loadBalancerIds, tags, codes)`);
  const { loadBalancerIds, tags, codes } = value;
  check(loadBalancerIds === undefined || isStringList(loadBalancerIds), 'match.loadBalancerIds must be a list of load balancer ids');
  check(tags === undefined || (isObject(tags) && Object.values(tags).every((v) => typeof v === 'string')), 'match.tags must be an object of tag key → value');
  check(codes === undefined || isStringList(codes), 'match.codes must be a list of finding codes');
  const unknown = (codes ?? []).filter((code) => !(FINDING_CODES as readonly string[]).includes(code));
  check(unknown.length === 0, `match.codes has unknown code ${unknown[0]} (see docs/findings.md)`);
  return {
    loadBalancerIds: loadBalancerIds ?? null,
    tags: (tags as Record<string, string> | undefined) ?? null,
    codes: (codes as FindingCode[] | undefined) ?? null,
  };
}

function channelWarnings(target: NotifyTarget): string[] {
  const warnings: string[] = [];
  const { kind, mentions, secret } = target;
  if ((kind === 'slack' || kind === 'wecom') && secret) warnings.push(`secret is ignored: ${kind} webhooks are not signed (the URL is the secret)`);
  if (kind === 'dingtalk' && secret && !secret.startsWith('SEC')) warnings.push('secret does not start with SEC: a DingTalk signing secret does');
  if (mentions.mobiles.length > 0 && kind !== 'dingtalk') warnings.push(`mentions.mobiles is ignored: ${kind} cannot mention by phone number`);
  if (mentions.all && kind === 'wecom') warnings.push('mentions.all is ignored: WeCom markdown messages can only mention userIds');
  if (kind === 'webhook' && (mentions.all || mentions.userIds.length > 0)) warnings.push('mentions are passed through in the payload only: a generic webhook has no notion of them');
  return warnings;
}

function targetKey(name: string | undefined, kind: TargetKind, url: string): string {
  if (name) return name;
  return `${kind}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

function parseEntry(entry: unknown, index: number): NotifyTarget {
  check(isObject(entry), 'is not an object');
  const unknown = Object.keys(entry).filter((key) => !KNOWN_FIELDS.has(key));
  check(unknown.length === 0, `${unknown[0]} is not a known field (${[...KNOWN_FIELDS].join(', ')})`);
  const { name, kind, secret, minSeverity } = entry;
  check(name === undefined || (typeof name === 'string' && /^[\w.@-]{1,64}$/.test(name)), 'name must be 1–64 letters, digits, _ . @ or -');
  check(typeof kind === 'string' && (TARGET_KINDS as readonly string[]).includes(kind), `kind must be one of ${TARGET_KINDS.join(', ')}`);
  const targetKind = kind as TargetKind;
  const url = parseUrl(targetKind, entry.url);
  check(secret === undefined || secret === null || (typeof secret === 'string' && secret.trim() !== ''), 'secret must be a non-empty string');
  check(minSeverity === undefined || (typeof minSeverity === 'string' && (SEVERITIES as string[]).includes(minSeverity)), `minSeverity must be one of ${SEVERITIES.join(', ')}`);
  return {
    key: targetKey(name, targetKind, url),
    label: name ?? `${targetKind}#${index}`,
    kind: targetKind,
    url,
    secret: typeof secret === 'string' ? secret.trim() : null,
    mentions: parseMentions(entry.mentions),
    minSeverity: (minSeverity as Severity | undefined) ?? DEFAULT_MIN_SEVERITY,
    match: parseMatch(entry.match),
  };
}

export function parseTargets(json: string, source: string): ParsedTargets {
  const result: ParsedTargets = { targets: [], errors: [], warnings: [] };
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (err) {
    result.errors.push(`${source}: notification targets are not valid JSON (${errorMessage(err)})`);
    return result;
  }
  if (!Array.isArray(document)) {
    result.errors.push(`${source}: notification targets must be a JSON list of {kind, url, …}`);
    return result;
  }
  const names = new Set<string>();
  document.forEach((entry: unknown, index) => {
    const rawName = isObject(entry) && typeof entry.name === 'string' ? entry.name : null;
    const where = `${source}: target #${index}${rawName ? ` ("${rawName}")` : ''}`;
    try {
      const target = parseEntry(entry, index);
      check(!names.has(target.key), rawName ? `name "${rawName}" is used twice (names key the state, so they must be unique)` : 'the same url is listed twice');
      names.add(target.key);
      result.targets.push(target);
      for (const warning of channelWarnings(target)) result.warnings.push(`${where}: ${warning}`);
    } catch (err) {
      if (!(err instanceof EntryError)) throw err;
      result.errors.push(`${where}: ${err.message}`);
    }
  });
  return result;
}

/** The targets document: a file (the CLI's --targets) wins over SLB_DOCTOR_NOTIFY_TARGETS; null when neither is set. */
export async function readTargetsDocument(options: { file?: string | null; env?: NodeJS.ProcessEnv }): Promise<{ json: string; source: string } | null> {
  if (options.file) {
    try {
      return { json: await fs.readFile(options.file, 'utf8'), source: options.file };
    } catch (err) {
      throw new UserFacingError(`cannot read notification targets file ${options.file}: ${errorMessage(err)}`, 'CONFIG_INVALID', { cause: err });
    }
  }
  const json = readEnv('SLB_DOCTOR_NOTIFY_TARGETS', options.env);
  return json ? { json, source: 'SLB_DOCTOR_NOTIFY_TARGETS' } : null;
}
