// An action's business parameters (query plus form body, signing parameters removed) with typed readers that fail
// the way the real API does: MissingParameter / InvalidParameter naming the parameter.

import { apiErrors } from './errors';

export class RequestParams {
  private readonly values: Map<string, string>;

  constructor(pairs: Iterable<[string, string]>) {
    this.values = new Map(pairs);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The value, or undefined when absent or empty (the SDKs send no empty parameters). */
  string(name: string): string | undefined {
    const value = this.values.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw apiErrors.missingParameter(name);
    return value;
  }

  oneOf<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) throw apiErrors.invalidParameter(name, `Valid values: ${choices.join(', ')}.`);
    return value as T;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?[0-9]+$/.test(value)) throw apiErrors.invalidParameter(name, `It must be an integer ${min}-${max}.`);
    const number = Number(value);
    if (number < min || number > max) throw apiErrors.invalidParameter(name, `It must be an integer ${min}-${max}.`);
    return number;
  }

  boolean(name: string): boolean | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw apiErrors.invalidParameter(name, 'It must be true or false.');
    return value === 'true';
  }

  /** A repeat list `Name.1`, `Name.2`, … in index order. */
  list(name: string): string[] {
    const items: [number, string][] = [];
    const prefix = `${name}.`;
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const index = key.slice(prefix.length);
      if (!/^[1-9][0-9]*$/.test(index)) continue;
      if (value !== '') items.push([Number(index), value]);
    }
    return items.sort(([a], [b]) => a - b).map(([, value]) => value);
  }

  /** `Tag.N.Key` / `Tag.N.Value` pairs in index order. */
  tags(): { key: string; value: string | undefined }[] {
    const byIndex = new Map<number, { key?: string; value?: string }>();
    for (const [name, value] of this.values) {
      const match = /^Tag\.([1-9][0-9]*)\.(Key|Value)$/.exec(name);
      if (!match) continue;
      const entry = byIndex.get(Number(match[1])) ?? {};
      if (match[2] === 'Key') entry.key = value;
      else entry.value = value;
      byIndex.set(Number(match[1]), entry);
    }
    return [...byIndex.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, entry]) => {
        if (!entry.key) throw apiErrors.missingParameter(`Tag.${index}.Key`);
        return { key: entry.key, value: entry.value === '' ? undefined : entry.value };
      });
  }

  /** A parameter holding a JSON array of strings, e.g. ECS `InstanceIds=["i-1","i-2"]`. */
  jsonStringArray(name: string, max: number): string[] | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw apiErrors.invalidParameter(name, 'It must be a JSON array of strings, e.g. ["i-1","i-2"].');
    }
    if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
      throw apiErrors.invalidParameter(name, 'It must be a JSON array of strings, e.g. ["i-1","i-2"].');
    }
    if (parsed.length > max) throw apiErrors.invalidParameter(name, `It may list at most ${max} items.`);
    return parsed;
  }
}

/** Opaque NextToken values: the offset of the next item, bound to the action so tokens are not interchangeable. */
export function encodeNextToken(scope: string, offset: number): string {
  return Buffer.from(`${scope}:${offset}`).toString('base64url');
}

export function decodeNextToken(scope: string, token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^(.+):([0-9]+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match || match[1] !== scope) throw apiErrors.invalidParameter('NextToken', 'Use the NextToken of the previous page.');
  return Number(match[2]);
}
