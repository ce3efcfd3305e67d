// One RunCommand content for many instances: the common host script once, each instance's own header assignments
// picked by {{ACS::InstanceId}}, packed (gzip+Base64) when the plain text would pass RunCommand's 24 KB, split again
// per check on the host script's version line.
import { gunzipSync } from 'node:zlib';
import { HOST_SCRIPT_VERSION, renderHostScript } from '../../lib/host/script';
import type { HostCheckSpec } from '../../lib/host/types';
import { contentSize, packBatches, renderBatchScript, splitBatchOutput } from '../../lib/onhost/batch-script';

const spec = (ip: string, port = 80): HostCheckSpec => ({ backendIp: ip, port, protocol: 'http', method: 'HEAD', uri: '/health', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx'], timeoutSeconds: 5, udpRequest: null, udpExpect: null });

/** The bash text the host runs: the plain content, or the packed payload unpacked. */
function hostText(content: string): string {
  const packed = /<<'HOSTCHECK_PAYLOAD' \| gunzip\n([\s\S]*?)\nHOSTCHECK_PAYLOAD\n/.exec(content);
  return packed ? gunzipSync(Buffer.from(packed[1]?.replace(/\n/g, '') ?? '', 'base64')).toString('utf8') : content;
}

describe('batch script', () => {
  it('keeps the common script once and gives each instance its own backend IP and Host', () => {
    const members = [
      { instanceId: 'i-a', checks: [spec('10.0.0.1')] },
      { instanceId: 'i-b', checks: [spec('10.0.0.2')] },
    ];
    const content = renderBatchScript(members, renderHostScript);
    expect(content).toContain('{{ACS::InstanceId}}');
    expect(content.split('{{').length).toBe(2);
    const text = hostText(content);
    expect(text.match(/^\s+B_IP='10\.0\.0\.[12]'$/gm)).toEqual(["    B_IP='10.0.0.1'", "    B_IP='10.0.0.2'"]);
    expect(text).toMatch(/^ {2}'i-a'\)$/m);
    // The body (everything but the varying header lines) appears once.
    expect(text.split('prune_ipt() {').length).toBe(2);
    expect(text).toContain('is not in this batch');
  });

  it('packs 250 instances into batches of at most 100 that fit 24 KB in Base64', () => {
    const members = Array.from({ length: 250 }, (_, index) => ({ instanceId: `i-${index}`, checks: [spec(`10.0.${Math.floor(index / 200)}.${(index % 200) + 1}`)] }));
    const { batches, tooLarge } = packBatches(members, renderHostScript, 100);
    expect(tooLarge).toEqual([]);
    expect(batches.map((batch) => batch.members.length)).toEqual([100, 100, 50]);
    for (const batch of batches) expect(contentSize(batch.script)).toBeLessThanOrEqual(24 * 1024);
    expect(batches.flatMap((batch) => batch.members.map((m) => m.instanceId))).toEqual(members.map((m) => m.instanceId));
  });

  it('runs several checks of one instance one after another, and splits their outputs on the version line', () => {
    const text = hostText(renderBatchScript([{ instanceId: 'i-a', checks: [spec('10.0.0.1', 80), spec('10.0.0.1', 8080)] }], renderHostScript));
    expect(text.match(/^B_PORT=\d+$/gm)).toEqual(['B_PORT=80', 'B_PORT=8080']);
    const marker = `#${HOST_SCRIPT_VERSION}`;
    expect(splitBatchOutput(`${marker}\n@meta a\n@done\n${marker}\n@meta b\n`, 2)).toEqual([`${marker}\n@meta a\n@done`, `${marker}\n@meta b\n`]);
    // Output cut before the second check: that check gets nothing, so its verdict says it could not be read.
    expect(splitBatchOutput(`${marker}\n@meta a\n`, 2)).toEqual([`${marker}\n@meta a\n`, '']);
  });
});
