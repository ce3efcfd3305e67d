// Signature, credential, timestamp and nonce checks, exercised with the REAL Alibaba Cloud SDKs over http.
import { request as httpRequest } from 'node:http';
import * as $Ecs from '@alicloud/ecs20140526';
import { sha256Hex, v3Signature, v3StringToSign } from '../../../lib/sandbox/openapi/signature';
import { callError, callRpc, ecsClient, smallScenario, startApis, type ApiFixture } from './helpers';

const STS_KEY = { accessKeyId: 'STS.ExtraTemporaryKey01', accessKeySecret: 'extra-secret', securityToken: 'extra-token' };
const EXPIRED_KEY = { accessKeyId: 'STS.ExpiredTemporaryKey', accessKeySecret: 'old-secret', securityToken: 'old-token', expired: true };

describe('OpenAPI request authentication', () => {
  let api: ApiFixture;
  let skewMs = 0;

  beforeAll(async () => {
    api = await startApis({ ...smallScenario(), api: { accessKeys: [STS_KEY, EXPIRED_KEY] } }, { now: () => Date.now() + skewMs });
  });
  afterAll(() => api.stop());
  afterEach(() => {
    skewMs = 0;
  });

  const ak = () => ({ accessKeyId: api.credentials.accessKeyId, accessKeySecret: api.credentials.accessKeySecret });

  it('accepts a V3 (ACS3-HMAC-SHA256) call signed by openapi-client with the printed access key', async () => {
    const body = await callRpc(api.slb.endpoint, ak(), 'DescribeLoadBalancers', { RegionId: 'cn-hangzhou', PageSize: 50, PageNumber: 1 });
    expect(body.TotalCount).toBe(2);
    expect(body.RequestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('accepts a legacy V1 (HMAC-SHA1) call with characters that need re-encoding', async () => {
    const body = await callRpc(
      api.slb.endpoint,
      ak(),
      'DescribeLoadBalancers',
      { RegionId: 'cn-hangzhou', LoadBalancerName: "it's (a)*b! ~c" },
      { v1: true },
    );
    expect(body.TotalCount).toBe(0);
  });

  it('accepts V3 query values with ! \' ( ) * and spaces (canonical re-encoding)', async () => {
    const body = await callRpc(api.slb.endpoint, ak(), 'DescribeLoadBalancers', { RegionId: 'cn-hangzhou', LoadBalancerName: "it's (a)*b! ~c" });
    expect(body.TotalCount).toBe(0);
  });

  it('accepts the printed STS credentials (V3 and V1)', async () => {
    const sts = api.credentials.sts;
    await expect(callRpc(api.slb.endpoint, sts, 'DescribeRegions')).resolves.toHaveProperty('Regions');
    await expect(callRpc(api.slb.endpoint, sts, 'DescribeRegions', {}, { v1: true })).resolves.toHaveProperty('Regions');
  });

  it('answers SignatureDoesNotMatch (400) to a wrong secret, naming the server string to sign', async () => {
    for (const v1 of [false, true]) {
      const err = await callError(callRpc(api.slb.endpoint, { ...ak(), accessKeySecret: 'wrong' }, 'DescribeRegions', {}, { v1 }));
      expect(err.code).toBe('SignatureDoesNotMatch');
      expect(err.statusCode).toBe(400);
      expect(err.message).toContain(v1 ? 'server string to sign is:POST&%2F&' : 'server string to sign is:ACS3-HMAC-SHA256\n');
      expect(err.data).toMatchObject({ Code: 'SignatureDoesNotMatch', HostId: api.slb.endpoint });
      expect(err.data?.Recommend).toEqual(expect.stringContaining('SignatureDoesNotMatch'));
    }
  });

  it('answers InvalidAccessKeyId.NotFound (404) to an unknown key', async () => {
    const err = await callError(callRpc(api.slb.endpoint, { accessKeyId: 'LTAIunknownunknown00', accessKeySecret: 'x' }, 'DescribeRegions'));
    expect(err).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
  });

  it('answers IllegalTimestamp (400) when the server clock is 20 minutes off', async () => {
    skewMs = 20 * 60 * 1000;
    for (const v1 of [false, true]) {
      const err = await callError(callRpc(api.slb.endpoint, ak(), 'DescribeRegions', {}, { v1 }));
      expect(err).toMatchObject({ code: 'IllegalTimestamp', statusCode: 400 });
    }
  });

  it('answers IllegalTimestamp to a signed but stale x-acs-date, and SignatureNonceUsed to a replayed nonce', async () => {
    const stale = new Date(Date.now() - 16 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const staleErr = await callError(callRpc(api.slb.endpoint, ak(), 'DescribeRegions', {}, { headers: { 'x-acs-date': stale } }));
    expect(staleErr.code).toBe('IllegalTimestamp');

    const headers = { 'x-acs-signature-nonce': `nonce-${Date.now()}` };
    await callRpc(api.slb.endpoint, ak(), 'DescribeRegions', {}, { headers });
    const replay = await callError(callRpc(api.slb.endpoint, ak(), 'DescribeRegions', {}, { headers }));
    expect(replay).toMatchObject({ code: 'SignatureNonceUsed', statusCode: 400 });
  });

  it('checks STS tokens: missing → Malformed, wrong → MismatchWithAccessKey, expired → Expired', async () => {
    const withoutToken = { accessKeyId: STS_KEY.accessKeyId, accessKeySecret: STS_KEY.accessKeySecret };
    expect((await callError(callRpc(api.slb.endpoint, withoutToken, 'DescribeRegions'))).code).toBe('InvalidSecurityToken.Malformed');
    expect((await callError(callRpc(api.slb.endpoint, { ...STS_KEY, securityToken: 'forged' }, 'DescribeRegions'))).code).toBe(
      'InvalidSecurityToken.MismatchWithAccessKey',
    );
    expect((await callError(callRpc(api.slb.endpoint, { ...STS_KEY, securityToken: 'forged' }, 'DescribeRegions', {}, { v1: true }))).code).toBe(
      'InvalidSecurityToken.MismatchWithAccessKey',
    );
    expect((await callError(callRpc(api.slb.endpoint, EXPIRED_KEY, 'DescribeRegions'))).code).toBe('InvalidSecurityToken.Expired');
    await expect(callRpc(api.slb.endpoint, STS_KEY, 'DescribeRegions')).resolves.toHaveProperty('Regions');
  });

  it('answers InvalidAction.NotFound to an unknown action or a wrong version', async () => {
    const unknown = await callError(callRpc(api.slb.endpoint, ak(), 'DescribeEverything'));
    expect(unknown).toMatchObject({ code: 'InvalidAction.NotFound', statusCode: 404 });
    const wrongVersion = await callError(callRpc(api.slb.endpoint, ak(), 'DescribeRegions', {}, { version: '2014-05-26' }));
    expect(wrongVersion.code).toBe('InvalidAction.NotFound');
    const inherited = await callError(callRpc(api.slb.endpoint, ak(), 'toString'));
    expect(inherited.code).toBe('InvalidAction.NotFound');
  });

  it('verifies @alicloud/ecs20140526 (openapi-core, V3) calls, with an AK and with STS', async () => {
    const request = new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify(['i-1']) });
    const byAk = await ecsClient(api.ecs.endpoint, ak()).describeInstances(request);
    expect(byAk.body?.instances?.instance?.map((instance) => instance.instanceId)).toEqual(['i-1']);
    const bySts = await ecsClient(api.ecs.endpoint, api.credentials.sts).describeInstances(request);
    expect(bySts.statusCode).toBe(200);
    const wrong = await callError(ecsClient(api.ecs.endpoint, { ...ak(), accessKeySecret: 'nope' }).describeInstances(request));
    expect(wrong).toMatchObject({ name: 'ClientError', code: 'SignatureDoesNotMatch', statusCode: 400 });
  });

  describe('raw requests', () => {
    /** Sends a V3 request that signs exactly `signed`; `extraHeaders` are added after signing. */
    const rawV3 = (options: { signed: string[]; extraHeaders?: Record<string, string>; body?: string; declaredHash?: string }) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const body = options.body ?? '';
        const headers: Record<string, string> = {
          host: api.slb.endpoint,
          'x-acs-action': 'DescribeRegions',
          'x-acs-version': '2014-05-15',
          'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          'x-acs-signature-nonce': `raw-${Math.random()}`,
          'x-acs-content-sha256': options.declaredHash ?? sha256Hex(body),
        };
        const stringToSign = v3StringToSign({ method: 'POST', path: '/', query: [], headers, signedHeaders: options.signed, contentSha256: headers['x-acs-content-sha256'] });
        const authorization = `ACS3-HMAC-SHA256 Credential=${api.credentials.accessKeyId},SignedHeaders=${options.signed.join(';')},Signature=${v3Signature(api.credentials.accessKeySecret, stringToSign)}`;
        const [hostname, port] = api.slb.endpoint.split(':');
        const req = httpRequest(
          { hostname, port: Number(port), method: 'POST', path: '/', headers: { ...headers, ...options.extraHeaders, authorization }, timeout: 5000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const allSigned = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'];

    it('accepts a correctly signed request', async () => {
      expect((await rawV3({ signed: allSigned })).status).toBe(200);
    });

    it('rejects SignedHeaders that leave out host or an x-acs-* header', async () => {
      const withoutHost = await rawV3({ signed: allSigned.filter((name) => name !== 'host') });
      expect(withoutHost.body).toMatchObject({ Code: 'IncompleteSignature' });
      expect(String(withoutHost.body.Message)).toContain('host');
      const unsignedExtra = await rawV3({ signed: allSigned, extraHeaders: { 'x-acs-extra': 'sneaky' } });
      expect(unsignedExtra.body.Code).toBe('IncompleteSignature');
      expect(String(unsignedExtra.body.Message)).toContain('x-acs-extra');
    });

    it('rejects a body whose SHA-256 differs from x-acs-content-sha256', async () => {
      const reply = await rawV3({ signed: allSigned, body: 'RegionId=cn-hangzhou', declaredHash: sha256Hex('') });
      expect(reply).toMatchObject({ status: 400, body: { Code: 'SignatureDoesNotMatch' } });
    });
  });
});
