// The OSS emulator checks the V1 signature as OSS does; requests here are signed by hand, independently of ali-oss.
import { createHash, createHmac } from 'node:crypto';
import { startOssEmulator, type OssEmulator } from '../../../lib/sandbox/oss';

const KEY = { accessKeyId: 'LTAIhand', accessKeySecret: 'hand-secret' };

async function signedRequest(oss: OssEmulator, method: string, key: string, options: { secret?: string; body?: string; headers?: Record<string, string>; date?: Date } = {}) {
  const date = (options.date ?? new Date()).toUTCString();
  const body = options.body ?? '';
  const contentType = options.body !== undefined ? 'application/json' : '';
  const md5 = options.body !== undefined ? createHash('md5').update(body).digest('base64') : '';
  const ossHeaders = Object.entries(options.headers ?? {}).filter(([k]) => k.startsWith('x-oss-')).sort(([a], [b]) => a.localeCompare(b));
  const stringToSign = [method, md5, contentType, date, ...ossHeaders.map(([k, v]) => `${k}:${v}`), `/bucket-a/${key}`].join('\n');
  const signature = createHmac('sha1', options.secret ?? KEY.accessKeySecret).update(stringToSign).digest('base64');
  const headers: Record<string, string> = { date, authorization: `OSS ${KEY.accessKeyId}:${signature}`, ...(options.headers ?? {}) };
  if (contentType) Object.assign(headers, { 'content-type': contentType, 'content-md5': md5 });
  const response = await fetch(`${oss.endpoint}/bucket-a/${key}`, { method, headers, body: method === 'PUT' ? body : undefined });
  return { status: response.status, text: await response.text(), etag: response.headers.get('etag') };
}

describe('OSS emulator', () => {
  let oss: OssEmulator;
  beforeAll(async () => {
    oss = await startOssEmulator({ credentials: KEY });
  });
  afterAll(async () => {
    await oss.stop();
  });

  it('accepts a correctly signed path-style PUT/GET with the Date header', async () => {
    const put = await signedRequest(oss, 'PUT', 'a.json', { body: '{"a":1}', headers: { 'x-oss-meta-owner': 'doctor' } });
    expect(put.status).toBe(200);
    expect(put.etag).toBe(`"${createHash('md5').update('{"a":1}').digest('hex').toUpperCase()}"`);
    expect(await signedRequest(oss, 'GET', 'a.json')).toMatchObject({ status: 200, text: '{"a":1}' });
  });

  it('refuses a wrong secret with SignatureDoesNotMatch and a skewed clock with RequestTimeTooSkewed', async () => {
    const wrong = await signedRequest(oss, 'GET', 'a.json', { secret: 'wrong' });
    expect(wrong.status).toBe(403);
    expect(wrong.text).toMatch(/<Code>SignatureDoesNotMatch<\/Code>[\s\S]*<StringToSign>GET\n\n\n/);
    const skewed = await signedRequest(oss, 'GET', 'a.json', { date: new Date(Date.now() - 60 * 60_000) });
    expect(skewed.text).toContain('<Code>RequestTimeTooSkewed</Code>');
  });

  it('answers conditional writes with 412 PreconditionFailed (XML) or 409 FileAlreadyExists', async () => {
    const first = await signedRequest(oss, 'PUT', 'c.json', { body: '1', headers: { 'x-oss-forbid-overwrite': 'true' } });
    expect(first.status).toBe(200);
    const again = await signedRequest(oss, 'PUT', 'c.json', { body: '2', headers: { 'x-oss-forbid-overwrite': 'true' } });
    expect(again).toMatchObject({ status: 409, text: expect.stringContaining('<Code>FileAlreadyExists</Code>') });
    const stale = await signedRequest(oss, 'PUT', 'c.json', { body: '3', headers: { 'if-match': '"0000"' } });
    expect(stale).toMatchObject({ status: 412, text: expect.stringMatching(/<Code>PreconditionFailed<\/Code>[\s\S]*<Condition>If-Match<\/Condition>/) });
    expect(await signedRequest(oss, 'PUT', 'c.json', { body: '4', headers: { 'if-match': first.etag! } })).toMatchObject({ status: 200 });
    expect(oss.read('bucket-a', 'c.json')).toBe('4');
  });
});
