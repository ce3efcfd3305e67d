// Which credentials sign the calls, in order: the FC context's (explicit), the access key the entry point read from
// ALIBABA_CLOUD_* (lib/config/env.ts accessKeyFromEnv), then the @alicloud/credentials default chain (profiles, OIDC,
// instance RAM role, credentials URI).
import Credential, { Config as CredentialConfig, DefaultCredentialsProvider, type CredentialsProvider } from '@alicloud/credentials';
import type { StaticCredentials } from '../model';
import { UserFacingError, errorMessage } from '../util/errors';

export type { StaticCredentials };

export type CredentialSource = 'explicit' | 'environment' | 'default-chain';

export interface ResolvedCredentials {
  source: CredentialSource;
  /** Handed to the SDK clients (`Config.credential`); the default chain is only consulted on the first call. */
  credential: Credential;
  /** The credentials as of now (for clients that take static keys, e.g. @alicloud/fc2). */
  current(): Promise<StaticCredentials>;
}

/** ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / ALIBABA_CLOUD_SECURITY_TOKEN as set (a field absent: not set). */
export interface EnvironmentAccessKey {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
}

export interface CredentialOptions {
  explicit?: StaticCredentials | null;
  environment?: EnvironmentAccessKey | null;
  /** The chain consulted last; default: @alicloud/credentials' DefaultCredentialsProvider. */
  defaultChain?: () => CredentialsProvider;
}

const SET_THESE =
  'set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or configure an Alibaba Cloud credentials profile or RAM role';

function missing(detail: string, cause?: unknown): UserFacingError {
  return new UserFacingError(`No Alibaba Cloud credentials found (${detail}): ${SET_THESE}.`, 'CREDENTIALS_MISSING', { cause });
}

function staticCredential(keys: StaticCredentials): Credential {
  const type = keys.securityToken ? 'sts' : 'access_key';
  return new Credential(
    new CredentialConfig({ type, accessKeyId: keys.accessKeyId, accessKeySecret: keys.accessKeySecret, securityToken: keys.securityToken }),
  );
}

function checkPair(keys: StaticCredentials, source: string, names: [string, string]): void {
  if (keys.accessKeyId.trim() === '' || keys.accessKeySecret.trim() === '') {
    const absent = keys.accessKeyId.trim() === '' ? names[0] : names[1];
    throw new UserFacingError(`${source}: ${absent} is empty; ${SET_THESE}.`, 'CREDENTIALS_MISSING');
  }
}

/** A provider that runs the default chain lazily and turns "nothing found" into one actionable line. */
function guardedChain(createChain: () => CredentialsProvider): CredentialsProvider {
  let chain: CredentialsProvider | null = null;
  return {
    getProviderName: () => 'default',
    getCredentials: async () => {
      try {
        chain ??= createChain();
        return await chain.getCredentials();
      } catch (err) {
        // The chain's own message lists every provider's failure (hundreds of characters, SDK typos included);
        // the user needs only where we looked. --debug still prints it through the error's cause.
        if (/any of the providers in the chain/.test(errorMessage(err))) {
          throw missing('looked in the environment, the CLI profiles ~/.aliyun/config.json and ~/.alibabacloud/credentials, and the ECS RAM role', err);
        }
        throw missing(`the default credentials chain said: ${errorMessage(err)}`, err);
      }
    },
  };
}

export function resolveCredentials(options: CredentialOptions = {}): ResolvedCredentials {
  const make = (source: CredentialSource, credential: Credential): ResolvedCredentials => ({
    source,
    credential,
    current: async () => {
      const model = await credential.getCredential();
      if (!model.accessKeyId || !model.accessKeySecret) throw missing(`the ${source} credentials carry no access key`);
      return { accessKeyId: model.accessKeyId, accessKeySecret: model.accessKeySecret, ...(model.securityToken ? { securityToken: model.securityToken } : {}) };
    },
  });

  if (options.explicit) {
    checkPair(options.explicit, 'The function context credentials', ['accessKeyId', 'accessKeySecret']);
    return make('explicit', staticCredential(options.explicit));
  }

  const { accessKeyId, accessKeySecret, securityToken } = options.environment ?? {};
  if (accessKeyId !== undefined || accessKeySecret !== undefined) {
    const keys: StaticCredentials = { accessKeyId: accessKeyId ?? '', accessKeySecret: accessKeySecret ?? '' };
    checkPair(keys, 'Environment credentials', ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET']);
    return make('environment', staticCredential(securityToken === undefined ? keys : { ...keys, securityToken }));
  }

  const createChain = options.defaultChain ?? ((): CredentialsProvider => DefaultCredentialsProvider.builder().build());
  return make('default-chain', new Credential(null, guardedChain(createChain)));
}
