// The access keys the sandbox accepts: a generated long-term key and STS triple (printed by `slb-doctor sandbox`),
// plus any keys the scenario declares, each with the RAM actions it is denied.

import { randomBytes } from 'node:crypto';
import type { ScenarioApiSettings } from '../scenario/types';

export interface SandboxCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  sts: { accessKeyId: string; accessKeySecret: string; securityToken: string };
}

export interface AccessKeyRecord {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS keys (id starting "STS."): every call must carry exactly this token. */
  securityToken?: string;
  expired?: boolean;
  /** Denied RAM actions: "slb:DescribeHealthStatus", "ecs:*", "*". */
  deny: string[];
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

/** Fresh keys shaped like real ones: `LTAI…` (24 chars) with a 30-char secret, and an `STS.…` key with a token. */
export function generateSandboxCredentials(): SandboxCredentials {
  return {
    accessKeyId: `LTAI${randomAlphanumeric(20)}`,
    accessKeySecret: randomAlphanumeric(30),
    sts: {
      accessKeyId: `STS.${randomAlphanumeric(25)}`,
      accessKeySecret: randomAlphanumeric(44),
      securityToken: `CAIS${randomBytes(96).toString('base64')}`,
    },
  };
}

export class AccessKeyRegistry {
  private readonly keys = new Map<string, AccessKeyRecord>();

  constructor(records: AccessKeyRecord[]) {
    for (const record of records) this.keys.set(record.accessKeyId, record);
  }

  static forScenario(api: ScenarioApiSettings | undefined, credentials: SandboxCredentials): AccessKeyRegistry {
    const deny = api?.denyActions ?? [];
    return new AccessKeyRegistry([
      { accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret, deny },
      { ...credentials.sts, deny },
      ...(api?.accessKeys ?? []).map((key) => ({ ...key, deny: key.deny ?? [] })),
    ]);
  }

  get(accessKeyId: string): AccessKeyRecord | undefined {
    return this.keys.get(accessKeyId);
  }
}

/** Whether `deny` covers the RAM action `product:action` ("*", "slb:*" or the exact action). */
export function isRamActionDenied(deny: readonly string[], product: string, action: string): boolean {
  return deny.some((pattern) => pattern === '*' || pattern === `${product}:*` || pattern === `${product}:${action}`);
}
