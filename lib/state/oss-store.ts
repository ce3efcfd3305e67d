// `oss://bucket/key` state: one OSS object replaced with conditional writes (If-Match on the ETag we read, and
// If-None-Match plus x-oss-forbid-overwrite when creating it), retried on conflict by re-running the mutator.
import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { withRetry, type RetryPolicy } from '../util/retry';
import { systemClock, type Clock } from '../util/clock';
import { UserFacingError, errorMessage } from '../util/errors';
import type { StaticCredentials } from '../model';
import type { Revisioned, StateCodec, StateLogger, StateStore } from './types';

export type OssCredentials = StaticCredentials;

/** The two object operations the store needs; the ali-oss adapter below is the real one. */
export interface OssObjectApi {
  get(key: string): Promise<{ content: string; etag: string } | null>;
  /** Throws `OssConflictError` when the condition does not hold (someone else wrote first). */
  /** `content` as the bytes, or as pieces uploaded as they are made (chunked): a large document is never whole in memory. */
  put(key: string, content: Buffer | Iterable<Buffer>, condition: { ifMatch: string } | { ifNoneMatch: true } | null): Promise<{ etag: string }>;
}

export class OssConflictError extends Error {
  constructor(key: string, status: number) {
    super(`conditional write of ${key} lost the race (HTTP ${status})`);
    this.name = 'OssConflictError';
  }
}

interface AliOssError {
  status?: number;
  code?: string;
  message?: string;
}

function asOssError(err: unknown): AliOssError {
  return typeof err === 'object' && err !== null ? (err as AliOssError) : { message: String(err) };
}

function isTransient(err: unknown): boolean {
  const { status } = asOssError(err);
  // ali-oss reports -1 for network errors and -2 for timeouts.
  return status === undefined || status === -1 || status === -2 || status >= 500 || status === 429;
}

export interface AliOssAdapterOptions {
  bucket: string;
  credentials: OssCredentials;
  /** e.g. http://127.0.0.1:9000 for the sandbox emulator; otherwise derived from `region`. */
  endpoint?: string;
  /** OSS region such as `cn-hangzhou` (the `oss-` prefix is added). */
  region?: string;
  /** Use the VPC-internal endpoint (FC functions in the same region). */
  internal?: boolean;
  timeoutMs?: number;
}

function ossEndpointOption(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UserFacingError(`SLB_DOCTOR_OSS_ENDPOINT "${endpoint}" is not a URL; use e.g. https://oss-cn-hangzhou-internal.aliyuncs.com or http://127.0.0.1:9000`, 'CONFIG_INVALID');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserFacingError(`SLB_DOCTOR_OSS_ENDPOINT "${endpoint}" must be http(s)`, 'CONFIG_INVALID');
  }
  // ali-oss puts the bucket in the Host header for an IP endpoint (so an emulator on 127.0.0.1 needs no DNS), but
  // would prepend it to a host name: "localhost" becomes the loopback IP for that reason.
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return url.origin;
}

export function aliOssObjectApi(options: AliOssAdapterOptions): OssObjectApi {
  const { credentials } = options;
  const client = new OSS({
    bucket: options.bucket,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken
      ? // The token is refreshed by whoever hands us credentials (FC gives fresh ones per invocation); setting the
        // interval only keeps ali-oss from printing its "set refreshSTSToken" console warning.
        { stsToken: credentials.securityToken, refreshSTSTokenInterval: 3_600_000 }
      : {}),
    ...(options.endpoint ? { endpoint: ossEndpointOption(options.endpoint) } : { region: `oss-${options.region ?? 'cn-hangzhou'}`, internal: options.internal ?? false, secure: true }),
    timeout: options.timeoutMs ?? 15_000,
  });
  const etagOf = (headers: object): string => {
    const value = (headers as Record<string, unknown>).etag;
    if (typeof value !== 'string') throw new Error('OSS answered without an ETag');
    return value;
  };
  return {
    async get(key) {
      try {
        const result = await client.get(key);
        const content: unknown = result.content;
        const text = Buffer.isBuffer(content) ? content.toString('utf8') : String(content ?? '');
        return { content: text, etag: etagOf(result.res.headers) };
      } catch (err) {
        if (asOssError(err).status === 404 && asOssError(err).code === 'NoSuchKey') return null;
        throw err;
      }
    },
    async put(key, content, condition) {
      const headers: Record<string, string> = {};
      if (condition && 'ifMatch' in condition) headers['If-Match'] = condition.ifMatch;
      if (condition && 'ifNoneMatch' in condition) {
        headers['If-None-Match'] = '*';
        headers['x-oss-forbid-overwrite'] = 'true';
      }
      try {
        const options = { headers, mime: 'application/json' };
        // @types/ali-oss marks putStream's timeout, meta and callback required; ali-oss treats each as optional
        // (lib/object.js putStream: the client's timeout, no metadata, no callback).
        const result = Buffer.isBuffer(content)
          ? await client.put(key, content, options)
          : await client.putStream(key, Readable.from(content), options as OSS.PutStreamOptions);
        return { etag: etagOf(result.res.headers) };
      } catch (err) {
        const { status, code } = asOssError(err);
        if (status === 412 || (status === 409 && code === 'FileAlreadyExists')) throw new OssConflictError(key, status);
        throw err;
      }
    },
  };
}

export interface OssStateStoreOptions {
  logger?: StateLogger;
  clock?: Clock;
  /** Conflicts and transient errors are retried within this policy. */
  retry?: Partial<RetryPolicy>;
}

