// A second sandbox whose scenario addresses are taken moves the whole scenario to free loopback blocks, consistently;
// each running sandbox sends SLB's checks from its own slice of 127.100.64.0/24.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackends } from '../../lib/sandbox/backends';
import { describeSandbox, runSandboxCommand, startSandboxCloud, type SandboxCloud } from '../../lib/sandbox/cloud';
import { claimSourceSlice, CLAIM_PORT } from '../../lib/sandbox/healthcheck/sources';
import { pickTargetBlocks, relocateText, scenarioBlocks, whyNotRelocatable } from '../../lib/sandbox/relocation';
import type { Scenario } from '../../lib/sandbox/scenario/types';
import { escapeRegExp, listenOnFreeNet } from '../support/nets';
import { oneVpcScenario, instance } from '../support/scenarios';
import { waitForStatus } from '../support/wait';

/** Picked at random per run, so that two runs of this file on one machine rarely start on the same block. */
const NET = `127.${String(101 + Math.floor(Math.random() * 150))}.${String(Math.floor(Math.random() * 256))}`;

function twoBackends(): Scenario {
  return oneVpcScenario(NET, {
    instances: [instance('i-up', `${NET}.11`), instance('i-down', `${NET}.12`)],
    endpoints: [
      { ip: `${NET}.11`, port: 8080, behaviour: 'healthy' },
      { ip: `${NET}.12`, port: 8080, behaviour: 'status', options: { status: 503 } },
    ],
    loadBalancers: [
      {
        LoadBalancerId: 'lb-twin',
        VpcId: 'vpc-test',
        BackendServers: [
          { ServerId: 'i-up', Weight: 100 },
          { ServerId: 'i-down', Weight: 100 },
        ],
        Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080, healthCheck: { HealthCheckInterval: 1, HealthyThreshold: 2, UnhealthyThreshold: 2, HealthCheckDomain: `${NET}.11` } }],
      },
    ],
    expectedFindings: { [`lb-twin/http:80/${NET}.12:8080`]: 'STATUS_MISMATCH' },
  });
}

describe('relocateText', () => {
  const moves = new Map([[0, 37]]);

  it('moves addresses, ip:port pairs, keys and CIDRs of /16 or narrower inside a moved block', () => {
    expect(relocateText('127.0.0.11', moves)).toBe('127.37.0.11');
    expect(relocateText('lb-1/http:80/127.0.0.11:8080', moves)).toBe('lb-1/http:80/127.37.0.11:8080');
    expect(relocateText('"127.0.0.0/25" "127.0.0.128/25" "127.0.0.0/16"', moves)).toBe('"127.37.0.0/25" "127.37.0.128/25" "127.37.0.0/16"');
  });

  it('leaves wider CIDRs, other blocks, the checker range and look-alikes alone', () => {
    expect(relocateText('127.0.0.0/8 0.0.0.0/0 100.64.0.0/10 127.100.64.1 127.5.0.11 1127.0.0.1 127.0.0.1.5', moves)).toBe(
      '127.0.0.0/8 0.0.0.0/0 100.64.0.0/10 127.100.64.1 127.5.0.11 1127.0.0.1 127.0.0.1.5',
    );
  });

  it('finds the blocks a scenario uses and never picks the checker block, block 0 or a used one as a target', () => {
    expect(scenarioBlocks(twoBackends())).toEqual([Number(NET.split('.')[1])]);
    for (let round = 0; round < 50; round += 1) {
      const targets = [...pickTargetBlocks([1, 2, 3], new Set([4])).values()];
      expect(new Set(targets).size).toBe(3);
      for (const target of targets) expect([0, 1, 2, 3, 4, 100, 255]).not.toContain(target);
    }
  });

  it('refuses to move a scenario with an external endpoint', () => {
    const scenario = twoBackends();
    scenario.endpoints.push({ ip: `${NET}.13`, port: 8080, external: true });
    expect(whyNotRelocatable(scenario)).toBe(`endpoint ${NET}.13:8080 is external (already running), so the scenario's addresses cannot move`);
    expect(whyNotRelocatable(twoBackends())).toBeNull();
  });
});

