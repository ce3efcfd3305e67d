// Reads an API reply at the boundary: every field is checked for its type once, here, and a reply that does not have
// the documented shape becomes one MalformedReply error naming the action and the field path (never a crash later).
import { CloudApiError, PRODUCT_NAME, malformedReply, type CloudProduct } from './errors';
import { readSpelling, type LenientNumber, type Spelled } from './spelling';

type JsonObject = Record<string, unknown>;

/** The bare problem ("Listeners[2].ListenerPort is missing") of each MalformedReply thrown here, for `listEach`. */
const problems = new WeakMap<CloudApiError, string>();

function malformed(product: CloudProduct, action: string, problem: string): CloudApiError {
  const err = malformedReply(product, action, problem);
  problems.set(err, problem);
  return err;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export class ReplyObject {
  private constructor(
    private readonly product: CloudProduct,
    private readonly action: string,
    /** Where this object sits in the reply, e.g. `LoadBalancers.LoadBalancer[3]`; '' for the root. */
    readonly path: string,
    private readonly value: JsonObject,
  ) {}

  static root(product: CloudProduct, action: string, body: unknown): ReplyObject {
    if (!isObject(body)) throw malformed(product, action, `the body is ${typeName(body)}, not a JSON object`);
    return new ReplyObject(product, action, '', body);
  }

  private at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  private fail(key: string, problem: string): never {
    throw malformed(this.product, this.action, `${this.at(key)} ${problem}`);
  }

  private child(path: string, value: unknown): ReplyObject {
    if (!isObject(value)) throw malformed(this.product, this.action, `${path} should be an object but is ${typeName(value)}`);
    return new ReplyObject(this.product, this.action, path, value);
  }

  has(key: string): boolean {
    const value = this.value[key];
    return value !== undefined && value !== null;
  }

  /** A string field; numbers are accepted and written as strings. Absent → undefined. */
  optString(key: string): string | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return this.fail(key, `should be a string but is ${typeName(value)}`);
  }

  string(key: string): string {
    return this.optString(key) ?? this.fail(key, 'is missing');
  }

  /** A yes/no field: a JSON boolean or the strings "true"/"false" (any case), as the RPC APIs answer. Absent → undefined. */
  optFlag(key: string): boolean | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    const text = typeof value === 'string' ? value.toLowerCase() : '';
    if (text === 'true' || text === 'false') return text === 'true';
    return this.fail(key, `is ${JSON.stringify(value)}, expected "true" or "false"`);
  }

  /** A numeric field; numeric strings ("80") are accepted. Absent or "" → undefined. */
  optNumber(key: string): number | undefined {
    const value = this.value[key];
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number === 'number' && Number.isFinite(number)) return number;
    return this.fail(key, `should be a number but is ${typeof value === 'string' ? JSON.stringify(value) : typeName(value)}`);
  }

  /** An optional number whose unreadable value ("5s") is kept raw instead of failing the item (it gets a default). */
  optLenientNumber(key: string): LenientNumber | undefined {
    const value = this.value[key];
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number === 'number' && Number.isFinite(number)) return number;
    return { unknown: typeof value === 'string' ? value : JSON.stringify(value) };
  }

  number(key: string): number {
    return this.optNumber(key) ?? this.fail(key, 'is missing');
  }

  /** A string field restricted to `allowed` (compared case-insensitively, returned as listed). */
  optEnum<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.optString(key);
    if (value === undefined || value === '') return undefined;
    const match = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    return match ?? this.fail(key, `is ${JSON.stringify(value)}, expected one of ${allowed.join(', ')}`);
  }

  enumValue<T extends string>(key: string, allowed: readonly T[]): T {
    return this.optEnum(key, allowed) ?? this.fail(key, 'is missing');
  }

  /**
   * An enum the SDK types as a plain string: a known spelling (see spelling.ts) comes back as listed, an unknown one
   * raw, so that the reader decides on a default and a warning instead of losing the item.
   */
  optSpelled<T extends string>(key: string, allowed: readonly T[], meaningAbsent: readonly string[] = []): Spelled<T> | undefined {
    const value = this.optString(key);
    return value === undefined ? undefined : readSpelling(value, allowed, meaningAbsent);
  }

  spelled<T extends string>(key: string, allowed: readonly T[]): Spelled<T> {
    return this.optSpelled(key, allowed) ?? this.fail(key, 'is missing');
  }

  optObject(key: string): ReplyObject | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    return this.child(this.at(key), value);
  }

  private items(key: string, itemKey: string | undefined, required: boolean): unknown[] {
    const container = this.value[key];
    if (container === undefined || container === null) return required ? this.fail(key, 'is missing') : [];
    let list: unknown = container;
    let path = this.at(key);
    if (itemKey !== undefined) {
      if (!isObject(container)) return this.fail(key, `should be an object holding ${itemKey} but is ${typeName(container)}`);
      list = container[itemKey];
      path = `${path}.${itemKey}`;
      if (list === undefined || list === null) {
        if (required) throw malformed(this.product, this.action, `${path} is missing`);
        return [];
      }
    }
    if (!Array.isArray(list)) throw malformed(this.product, this.action, `${path} should be an array but is ${typeName(list)}`);
    return list;
  }

  /**
   * A list of objects: `key` holds the array itself, or (with `itemKey`) an object wrapping it, as the RPC APIs do
   * (`"BackendServers": {"BackendServer": [...]}`). Required: a missing list is malformed.
   */
  list(key: string, itemKey?: string): ReplyObject[] {
    return this.objects(key, itemKey, true);
  }

  /** Like `list`, but a missing list reads as empty (decorations such as Tags). */
  optList(key: string, itemKey?: string): ReplyObject[] {
    return this.objects(key, itemKey, false);
  }

  private objects(key: string, itemKey: string | undefined, required: boolean): ReplyObject[] {
    const base = itemKey === undefined ? this.at(key) : `${this.at(key)}.${itemKey}`;
    return this.items(key, itemKey, required).map((item, index) => this.child(`${base}[${index}]`, item));
  }

  /**
   * Like `list`, but an item that cannot be read (it lacks what the audit cannot do without, such as a listener's
   * port) is set aside with its reason instead of failing the whole reply.
   */
  listEach<T>(key: string, itemKey: string | undefined, read: (item: ReplyObject) => T): { items: T[]; dropped: DroppedItem[] } {
    const items: T[] = [];
    const dropped: DroppedItem[] = [];
    for (const item of this.objects(key, itemKey, true)) {
      try {
        items.push(read(item));
      } catch (err) {
        const problem = err instanceof CloudApiError ? problems.get(err) : undefined;
        if (problem === undefined) throw err;
        const loadBalancerId = item.value.LoadBalancerId;
        dropped.push({
          action: this.action,
          path: item.path,
          loadBalancerId: typeof loadBalancerId === 'string' && loadBalancerId !== '' ? loadBalancerId : null,
          reason: `${PRODUCT_NAME[this.product]} ${this.action} returned an entry that cannot be audited (${problem}); only that entry is left out.`,
        });
      }
    }
    return { items, dropped };
  }

  /** A list of strings (numbers accepted); a missing list reads as empty. */
  optStringList(key: string, itemKey?: string): string[] {
    const base = itemKey === undefined ? this.at(key) : `${this.at(key)}.${itemKey}`;
    return this.items(key, itemKey, false).map((item, index) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number') return String(item);
      throw malformed(this.product, this.action, `${base}[${index}] should be a string but is ${typeName(item)}`);
    });
  }
}

/** An entry of a reply list that could not be read: only it is lost, with its reason. */
export interface DroppedItem {
  action: string;
  /** Where it sat, e.g. `Listeners[2]`. */
  path: string;
  /** The load balancer it belongs to, when the entry tells. */
  loadBalancerId: string | null;
  /** The one-line MalformedReply message. */
  reason: string;
}

/** The next page's token, or undefined at the end. A token seen before would page forever, so it is malformed. */
export function nextPageToken(product: CloudProduct, action: string, token: string | undefined, seen: Set<string>): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (seen.has(token)) throw malformed(product, action, `NextToken ${JSON.stringify(token)} came back twice`);
  seen.add(token);
  return token;
}
