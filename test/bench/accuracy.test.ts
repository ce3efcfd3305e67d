// Scoring the delivered findings against the planted faults, and the bench command's refusal of bad flags.
import { findingsFromDigests, scoreAccuracy } from '../../bench/accuracy';
import { runBenchCommand } from '../../bench/fleet';

function notice(loadBalancerId: string, code: string, listener: { protocol: string; port: number } | null, backend: { ip: string; port: number } | null): unknown {
  return {
    event: 'new',
    finding: { code, cause: `${code} cause`, subject: { loadBalancerId, listener, backend: backend ? { serverId: 'i-1', checkPort: backend.port, ...backend } : null } },
  };
}

const expected = {
  'lb-1/http:80/127.1.0.10:8080': 'PATH_NOT_FOUND',
  'lb-1/tcp:3306/127.1.0.11:3306': 'PORT_CLOSED',
  'lb-2/http:80/127.1.0.12:8080': 'RESPONSE_TIMEOUT',
  'lb-3/http:80/127.1.0.13:8080': 'HEAD_NOT_SUPPORTED',
};

test('findings are read back from digests and keyed like the planted faults', () => {
  const delivered = findingsFromDigests([
    { schema: 'slb-doctor.digest/v1', part: 1, parts: 2, omitted: 2, notices: [notice('lb-1', 'PATH_NOT_FOUND', { protocol: 'http', port: 80 }, { ip: '127.1.0.10', port: 8080 }), notice('lb-9', 'INVENTORY_ERROR', null, null)] },
    { schema: 'something-else', notices: [notice('lb-1', 'PORT_CLOSED', { protocol: 'tcp', port: 3306 }, { ip: '127.1.0.11', port: 3306 })] },
    'not json',
    // The second part of the same digest: its notices count, its omitted count is the digest's again.
    { schema: 'slb-doctor.digest/v1', part: 2, parts: 2, omitted: 2, notices: [notice('lb-2', 'RESPONSE_TIMEOUT', { protocol: 'http', port: 80 }, { ip: '127.1.0.12', port: 8080 })] },
  ]);
  expect(delivered).toMatchObject({ digests: 1, parts: 2, omitted: 2 });
  expect(delivered.findings).toEqual([
    { key: 'lb-1/http:80/127.1.0.10:8080', loadBalancerId: 'lb-1', code: 'PATH_NOT_FOUND', cause: 'PATH_NOT_FOUND cause' },
    { key: null, loadBalancerId: 'lb-9', code: 'INVENTORY_ERROR', cause: 'INVENTORY_ERROR cause' },
    { key: 'lb-2/http:80/127.1.0.12:8080', loadBalancerId: 'lb-2', code: 'RESPONSE_TIMEOUT', cause: 'RESPONSE_TIMEOUT cause' },
  ]);
});

test('accuracy counts exact codes, wrong codes, missing, not covered and unexpected findings apart', () => {
  const delivered = findingsFromDigests([
    {
      schema: 'slb-doctor.digest/v1',
      part: 1,
      parts: 1,
      omitted: 0,
      notices: [
        notice('lb-1', 'PATH_NOT_FOUND', { protocol: 'http', port: 80 }, { ip: '127.1.0.10', port: 8080 }),
        notice('lb-1', 'CONNECT_TIMEOUT', { protocol: 'tcp', port: 3306 }, { ip: '127.1.0.11', port: 3306 }),
        notice('lb-4', 'PORT_CLOSED', { protocol: 'http', port: 80 }, { ip: '127.1.0.14', port: 8080 }),
      ],
    },
  ]).findings;
  const accuracy = scoreAccuracy(expected, delivered, new Set(['lb-3']));
  expect(accuracy).toEqual({
    planted: 4,
    correct: 1,
    wrongCode: { 'PORT_CLOSED → CONNECT_TIMEOUT': 1 },
    missing: 1,
    notCovered: 1,
    unexpected: { PORT_CLOSED: 1 },
    ratio: 0.25,
  });
  expect(scoreAccuracy({}, [], new Set()).ratio).toBe(1);
});

test('the bench command refuses bad flags with one line and prints its help', async () => {
  const io = { stdout: jest.fn(), stderr: jest.fn(), isTty: false, env: {} };
  await expect(runBenchCommand(['--lbs', '0'], io)).rejects.toThrow(/--lbs must be a whole number from 1 to 10000/);
  await expect(runBenchCommand(['--fanout-concurrency', '1025'], io)).rejects.toThrow(/--fanout-concurrency must be a whole number from 1 to 1024/);
  await expect(runBenchCommand(['--nope'], io)).rejects.toThrow(/slb-doctor bench --help/);
  expect(await runBenchCommand(['--help'], io)).toBe(0);
  expect(io.stdout).toHaveBeenCalledWith(expect.stringContaining('usage: slb-doctor bench'));
});
