// `createCloudClients`: credentials, endpoints, the per-action rate budget and retries, wired into the SLB and ECS
// clients that the inventory (and the diagnosis re-check) use.
import type { CredentialsProvider } from '@alicloud/credentials';
import type { Clock } from '../util/clock';
import type { RateLimit } from '../util/rate';
import type { RetryPolicy } from '../util/retry';
import { ApiCounters } from './counters';
import { resolveCredentials, type CredentialSource, type EnvironmentAccessKey, type ResolvedCredentials, type StaticCredentials } from './credentials';
import { EcsClient } from './ecs';
import { assertRegionId, resolveEndpoint, type ApiEndpoint } from './endpoints';
import { ApiInvoker } from './invoker';
import { SlbClient } from './slb';
import { openApiTransport, type CallApi } from './transport';

export { ApiCounters, callsSince, type ActionCounts } from './counters';
export { CloudAccessError, CloudApiError, type CloudProduct } from './errors';
export { DEFAULT_ACTION_RATE_LIMIT } from './invoker';
export { SlbClient, LISTENER_BATCH_SIZE, LOAD_BALANCER_PAGE_SIZE } from './slb';
export {
  EcsClient,
  INSTANCE_BATCH_SIZE,
  RUN_COMMAND_INSTANCE_LIMIT,
  CLOUD_ASSISTANT_STATUS_BATCH_SIZE,
  COMMAND_CONTENT_LIMIT_BYTES,
  COMMAND_OUTPUT_LIMIT_BYTES,
  TERMINAL_INVOCATION_STATUSES,
  type CloudAssistantAgentStatus,
  type InvocationResult,
  type InvocationStatus,
  type RunShellScriptRequest,
} from './ecs';
export type { ApiEndpoint } from './endpoints';
export type { ApiRequest, CallApi } from './transport';
export { resolveCredentials, type StaticCredentials, type CredentialSource, type EnvironmentAccessKey, type ResolvedCredentials } from './credentials';
export { resolveEndpoint, parseEndpointOverride } from './endpoints';
export type * from './slb-types';
export { isKnown, spellingOf } from './spelling';

export const DEFAULT_READ_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const USER_AGENT = 'slb-health-doctor';

export interface CloudClientOptions {
  regionId: string;
  /** Explicit credentials (the FC context's); null/absent → `environmentCredentials`, then the @alicloud/credentials default chain. */
  credentials?: StaticCredentials | null;
  /** The access key the entry point read from ALIBABA_CLOUD_* (lib/config/env.ts accessKeyFromEnv); lib/cloud reads no environment. */
  environmentCredentials?: EnvironmentAccessKey | null;
  /** Endpoint overrides such as `http://127.0.0.1:7001` (a flag or SLB_DOCTOR_*_ENDPOINT, decoded by the entry point); absent → the SDK's table. */
  endpoints?: { slb?: string; ecs?: string };
  /** Per-action budgets keyed by action name, e.g. `{ DescribeHealthStatus: { count: 100, perMs: 1000 } }`. */
  rateLimits?: Record<string, RateLimit>;
  /** The budget of every other action; default 3000 per 60 s. */
  defaultRateLimit?: RateLimit;
  retry?: Partial<RetryPolicy>;
  /** Default 10 s. */
  readTimeoutMs?: number;
  /** Default 5 s. */
  connectTimeoutMs?: number;
  clock?: Clock;
  /** Jitter source for the retry backoff (tests pin it). */
  random?: () => number;
  /** Test seam: answers every SLB and ECS request instead of the network. */
  transport?: CallApi;
  /** Test seam: replaces the @alicloud/credentials default chain. */
  defaultCredentialChain?: () => CredentialsProvider;
}

export interface CloudClients {
  regionId: string;
  slb: SlbClient;
  ecs: EcsClient;
  counters: ApiCounters;
  endpoints: { slb: ApiEndpoint; ecs: ApiEndpoint };
  credentials: { source: CredentialSource; current: ResolvedCredentials['current'] };
}

export function createCloudClients(options: CloudClientOptions): CloudClients {
  assertRegionId(options.regionId);
  const endpoints = {
    slb: resolveEndpoint('slb', options.regionId, options.endpoints?.slb),
    ecs: resolveEndpoint('ecs', options.regionId, options.endpoints?.ecs),
  };
  const credentials = resolveCredentials({
    explicit: options.credentials,
    environment: options.environmentCredentials,
    defaultChain: options.defaultCredentialChain,
  });
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const counters = new ApiCounters();
  const invoker = new ApiInvoker({
    counters,
    rateLimits: options.rateLimits,
    defaultRateLimit: options.defaultRateLimit,
    retry: options.retry,
    clock: options.clock,
    random: options.random,
    endpoints,
    timeouts: { connectMs: connectTimeoutMs, readMs: readTimeoutMs },
  });
  const common = { credential: credentials.credential, readTimeoutMs, connectTimeoutMs, userAgent: USER_AGENT };
  const slbTransport = options.transport ?? openApiTransport({ ...common, endpoint: endpoints.slb });
  const ecsTransport = options.transport ?? openApiTransport({ ...common, endpoint: endpoints.ecs });
  return {
    regionId: options.regionId,
    slb: new SlbClient(invoker, slbTransport),
    ecs: new EcsClient(invoker, ecsTransport),
    counters,
    endpoints,
    credentials: { source: credentials.source, current: credentials.current },
  };
}
