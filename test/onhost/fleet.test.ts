// The fleet-wide on-host run against an in-memory Cloud Assistant (the real ECS client and SDK, a fake wire): 1,000
// instances checked for the agent 50 a call, commanded 100 a call within the per-action budget, each instance once,
// polled with backoff to a terminal status; faults concern exactly the instances they hit. Virtual time: no waits.
import { createCloudClients, type ApiRequest, type CloudClients } from '../../lib/cloud';
import { HOST_SCRIPT_VERSION, renderHostScript } from '../../lib/host/script';
import type { HostCheckSpec } from '../../lib/host/types';
import { runOnHosts, type HostOutcome } from '../../lib/onhost/fleet';
import type { HostTarget } from '../../lib/onhost/targets';
import { FakeClock } from '../util/fake-clock';

const REGION = 'cn-hangzhou';

function spec(ip: string, port = 80): HostCheckSpec {
  return { backendIp: ip, port, protocol: 'http', method: 'HEAD', uri: '/health', domain: null, noHost: false, httpVersion: '1.0', codes: ['http_2xx', 'http_3xx'], timeoutSeconds: 5, udpRequest: null, udpExpect: null };
}

function instanceId(index: number): string {
  return `i-${String(index).padStart(4, '0')}`;
}

function fleet(count: number): HostTarget[] {
  return Array.from({ length: count }, (_, index) => {
    const ip = `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`;
    // Every 10th instance serves two listeners with different check ports: still one command for it.
    const checks = index % 10 === 0 ? [spec(ip, 80), spec(ip, 8080)] : [spec(ip, 80)];
    return {
      instanceId: instanceId(index),
      instanceStatus: index === 3 ? 'Stopped' : 'Running',
      checks: checks.map((s, n) => ({ key: `k${n}`, spec: s, findingIndexes: [index], slbStatus: 'abnormal' })),
    };
  });
}

interface FakeCloudAssistantOptions {
  clock: FakeClock;
  /** RunCommand calls accepted per 60 s before Throttling.User (the service-side quota). */
  runCommandQuota: number;
  behaviour: (id: string) => 'ok' | 'windows' | 'no-agent' | 'unknown' | 'timeout' | 'dropped' | 'hangs';
  denyRunCommand?: boolean;
}

