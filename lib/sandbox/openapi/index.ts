export { ApiError, apiErrors } from './errors';
export { AccessKeyRegistry, generateSandboxCredentials, type AccessKeyRecord, type SandboxCredentials } from './credentials';
export { RequestParams, encodeNextToken, decodeNextToken } from './params';
export {
  createOpenApiPolicy,
  startOpenApiServer,
  MAX_CLOCK_SKEW_MS,
  type ActionContext,
  type ActionHandler,
  type ActionStats,
  type ApiStats,
  type OpenApiPolicy,
  type OpenApiPolicyOptions,
  type OpenApiProduct,
  type OpenApiServer,
  type OpenApiServerOptions,
} from './server';
