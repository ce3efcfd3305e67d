// Opening the state named by a URL: `file:<path>`, `oss://bucket/key`, or `memory:` (nothing persists). The codec
// says what the document is; the stores only keep it safe.
import { UserFacingError } from '../util/errors';
import type { Clock } from '../util/clock';
import { fileStateStore } from './file-store';
import { memoryStateStore } from './memory-store';
import { aliOssObjectApi, ossStateStore, type OssCredentials } from './oss-store';
import type { Revisioned, StateCodec, StateLogger, StateStore } from './types';

export * from './types';
export { fileStateStore, type FileStateStoreOptions } from './file-store';
export { memoryStateStore } from './memory-store';
export { aliOssObjectApi, ossStateStore, OssConflictError, type OssObjectApi, type OssCredentials, type OssStateStoreOptions } from './oss-store';

export interface OpenStateStoreDeps {
  /** Needed for oss:// (FC context credentials, or the access key the CLI uses). */
  credentials?: OssCredentials | null;
  /** SLB_DOCTOR_OSS_ENDPOINT. */
  ossEndpoint?: string | null;
  /** Region of the bucket, e.g. cn-hangzhou, when no endpoint override is given. */
  ossRegion?: string | null;
  /** Use the VPC-internal OSS endpoint (inside FC in the bucket's region). */
  ossInternal?: boolean;
  logger?: StateLogger;
  clock?: Clock;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

function parseFilePath(url: string): string {
  if (url.startsWith('file://')) {
    const parsed = new URL(url);
    if (parsed.host !== '' && parsed.host !== 'localhost') throw new UserFacingError(`state URL ${url} names a remote host; use file:/path/on/this/machine`, 'CONFIG_INVALID');
    return decodeURIComponent(parsed.pathname);
  }
  return url.slice('file:'.length);
}

export function openStateStore<S extends Revisioned>(url: string, codec: StateCodec<S>, deps: OpenStateStoreDeps = {}): StateStore<S> {
  const trimmed = url.trim();
  if (trimmed === 'memory:') return memoryStateStore(codec);
  if (trimmed.startsWith('file:')) {
    const filePath = parseFilePath(trimmed);
    if (filePath === '') throw new UserFacingError(`state URL "${url}" has no path; use e.g. file:/mnt/nas/slb-doctor/state.json`, 'CONFIG_INVALID');
    return fileStateStore(filePath, codec, { logger: deps.logger, clock: deps.clock });
  }
  if (trimmed.startsWith('oss://')) {
    const rest = trimmed.slice('oss://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (!BUCKET_NAME.test(bucket)) throw new UserFacingError(`state URL "${url}": "${bucket}" is not an OSS bucket name (3–63 lowercase letters, digits, hyphens)`, 'CONFIG_INVALID');
    if (key === '' || key.endsWith('/')) throw new UserFacingError(`state URL "${url}" names no object key; use e.g. oss://${bucket}/slb-doctor/state.json`, 'CONFIG_INVALID');
    if (!deps.credentials) throw new UserFacingError(`state ${trimmed} needs credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or run on FC with a role`, 'CREDENTIALS_MISSING');
    const api = aliOssObjectApi({
      bucket,
      credentials: deps.credentials,
      endpoint: deps.ossEndpoint ?? undefined,
      region: deps.ossRegion ?? undefined,
      internal: deps.ossInternal,
    });
    return ossStateStore(api, bucket, key, codec, { logger: deps.logger, clock: deps.clock });
  }
  throw new UserFacingError(`state URL "${url}" is not supported; use file:/path/state.json, oss://bucket/key or memory:`, 'CONFIG_INVALID');
}
