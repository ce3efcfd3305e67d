// Alibaba Cloud POP errors as the gateway and the products answer them: HTTP status + `{RequestId, HostId, Code,
// Message, Recommend}` (slb-api.md §2c, §5). Handlers throw ApiError; the server renders the envelope.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra envelope fields, e.g. AccessDeniedDetail for Forbidden.RAM. */
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers, e.g. x-acs-retry-after for throttling. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const apiErrors = {
  incompleteSignature: (detail: string) =>
    new ApiError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards. ${detail}`),
  signatureDoesNotMatch: (stringToSign: string) =>
    new ApiError(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`),
  contentHashMismatch: () =>
    new ApiError(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the SHA-256 of the request body.'),
  accessKeyNotFound: () => new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  securityTokenMalformed: () => new ApiError(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.'),
  securityTokenMismatch: () =>
    new ApiError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'),
  securityTokenExpired: () => new ApiError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  illegalTimestamp: (detail: string) =>
    new ApiError(400, 'IllegalTimestamp', `The input parameter "Timestamp" that is mandatory for processing this request is not valid: ${detail}`),
  missingNonce: () => new ApiError(400, 'MissingSignatureNonce', 'The input parameter "SignatureNonce" that is mandatory for processing this request is not supplied.'),
  nonceUsed: () => new ApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  invalidAction: (action: string, version: string) =>
    new ApiError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method. (action "${action}", version "${version}")`),
  forbiddenRam: (ramAction: string, accountId: string) =>
    new ApiError(403, 'Forbidden.RAM', "User not authorized to operate on the specified resource, or this API doesn't support RAM.", {
      AccessDeniedDetail: {
        AuthAction: ramAction,
        AuthPrincipalType: 'SubUser',
        AuthPrincipalOwnerId: accountId,
        AuthPrincipalDisplayName: 'slb-doctor-sandbox',
        PolicyType: 'AccountLevelIdentityBasedPolicy',
        NoPermissionType: 'ImplicitDeny',
        EncodedDiagnosticMessage: 'sandbox',
      },
    }),
  throttlingUser: (retryAfterMs: number) =>
    new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.', {}, { 'x-acs-retry-after': String(Math.max(0, Math.ceil(retryAfterMs))) }),
  serviceUnavailable: () => new ApiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
  internalError: () =>
    new ApiError(500, 'InternalError', 'The request processing has failed due to some unknown error, exception or failure.'),
  missingParameter: (name: string) =>
    new ApiError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
  invalidParameter: (name: string, detail?: string) =>
    new ApiError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid.${detail ? ` ${detail}` : ''}`),
  requestTooLarge: () => new ApiError(413, 'RequestEntityTooLarge', 'The request body is too large.'),
} as const;
