// An access key as every client takes it (SLB/ECS OpenAPI, FC, OSS): the FC context's STS credentials, or a key pair.
export interface StaticCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Required for STS keys (id starting `STS.`), e.g. the FC context's service-role credentials. */
  securityToken?: string;
}