describe('two sandboxes with one scenario', () => {
  let first: SandboxCloud;
  let second: SandboxCloud;

  beforeAll(async () => {
    first = await startSandboxCloud(twoBackends());
    second = await startSandboxCloud(twoBackends());
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('the second moves and says so in its JSON line; the first keeps the scenario as written (or moves too when someone else holds it)', () => {
    expect(second.relocation).not.toBeNull();
    const line = JSON.parse(JSON.stringify(describeSandbox(second))) as { relocated?: { reason: string; blocks: Array<{ from: string; to: string }> } };
    expect(line.relocated).toEqual(second.relocation);
    expect(line.relocated?.reason).toMatch(new RegExp(`^tcp ${escapeRegExp(first.actual(NET))}\\.1[12]:8080 is in use$`));
    expect(second.actual(`${NET}.11:8080`)).not.toBe(first.actual(`${NET}.11:8080`));
    if (first.relocation === null) expect(first.actual(`${NET}.11`)).toBe(`${NET}.11`);
  });

  it('both serve the same verdicts at their own addresses: backends, checker and API agree', async () => {
    for (const cloud of [first, second]) {
      const up = cloud.actual(`lb-twin/http:80/${NET}.11:8080`);
      const down = cloud.actual(`lb-twin/http:80/${NET}.12:8080`);
      expect(cloud.checker.keys().sort()).toEqual([up, down].sort());
      expect(await waitForStatus(cloud.checker, up, 'normal', 10_000)).toBe(true);
      expect(await waitForStatus(cloud.checker, down, 'abnormal', 10_000)).toBe(true);
      expect(Object.keys(cloud.scenario.expectedFindings ?? {})).toEqual([down]);
      expect(cloud.scenario.vpcs[0]?.cidr).toBe(cloud.actual(`${NET}.0/24`));
      // The check's Host header moved with the addresses.
      expect(cloud.checker.detail(up)?.check).toContain(`Host ${cloud.actual(`${NET}.11`)}`);
    }
  });

  it('their checkers send from different slices of 127.100.64.0/24', () => {
    for (const ip of second.checker.sourceIps) expect(first.checker.sourceIps).not.toContain(ip);
  });

  it('`slb-doctor sandbox` beside them prints the moved addresses in its line and one note on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-relocation-'));
    try {
      const file = join(dir, 'scenario.json');
      writeFileSync(file, JSON.stringify(twoBackends()));
      const out: string[] = [];
      const err: string[] = [];
      const code = await runSandboxCommand(['--scenario', file], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), untilStopped: () => Promise.resolve() });
      expect(code).toBe(0);
      const line = JSON.parse(out.join('')) as { relocated?: { blocks: Array<{ from: string; to: string }> } };
      const block = line.relocated?.blocks[0];
      expect(block?.from).toBe(`127.${NET.split('.')[1] ?? ''}.0.0/16`);
      expect(err).toEqual([expect.stringMatching(new RegExp(`^slb-doctor sandbox: tcp [0-9.]+:8080 is in use; serving the scenario at other addresses instead \\(${escapeRegExp(`${block?.from ?? ''} → ${block?.to ?? ''}`)}\\), as "relocated" in the line above says\n$`))]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a sandbox asked not to move fails with the taken address named', async () => {
    await expect(startSandboxCloud(second.scenario, { onAddressInUse: 'fail' })).rejects.toThrow(/the address is in use.*\(the sandbox was asked not to move it\)$/);
  });
});

describe('a refused endpoint whose address someone else serves', () => {
  const squatter = net.createServer((socket) => socket.destroy());
  let squatNet = '';
  beforeAll(async () => {
    squatNet = await listenOnFreeNet(squatter, 13, 8080);
  });
  afterAll(() => new Promise((resolve) => squatter.close(resolve)));

  function refusedAt(netPrefix: string): Scenario {
    return oneVpcScenario(netPrefix, {
      instances: [instance('i-closed', `${netPrefix}.13`)],
      endpoints: [{ ip: `${netPrefix}.13`, port: 8080, behaviour: 'refused' }],
      loadBalancers: [{ LoadBalancerId: 'lb-closed', VpcId: 'vpc-test', BackendServers: [{ ServerId: 'i-closed', Weight: 100 }], Listeners: [{ ListenerPort: 80, ListenerProtocol: 'http', BackendServerPort: 8080 }] }],
    });
  }

  it('is not served there (it would answer): the backends refuse to start, and a sandbox moves', async () => {
    await expect(startBackends(refusedAt(squatNet))).rejects.toThrow(`endpoint ${squatNet}.13:8080 (refused): another process listens there, so it would not refuse connections`);
    const cloud = await startSandboxCloud(refusedAt(squatNet));
    try {
      expect(cloud.relocation?.reason).toBe(`tcp ${squatNet}.13:8080 must refuse connections (behaviour refused), but another process listens there`);
      expect(cloud.actual(`${squatNet}.13`)).not.toBe(`${squatNet}.13`);
    } finally {
      await cloud.stop();
    }
  });
});

describe('claimSourceSlice', () => {
  it('gives concurrent claims distinct slices and frees them on release', async () => {
    const claims = await Promise.all([claimSourceSlice(), claimSourceSlice(), claimSourceSlice()]);
    const firsts = claims.filter((claim) => claim.exclusive).map((claim) => claim.sourceIps[0]);
    expect(new Set(firsts).size).toBe(firsts.length);
    expect(firsts.length).toBeGreaterThan(0);
    for (const claim of claims) {
      expect(claim.sourceIps).toHaveLength(8);
      for (const ip of claim.sourceIps) expect(ip).toMatch(/^127\.100\.64\.([1-9]|[1-9]\d|1\d\d|2[0-4]\d)$/);
    }
    await Promise.all(claims.map((claim) => claim.release()));
    expect(CLAIM_PORT).toBeLessThan(32_768);
  });
});
