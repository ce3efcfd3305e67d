// Endpoints (the SDKs' region tables and validated overrides) and where credentials come from.
import { createCloudClients } from '../../lib/cloud';
import { resolveCredentials } from '../../lib/cloud/credentials';
import { defaultHost, parseEndpointOverride, resolveEndpoint } from '../../lib/cloud/endpoints';
import { accessKeyFromEnv, readEndpointEnv } from '../../lib/config/env';
import { UserFacingError } from '../../lib/util/errors';

function thrown(fn: () => unknown): UserFacingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserFacingError) return err;
    throw err;
  }
  throw new Error('expected a UserFacingError');
}

describe('default endpoints', () => {
  it.each([
    ['slb', 'cn-hangzhou', 'slb.aliyuncs.com'],
    ['slb', 'ap-southeast-1', 'slb.aliyuncs.com'],
    ['slb', 'eu-central-1', 'slb.eu-central-1.aliyuncs.com'],
    ['slb', 'cn-huhehaote-nebula-1', 'slb-api.cn-qingdao-nebula.aliyuncs.com'],
    ['ecs', 'cn-hangzhou', 'ecs-cn-hangzhou.aliyuncs.com'],
    ['ecs', 'cn-wuhan', 'ecs.aliyuncs.com'],
    ['ecs', 'eu-central-1', 'ecs.eu-central-1.aliyuncs.com'],
  ] as const)('%s in %s is %s', (product, region, host) => {
    expect(defaultHost(product, region)).toBe(host);
    expect(resolveEndpoint(product, region, undefined)).toEqual({ protocol: 'https', host });
  });

  it('refuses a region id that is not one', () => {
    const err = thrown(() => defaultHost('slb', 'cn hangzhou/../x'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/not an Alibaba Cloud region id/);
  });
});

describe('endpoint overrides', () => {
  it('takes protocol, host and port from a URL', () => {
    expect(parseEndpointOverride('http://127.0.0.1:7001', 'x')).toEqual({ protocol: 'http', host: '127.0.0.1:7001' });
    expect(parseEndpointOverride('https://slb.example.test/', 'x')).toEqual({ protocol: 'https', host: 'slb.example.test' });
  });

  it('prefers the explicit override (a flag), then the environment variable the entry point decoded', () => {
    const env = { SLB_DOCTOR_SLB_ENDPOINT: 'http://127.0.0.1:7001', SLB_DOCTOR_ECS_ENDPOINT: 'http://127.0.0.1:7002' };
    const fromEnv = (name: 'SLB_DOCTOR_SLB_ENDPOINT' | 'SLB_DOCTOR_ECS_ENDPOINT', flag?: string): string | undefined => flag ?? readEndpointEnv(name, env);
    expect(resolveEndpoint('slb', 'cn-hangzhou', fromEnv('SLB_DOCTOR_SLB_ENDPOINT'))).toEqual({ protocol: 'http', host: '127.0.0.1:7001' });
    expect(resolveEndpoint('ecs', 'cn-hangzhou', fromEnv('SLB_DOCTOR_ECS_ENDPOINT'))).toEqual({ protocol: 'http', host: '127.0.0.1:7002' });
    expect(resolveEndpoint('slb', 'cn-hangzhou', fromEnv('SLB_DOCTOR_SLB_ENDPOINT', 'http://127.0.0.1:9000'))).toEqual({ protocol: 'http', host: '127.0.0.1:9000' });
  });

  it.each([
    ['127.0.0.1:7001', /is not a URL|uses protocol/],
    ['ftp://127.0.0.1:7001', /uses protocol 'ftp:'/],
    ['http://127.0.0.1:7001/api', /must not have a path/],
    ['http://127.0.0.1:7001?x=1', /must not have a path, query or fragment/],
    ['http://user:pw@127.0.0.1:7001', /must not carry credentials/],
    ['not a url', /is not a URL/],
  ])('refuses %s in one line that names the variable', (value, problem) => {
    const err = thrown(() => readEndpointEnv('SLB_DOCTOR_SLB_ENDPOINT', { SLB_DOCTOR_SLB_ENDPOINT: value }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(problem);
    expect(err.message).toContain('SLB_DOCTOR_SLB_ENDPOINT');
    expect(err.message).toContain('http://127.0.0.1:7001');
    expect(err.message).not.toContain('\n');
  });

  it('createCloudClients reports the endpoints it will call', () => {
    const clients = createCloudClients({
      regionId: 'eu-central-1',
      credentials: { accessKeyId: 'AK', accessKeySecret: 'SK' },
      endpoints: { ecs: readEndpointEnv('SLB_DOCTOR_ECS_ENDPOINT', { SLB_DOCTOR_ECS_ENDPOINT: 'http://127.0.0.1:7002' }) },
    });
    expect(clients.endpoints).toEqual({ slb: { protocol: 'https', host: 'slb.eu-central-1.aliyuncs.com' }, ecs: { protocol: 'http', host: '127.0.0.1:7002' } });
  });
});

describe('credentials', () => {
  const noChain = (): never => {
    throw new Error('the default chain must not be consulted');
  };

  it('uses the explicit (FC context) credentials first', async () => {
    const resolved = resolveCredentials({
      explicit: { accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'ctx-token' },
      environment: accessKeyFromEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret' }),
      defaultChain: noChain,
    });
    expect(resolved.source).toBe('explicit');
    expect(await resolved.current()).toEqual({ accessKeyId: 'STS.ctx', accessKeySecret: 'ctx-secret', securityToken: 'ctx-token' });
  });

  it('then the environment variables', async () => {
    const resolved = resolveCredentials({
      environment: accessKeyFromEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret', ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token' }),
      defaultChain: noChain,
    });
    expect(resolved.source).toBe('environment');
    expect(await resolved.current()).toEqual({ accessKeyId: 'env-id', accessKeySecret: 'env-secret', securityToken: 'env-token' });
  });

  it('then the default chain, consulted only when credentials are needed', async () => {
    let consulted = 0;
    const resolved = resolveCredentials({
      environment: accessKeyFromEnv({}),
      defaultChain: () => {
        consulted++;
        return {
          getProviderName: () => 'profile',
          getCredentials: async () => ({ accessKeyId: 'chain-id', accessKeySecret: 'chain-secret', securityToken: '', providerName: 'profile' }),
        };
      },
    });
    expect(resolved.source).toBe('default-chain');
    expect(consulted).toBe(0);
    expect(await resolved.current()).toEqual({ accessKeyId: 'chain-id', accessKeySecret: 'chain-secret' });
    expect(consulted).toBe(1);
  });

  it('missing everywhere is one line saying which variables to set', async () => {
    const resolved = resolveCredentials({
      environment: accessKeyFromEnv({}),
      defaultChain: () => ({
        getProviderName: () => 'default',
        getCredentials: async () => {
          throw new Error('unable to get credentials from any of the providers in the chain: no profile');
        },
      }),
    });
    const err = await resolved.current().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).code).toBe('CREDENTIALS_MISSING');
    expect((err as UserFacingError).message).toMatch(/No Alibaba Cloud credentials found .*set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
  });

  it('half a key pair in the environment names the missing half', () => {
    const err = thrown(() => resolveCredentials({ environment: accessKeyFromEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id' }), defaultChain: noChain }));
    expect(err.code).toBe('CREDENTIALS_MISSING');
    expect(err.message).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_SECRET is empty/);
  });

  it('an empty explicit secret is refused', () => {
    const err = thrown(() => resolveCredentials({ explicit: { accessKeyId: 'id', accessKeySecret: ' ' }, defaultChain: noChain }));
    expect(err.message).toMatch(/accessKeySecret is empty/);
  });
});