class OssStateStore<S extends Revisioned> implements StateStore<S> {
  readonly location: string;
  readonly warnings: string[] = [];
  private readonly clock: Clock;
  private reportedMissing = false;
  private readonly movedAside = new Set<string>();
  /**
   * The document as this store last wrote it, with the ETag OSS gave that write. The next update starts from it
   * instead of reading the object back (a 10,000-load-balancer state is some 20 MB of JSON: reading, parsing and
   * checking it again for every settlement cost more memory than the rest of the run); its conditional write then
   * fails with 412 if anyone else wrote meanwhile, and the retry reads the object afresh.
   */
  private lastWritten: { state: S; etag: string } | null = null;
  /** A read started by readAhead, taken by the next update; its conditional write still guards against staleness. */
  private readingAhead: Promise<{ state: S; etag: string | null }> | null = null;

  constructor(
    private readonly api: OssObjectApi,
    private readonly bucket: string,
    private readonly key: string,
    private readonly codec: StateCodec<S>,
    private readonly options: OssStateStoreOptions,
  ) {
    this.location = `oss://${bucket}/${key}`;
    this.clock = options.clock ?? systemClock;
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.logger?.warn(message);
  }

  private explain(err: unknown, doing: string): Error {
    if (err instanceof UserFacingError || err instanceof OssConflictError) return err;
    const { status, code, message } = asOssError(err);
    if (status === 403) {
      return new UserFacingError(
        `OSS refused to ${doing} ${this.location} (${code ?? 'AccessDenied'}: ${message ?? ''}); check the credentials and that the role may oss:GetObject and oss:PutObject on it`,
        'STATE_ACCESS_DENIED',
        { cause: err },
      );
    }
    if (status === 404 && code === 'NoSuchBucket') {
      return new UserFacingError(`OSS bucket "${this.bucket}" does not exist (state ${this.location}); create it or fix SLB_DOCTOR_STATE`, 'STATE_NO_BUCKET', { cause: err });
    }
    return new UserFacingError(`could not ${doing} ${this.location}: ${code ?? ''} ${errorMessage(err)}`.replace(/\s+/g, ' '), 'STATE_UNAVAILABLE', { cause: err });
  }

  private async read(): Promise<{ state: S; etag: string | null }> {
    const object = await this.api.get(this.key);
    if (object === null) {
      if (!this.reportedMissing) {
        this.reportedMissing = true;
        this.warn(`state ${this.location} does not exist yet: starting with empty state`);
      }
      return { state: this.codec.empty(), etag: null };
    }
    const decoded = this.codec.decode(object.content);
    if (decoded.ok) return { state: decoded.state, etag: object.etag };
    if (!this.movedAside.has(object.etag)) {
      const aside = `${this.key}.corrupt-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
      await this.api.put(aside, Buffer.from(object.content, 'utf8'), null);
      this.movedAside.add(object.etag);
      this.warn(`state ${this.location} was corrupt (${decoded.problem}): copied aside to oss://${this.bucket}/${aside}, starting with empty state`);
    }
    // Keep the corrupt object's ETag: the next write replaces exactly that object and nothing newer.
    return { state: this.codec.empty(), etag: object.etag };
  }

  private retrying<T>(operation: () => Promise<T>, doing: string): Promise<T> {
    const policy = { maxAttempts: 12, baseDelayMs: 25, maxDelayMs: 1_000, maxTotalMs: 30_000, ...this.options.retry };
    let attempts = 0;
    return withRetry(
      () => {
        attempts += 1;
        return operation();
      },
      {
        policy,
        clock: this.clock,
        classify: (err) => ({ retry: err instanceof OssConflictError || (!(err instanceof UserFacingError) && isTransient(err)) }),
      },
    ).catch((err: unknown) => {
      if (err instanceof OssConflictError) {
        throw new UserFacingError(
          `${this.location} kept changing under this run: ${attempts} conditional writes in a row failed with HTTP 412 (too many concurrent writers); try again`,
          'STATE_CONFLICT',
          { cause: err },
        );
      }
      throw this.explain(err, doing);
    });
  }

  /**
   * The document for the upload: the codec's pieces, each encoded as the upload takes it (StateCodec.encodeChunks), so
   * neither the whole text nor the whole bytes of a large state are in memory at once.
   */
  private *piecesOf(state: S): Generator<Buffer> {
    for (const piece of this.codec.encodeChunks(state)) yield Buffer.from(piece, 'utf8');
  }

  load(): Promise<S> {
    return this.retrying(async () => (await this.read()).state, 'read');
  }

  readAhead(): void {
    if (this.lastWritten || this.readingAhead) return;
    const reading = this.read();
    // A failure is met (and retried) by the update that takes this read.
    reading.catch(() => undefined);
    this.readingAhead = reading;
  }

  update<T>(mutator: (state: S) => T): Promise<T> {
    return this.retrying(async () => {
      // Taken, not shared: whatever happens to this attempt, the next one starts from OSS unless this one is written.
      const known = this.lastWritten;
      const ahead = this.readingAhead;
      this.lastWritten = null;
      this.readingAhead = null;
      const { state, etag } = known ?? (await (ahead ?? this.read()));
      const result = mutator(state);
      state.revision += 1;
      const written = await this.api.put(this.key, this.piecesOf(state), etag === null ? { ifNoneMatch: true } : { ifMatch: etag });
      this.lastWritten = { state, etag: written.etag };
      return result;
    }, 'write');
  }
}

export function ossStateStore<S extends Revisioned>(api: OssObjectApi, bucket: string, key: string, codec: StateCodec<S>, options: OssStateStoreOptions = {}): StateStore<S> {
  return new OssStateStore(api, bucket, key, codec, options);
}
