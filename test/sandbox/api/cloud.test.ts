// The whole sandbox: backends + SLB's health checker + SLB/ECS API servers, and the `slb-doctor sandbox` command.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSandbox, runSandboxCommand, startSandboxCloud, type SandboxCloud } from '../../../lib/sandbox/cloud';
import { loadScenario } from '../../../lib/sandbox/scenario/load';
import type { Scenario } from '../../../lib/sandbox/scenario/types';
import { callRpc, type KeyPair } from './helpers';

const DEFAULT_SCENARIO = join(__dirname, '../../../lib/sandbox/default-scenario.json');

/** The default scenario moved from 127.0.0.x to 127.31.7.x, so suites running in parallel never share its addresses. */
function relocatedDefaultScenario(): Scenario {
  return loadScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, 'utf8').replaceAll('127.0.0.', '127.31.7.')) as unknown);
}

// Parsed API bodies are untyped JSON by nature.
type Json = Record<string, any>;

describe('startSandboxCloud with the default scenario', () => {
  let cloud: SandboxCloud;
  let key: KeyPair;

  beforeAll(async () => {
    cloud = await startSandboxCloud(relocatedDefaultScenario());
    key = { accessKeyId: cloud.credentials.accessKeyId, accessKeySecret: cloud.credentials.accessKeySecret };
  });
  afterAll(() => cloud.stop());

  it('settles its health checker, and DescribeHealthStatus agrees with the planted faults', async () => {
    expect(await cloud.checker.settled(30_000)).toBe(true);
    const expected = cloud.scenario.expectedFindings ?? {};
    const seen: string[] = [];
    for (const lb of cloud.scenario.loadBalancers) {
      const body = (await callRpc(cloud.endpoints.slb, key, 'DescribeHealthStatus', { RegionId: cloud.regionId, LoadBalancerId: lb.LoadBalancerId })) as Json;
      for (const entry of body.BackendServers.BackendServer as Json[]) {
        const id = `${lb.LoadBalancerId}/${entry.Protocol}:${entry.ListenerPort}/${entry.ServerIp}:${entry.Port}`;
        seen.push(id);
        const listener = lb.Listeners.find((item) => item.ListenerPort === entry.ListenerPort && item.ListenerProtocol === entry.Protocol);
        const checked = listener?.Status !== 'stopped' && listener?.healthCheck?.HealthCheck !== 'off';
        const want = !checked ? 'unavailable' : expected[id] !== undefined ? 'abnormal' : 'normal';
        expect(`${id} ${entry.ServerHealthStatus}`).toBe(`${id} ${want}`);
      }
    }
    for (const id of Object.keys(expected)) expect(seen).toContain(id);
  });

  it('describes itself in one JSON object with endpoints, keys, STS token and region', () => {
    const description = describeSandbox(cloud);
    expect(description).toMatchObject({
      regionId: 'cn-hangzhou',
      protocol: 'http',
      endpoints: { slb: cloud.endpoints.slb, ecs: cloud.endpoints.ecs },
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      sts: cloud.credentials.sts,
      services: { slb: { version: '2014-05-15' }, ecs: { version: '2014-05-26' } },
    });
    expect(cloud.endpoints.slb).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(JSON.stringify(description)).not.toContain('\n');
  });

  it('counts API calls per action', async () => {
    await callRpc(cloud.endpoints.ecs, cloud.credentials.sts, 'DescribeInstances', { RegionId: 'cn-hangzhou' }, { version: '2014-05-26' });
    const stats = cloud.apiStats();
    expect(stats.actions['slb:DescribeHealthStatus']?.ok).toBe(cloud.scenario.loadBalancers.length);
    expect(stats.actions['ecs:DescribeInstances']).toEqual({ calls: 1, ok: 1, errors: {} });
  });
});

describe('runSandboxCommand', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-cmd-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (text: string) => void out.push(text), stderr: (text: string) => void err.push(text) } };
  };

  it('prints one JSON line, serves until stopped, then stops cleanly', async () => {
    const file = join(dir, 'tiny.json');
    const tiny: Scenario = {
      regionId: 'cn-shanghai',
      accountId: '1688000000000003',
      vpcs: [{ vpcId: 'vpc-t', cidr: '127.31.8.0/24', vSwitchId: 'vsw-t' }],
      securityGroups: [],
      instances: [{ instanceId: 'i-t', status: 'Running', vpcId: 'vpc-t', privateIp: '127.31.8.11', securityGroupIds: [] }],
      endpoints: [{ ip: '127.31.8.11', port: 18080, behaviour: 'healthy' }],
      loadBalancers: [
        {
          LoadBalancerId: 'lb-t',
          VpcId: 'vpc-t',
          BackendServers: [{ ServerId: 'i-t', Weight: 100 }],
          Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 18080 }],
        },
      ],
    };
    writeFileSync(file, JSON.stringify(tiny));
    const { out, err, io } = capture();
    let answered: Json | undefined;
    const exitCode = await runSandboxCommand(['--scenario', file], {
      ...io,
      untilStopped: async () => {
        const banner = JSON.parse(out.join('')) as Json;
        answered = await callRpc(banner.endpoints.slb, banner.sts, 'DescribeLoadBalancers', { RegionId: banner.regionId });
      },
    });
    expect(exitCode).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(out[0].endsWith('\n')).toBe(true);
    expect(answered?.TotalCount).toBe(1);
  });

  it('exits 2 with one line for a bad scenario or a bad argument', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ regionId: 'cn-hangzhou' }));
    const bad = capture();
    expect(await runSandboxCommand([`--scenario=${file}`], bad.io)).toBe(2);
    expect(bad.err).toEqual([`slb-doctor sandbox: invalid scenario ${file}: accountId: is required\n`]);
    const unknown = capture();
    expect(await runSandboxCommand(['--bogus'], unknown.io)).toBe(2);
    expect(unknown.err[0]).toMatch(/^slb-doctor sandbox: unexpected argument "--bogus"; usage: /);
  });
});
