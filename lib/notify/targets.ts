// Notification targets from JSON (SLB_DOCTOR_NOTIFY_TARGETS or a file), checked by one valibot schema per entry. A
// malformed entry is rejected with one line naming it, the field path and the JSON type found; the valid entries are
// still returned (the CLI treats any error as a configuration error; a function keeps the valid ones working).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { FINDING_CODES, SEVERITY_ORDER, type FindingCode, type Severity } from '../model';
import { readEnv } from '../config/env';
import * as v from 'valibot';
import { UserFacingError, errorMessage } from '../util/errors';
import { isJsonObject } from '../util/schema';
import { issueLine, mustBe } from './schema-messages';
import { TARGET_KINDS, type NotifyTarget, type TargetKind } from './types';

export interface ParsedTargets {
  targets: NotifyTarget[];
  /** One line per rejected entry (or for the whole document). */
  errors: string[];
  /** Accepted entries with a setting the channel cannot honour. */
  warnings: string[];
}

const SEVERITIES = Object.keys(SEVERITY_ORDER) as Severity[];
export const DEFAULT_MIN_SEVERITY: Severity = 'warning';


const nonEmptyText = (what: string) => v.pipe(v.string(mustBe(what)), v.trim(), v.nonEmpty(`must be ${what}, got an empty string`));

function protocolOf(text: string): string | null {
  try {
    return new URL(text).protocol.replace(':', '');
  } catch {
    return null;
  }
}

// Never echo the URL in a message: a webhook URL is a credential.
const UrlSchema = v.pipe(
  v.string(mustBe('a string')),
  v.trim(),
  v.nonEmpty('is missing'),
  v.check((text) => protocolOf(text) !== null, 'is not a valid URL'),
  v.check(
    (text) => ['http', 'https'].includes(protocolOf(text) ?? ''),
    (issue) => `must be http(s), not ${protocolOf(String(issue.input)) ?? '?'}`,
  ),
);

const MentionsSchema = v.strictObject(
  {
    mobiles: v.optional(
      v.pipe(
        v.array(nonEmptyText('a phone number'), mustBe('a list of phone numbers')),
        v.check((mobiles) => mobiles.every((m) => /^\+?[0-9-]{5,20}$/.test(m)), 'has an entry that is not a phone number'),
      ),
      [],
    ),
    userIds: v.optional(v.array(nonEmptyText('a user id'), mustBe('a list of strings')), []),
    all: v.optional(v.boolean('must be true or false'), false),
  },
  (issue) => (issue.expected === 'never' ? 'is not a known field (mobiles, userIds, all)' : 'must be an object {mobiles?, userIds?, all?}'),
);

const MatchSchema = v.strictObject(
  {
    loadBalancerIds: v.optional(v.array(nonEmptyText('a load balancer id'), mustBe('a list of load balancer ids'))),
    tags: v.optional(v.record(v.string(), v.string(mustBe('a string (the tag value)')), 'must be an object of tag key → value')),
    codes: v.optional(
      v.pipe(
        v.array(nonEmptyText('a finding code'), mustBe('a list of finding codes')),
        v.check(
          (codes) => codes.every((code) => (FINDING_CODES as readonly string[]).includes(code)),
          (issue) => `has unknown code ${(issue.input as string[]).find((code) => !(FINDING_CODES as readonly string[]).includes(code)) ?? ''} (see docs/findings.md)`,
        ),
      ),
    ),
  },
  (issue) => (issue.expected === 'never' ? 'is not a known field (loadBalancerIds, tags, codes)' : 'must be an object {loadBalancerIds?, tags?, codes?}'),
);

const TARGET_FIELDS = ['name', 'kind', 'url', 'secret', 'mentions', 'minSeverity', 'match'] as const;

/** One entry of the targets document (docs/notifications.md). */
const TargetEntrySchema = v.strictObject(
  {
    name: v.optional(v.pipe(v.string(mustBe('a string')), v.regex(/^[\w.@-]{1,64}$/, 'must be 1–64 letters, digits, _ . @ or -'))),
    kind: v.picklist(TARGET_KINDS, `must be one of ${TARGET_KINDS.join(', ')}`),
    url: UrlSchema,
    secret: v.nullish(nonEmptyText('a non-empty string')),
    minSeverity: v.optional(v.picklist(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`), DEFAULT_MIN_SEVERITY),
    mentions: v.optional(MentionsSchema, { mobiles: [], userIds: [], all: false }),
    match: v.optional(MatchSchema, {}),
  },
  (issue) => (issue.expected === 'never' ? `is not a known field (${TARGET_FIELDS.join(', ')})` : 'is not an object'),
);

class EntryError extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new EntryError(message);
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
  const parsed = v.safeParse(TargetEntrySchema, entry, { abortEarly: true });
  if (!parsed.success) throw new EntryError(issueLine(parsed.issues));
  const { name, kind, url, secret, minSeverity, mentions, match } = parsed.output;
  if (kind === 'dingtalk') check(new URL(url).searchParams.has('access_token'), 'url has no access_token parameter (copy the whole robot webhook URL)');
  if (kind === 'wecom') check(new URL(url).searchParams.has('key'), 'url has no key parameter (copy the whole robot webhook URL)');
  const normalized = new URL(url).toString();
  return {
    key: targetKey(name, kind, normalized),
    label: name ?? `${kind}#${index}`,
    kind,
    url: normalized,
    secret: secret ?? null,
    mentions,
    minSeverity,
    match: { loadBalancerIds: match.loadBalancerIds ?? null, tags: match.tags ?? null, codes: (match.codes as FindingCode[] | undefined) ?? null },
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
    const rawName = isJsonObject(entry) && typeof entry.name === 'string' ? entry.name : null;
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