/** Answers the three Cloud Assistant actions as the API does, and asserts the documented request limits. */
function fakeCloudAssistant(options: FakeCloudAssistantOptions) {
  const calls: ApiRequest[] = [];
  const runTimes: number[] = [];
  const commandedTimes = new Map<string, number>();
  const invocations = new Map<string, { ids: string[]; checks: Map<string, number>; polls: number }>();
  const list = (query: Record<string, string>, name: string): string[] =>
    Object.keys(query).filter((key) => key.startsWith(`${name}.`)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).map((key) => query[key] ?? '');
  const transport = async (request: ApiRequest): Promise<unknown> => {
    calls.push(request);
    const q = request.query;
    if (request.action === 'DescribeCloudAssistantStatus') {
      const ids = list(q, 'InstanceId');
      if (ids.length > 100 || Number(q.MaxResults) > 50) throw Object.assign(new Error('InvalidParameter'), { code: 'InvalidParameter', statusCode: 400 });
      const entries = ids
        .filter((id) => options.behaviour(id) !== 'unknown')
        .map((id) => ({ InstanceId: id, CloudAssistantStatus: options.behaviour(id) === 'no-agent' ? 'false' : 'true', OSType: options.behaviour(id) === 'windows' ? 'Windows' : 'Linux', CloudAssistantVersion: '2.2.3.857' }));
      return { RequestId: 'r', TotalCount: entries.length, NextToken: '', InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: entries } };
    }
    if (request.action === 'RunCommand') {
      const ids = list(q, 'InstanceId');
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThanOrEqual(100);
      expect(q.Type).toBe('RunShellScript');
      expect(q.ContentEncoding).toBe('Base64');
      expect(q.EnableParameter).toBe('true');
      expect((q.CommandContent ?? '').length).toBeLessThanOrEqual(24 * 1024);
      if (options.denyRunCommand) {
        throw Object.assign(new Error('Forbidden.RAM'), { code: 'Forbidden.RAM', statusCode: 403, data: { Code: 'Forbidden.RAM', Message: 'User not authorized to operate on the specified resource.' } });
      }
      const now = options.clock.now();
      if (runTimes.filter((t) => t > now - 60_000).length >= options.runCommandQuota) {
        throw Object.assign(new Error('Throttling.User'), { code: 'Throttling.User', statusCode: 400, data: { Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' } });
      }
      runTimes.push(now);
      for (const id of ids) commandedTimes.set(id, (commandedTimes.get(id) ?? 0) + 1);
      const script = Buffer.from(q.CommandContent ?? '', 'base64').toString('utf8');
      expect(script).toContain('{{ACS::InstanceId}}');
      const invokeId = `t-${invocations.size}`;
      // Two checks run as two version-marked parts; the batch script holds one subshell per check.
      const checks = new Map(ids.map((id) => [id, Number(id.slice(2)) % 10 === 0 ? 2 : 1]));
      invocations.set(invokeId, { ids, checks, polls: 0 });
      return { RequestId: 'r', InvokeId: invokeId, CommandId: `c-${invocations.size}` };
    }
    if (request.action === 'DescribeInvocationResults') {
      expect(Number(q.MaxResults)).toBeLessThanOrEqual(50);
      const invocation = invocations.get(q.InvokeId ?? '');
      if (!invocation) return { RequestId: 'r', Invocation: { TotalCount: 0, NextToken: '', InvocationResults: { InvocationResult: [] } } };
      const offset = q.NextToken ? Number(q.NextToken) : 0;
      if (offset === 0) invocation.polls += 1;
      const page = invocation.ids.slice(offset, offset + Number(q.MaxResults));
      const results = page.map((id) => {
        const behaviour = options.behaviour(id);
        const finished = invocation.polls >= 2 && behaviour !== 'hangs';
        const parts = Array.from({ length: invocation.checks.get(id) ?? 1 }, (_, n) => `#${HOST_SCRIPT_VERSION}\n@meta check=${n}\n@done ms=10 cut=`).join('\n');
        const status = !finished ? 'Running' : behaviour === 'timeout' ? 'Timeout' : 'Success';
        return {
          InstanceId: id,
          InvokeId: q.InvokeId,
          InvocationStatus: status,
          ExitCode: 0,
          Output: finished && behaviour !== 'timeout' ? Buffer.from(parts).toString('base64') : '',
          Dropped: finished && behaviour === 'dropped' ? 1234 : 0,
          ErrorCode: status === 'Timeout' ? 'ExecutionTimeout' : '',
          ErrorInfo: status === 'Timeout' ? 'the command execution has been timeout' : '',
        };
      });
      const next = offset + page.length;
      return { RequestId: 'r', Invocation: { TotalCount: invocation.ids.length, NextToken: next < invocation.ids.length ? String(next) : '', InvocationResults: { InvocationResult: results } } };
    }
    throw new Error(`unexpected action ${request.action}`);
  };
  return { transport, calls, commandedTimes, runTimes };
}

function clientsFor(clock: FakeClock, transport: (request: ApiRequest) => Promise<unknown>, runCommandPerMinute: number): CloudClients {
  return createCloudClients({
    regionId: REGION,
    credentials: { accessKeyId: 'LTAIfleettest000000', accessKeySecret: 'secret' },
    transport,
    clock,
    random: () => 0.5,
    retry: { maxAttempts: 2 },
    rateLimits: { RunCommand: { count: runCommandPerMinute, perMs: 60_000 } },
    defaultCredentialChain: () => {
      throw new Error('no default chain in tests');
    },
  });
}

function byKind(outcomes: Map<string, HostOutcome>): Record<string, string[]> {
  const kinds: Record<string, string[]> = {};
  for (const [id, outcome] of outcomes) (kinds[outcome.kind] ??= []).push(id);
  return kinds;
}

describe('on-host fleet run', () => {
  it('1,000 instances: the agent first (50 a call), 100 per RunCommand within a 4-per-minute budget, each instance once, polled to the end', async () => {
    const clock = new FakeClock(1_000_000, 'auto');
    const special: Record<string, ReturnType<FakeCloudAssistantOptions['behaviour']>> = {
      [instanceId(5)]: 'windows',
      [instanceId(6)]: 'no-agent',
      [instanceId(7)]: 'unknown',
      [instanceId(8)]: 'timeout',
      [instanceId(9)]: 'dropped',
      [instanceId(11)]: 'hangs',
    };
    const fake = fakeCloudAssistant({ clock, runCommandQuota: 4, behaviour: (id) => special[id] ?? 'ok' });
    const clients = clientsFor(clock, fake.transport, 4);
    const targets = fleet(1000);
    const { outcomes, stats } = await runOnHosts({ ecs: clients.ecs, regionId: REGION, targets, deadlineAt: clock.now() + 600_000, clock, render: renderHostScript });

    const calls = (action: string) => fake.calls.filter((c) => c.action === action);
    expect(calls('DescribeCloudAssistantStatus')).toHaveLength(20); // 999 running instances, 50 a call
    // Stopped, Windows, agent-less and unknown instances get no command: 996 do, 100 with two checks (one shape,
    // one command) and 896 with one (nine commands of at most 100).
    expect(stats.commanded).toBe(996);
    expect(calls('RunCommand')).toHaveLength(1 + 9);
    expect(stats.runCommandCalls).toBe(10);
    expect([...fake.commandedTimes.values()].every((times) => times === 1)).toBe(true);
    // The client's own budget kept the service's quota: no Throttling.User was ever needed.
    expect(clients.counters.get('RunCommand').throttled).toBe(0);
    for (let i = 0; i < fake.runTimes.length; i++) {
      expect(fake.runTimes.filter((t) => t > (fake.runTimes[i] ?? 0) - 60_000 && t <= (fake.runTimes[i] ?? 0)).length).toBeLessThanOrEqual(4);
    }

    const kinds = byKind(outcomes);
    expect(outcomes.size).toBe(1000);
    expect(kinds.running).toEqual([instanceId(11)]);
    expect(outcomes.get(instanceId(3))).toEqual({ kind: 'unavailable', reason: 'the instance is Stopped' });
    expect(outcomes.get(instanceId(5))).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('Windows') });
    expect(outcomes.get(instanceId(6))).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('no Cloud Assistant agent online') });
    expect(outcomes.get(instanceId(7))).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('does not know the instance') });
    expect(outcomes.get(instanceId(8))).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('timed out') });
    expect(outcomes.get(instanceId(9))).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('1234 bytes dropped') });
    expect((kinds.unavailable ?? []).sort()).toEqual([3, 5, 6, 7, 8, 9].map(instanceId));
    const two = outcomes.get(instanceId(10));
    expect(two?.kind === 'output' && two.outputs.map((o) => o.split('\n')[1])).toEqual(['@meta check=0', '@meta check=1']);
    expect(kinds.output).toHaveLength(1000 - 7);
    // Every invocation was read page by page (≤50), and never polled again once finished.
    expect(calls('DescribeInvocationResults').every((c) => Number(c.query.MaxResults) === 50)).toBe(true);
    expect(stats.pollRounds).toBeGreaterThanOrEqual(2);
  });

  it('a RunCommand quota error concerns exactly the instances of that call; the rest goes on', async () => {
    const clock = new FakeClock(1_000_000, 'auto');
    // The service allows 2 calls a minute but our budget thinks 10: the third call is throttled, retried once, and given up.
    const fake = fakeCloudAssistant({ clock, runCommandQuota: 2, behaviour: () => 'ok' });
    const clients = clientsFor(clock, fake.transport, 10);
    const targets = fleet(300).map((target) => ({ ...target, instanceStatus: 'Running', checks: target.checks.slice(0, 1) }));
    const { outcomes } = await runOnHosts({ ecs: clients.ecs, regionId: REGION, targets, deadlineAt: clock.now() + 600_000, clock, render: renderHostScript });
    const kinds = byKind(outcomes);
    expect(kinds.output).toHaveLength(200);
    expect(kinds.unavailable).toHaveLength(100);
    const reason = outcomes.get(kinds.unavailable?.[0] ?? '');
    expect(reason).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/^RunCommand failed: ECS RunCommand failed after 2 attempts: Throttling\.User/) });
  });

  it('Forbidden.RAM for ecs:RunCommand: every instance unavailable naming the permission, after one refused call', async () => {
    const clock = new FakeClock(1_000_000, 'auto');
    const fake = fakeCloudAssistant({ clock, runCommandQuota: 100, behaviour: () => 'ok', denyRunCommand: true });
    const clients = clientsFor(clock, fake.transport, 100);
    const targets = fleet(250).map((target) => ({ ...target, instanceStatus: 'Running', checks: target.checks.slice(0, 1) }));
    const { outcomes } = await runOnHosts({ ecs: clients.ecs, regionId: REGION, targets, deadlineAt: clock.now() + 600_000, clock, render: renderHostScript });
    expect(fake.calls.filter((c) => c.action === 'RunCommand')).toHaveLength(1);
    expect(new Set([...outcomes.values()].map((o) => o.kind))).toEqual(new Set(['unavailable']));
    expect(outcomes.get(instanceId(200))).toMatchObject({ reason: expect.stringContaining('Grant the RAM permission ecs:RunCommand') });
  });

  it('the deadline bounds the polling: invocations still running are reported as running, with their invocation id', async () => {
    const clock = new FakeClock(1_000_000, 'auto');
    const fake = fakeCloudAssistant({ clock, runCommandQuota: 100, behaviour: () => 'hangs' });
    const clients = clientsFor(clock, fake.transport, 100);
    const targets = fleet(20).map((target) => ({ ...target, instanceStatus: 'Running', checks: target.checks.slice(0, 1) }));
    const deadlineAt = clock.now() + 60_000;
    const { outcomes } = await runOnHosts({ ecs: clients.ecs, regionId: REGION, targets, deadlineAt, clock, render: renderHostScript });
    expect(clock.now()).toBeLessThanOrEqual(deadlineAt);
    expect([...outcomes.values()].every((o) => o.kind === 'running' && /still running at the run's deadline \(Cloud Assistant invocation t-0/.test(o.reason))).toBe(true);
  });
});
