// `npm run bench:api`: the CPU one API call costs, on each side of the wire. The product's own inventory
// (collectInventory through createCloudClients, signing and all) reads a generated fleet from the SLB and ECS
// emulators, which run in a child process of their own so that each side's CPU time is its own process's
// (process.cpuUsage). Prints calls, wall time, calls per second, CPU ms per call for the client and for the emulator
// with the part of it each side's main thread spent paused for garbage collection, the TCP connections the emulators
// accepted, and the throttled replies.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { EXIT, type CliIo } from '../lib/cli/io';
import { parseFlags, parsePositiveInt, wantsHelp } from '../lib/cli/args';
import { createCloudClients } from '../lib/cloud';
import { collectInventory } from '../lib/inventory';
import { createEcsProduct } from '../lib/sandbox/ecs';
import { AccessKeyRegistry, generateSandboxCredentials, type SandboxCredentials } from '../lib/sandbox/openapi/credentials';
import { createOpenApiPolicy, startOpenApiServer, type ApiStats } from '../lib/sandbox/openapi/server';
import { createSlbProduct } from '../lib/sandbox/slb';
import { DEFAULT_SEED, MAX_FLEET_LOAD_BALANCERS, generateFleetScenario } from './scenario';

const HELP = `Usage: slb-doctor-dev api-cpu [--lbs N] [--seed N] [--quota CALLS/SECONDS] [--latency MIN-MAX]

Reads the inventory of a generated fleet of N load balancers (default 1000) through the product's cloud clients from
the SLB/ECS emulators (a child process), and prints CPU ms per API call for the client and for the emulator.
--quota sets the emulators' per-action quota and the client's budget alike (default 3000/60, as the fleet bench).
--latency is the emulators' reply latency in ms (default 20-50, as the fleet bench; 0-0 measures CPU alone).
`;

interface EmulatorReady {
  kind: 'ready';
  slb: string;
  ecs: string;
  credentials: SandboxCredentials;
}

interface EmulatorFigures {
  kind: 'figures';
  cpu: { user: number; system: number };
  gcPauseMs: number;
  connections: number;
  stats: ApiStats;
}

interface EmulatorSettings {
  loadBalancers: number;
  seed: number;
  quota: { calls: number; perSeconds: number };
  latencyMs: [number, number];
}

const CHILD_FLAG = '--api-bench-emulator';

/**
 * The main thread's garbage-collection pauses from the moment of the call, in ms ('gc' performance entries: Node's
 * perf_hooks docs). Their CPU is part of process.cpuUsage; V8's helper threads add more that no entry reports.
 */
function gcPauses(): { restart(): void; stop(): number } {
  let pausedMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pausedMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    restart: () => {
      observer.takeRecords();
      pausedMs = 0;
    },
    stop: () => {
      for (const entry of observer.takeRecords()) pausedMs += entry.duration;
      observer.disconnect();
      return pausedMs;
    },
  };
}
const CHILD_EXIT_GRACE_MS = 10_000;

/** The child: both emulators on one ephemeral port each; every verdict "normal" (no checker, no backends). */
async function runEmulator(settings: EmulatorSettings): Promise<void> {
  const { scenario } = generateFleetScenario({ loadBalancers: settings.loadBalancers, seed: settings.seed });
  const credentials = generateSandboxCredentials();
  const api = { ...scenario.api, latencyMs: settings.latencyMs, quotas: { '*': settings.quota } };
  const policy = createOpenApiPolicy({ api, keys: AccessKeyRegistry.forScenario(api, credentials), accountId: scenario.accountId });
  const slb = await startOpenApiServer(createSlbProduct(scenario, { status: () => 'normal' }), policy);
  const ecs = await startOpenApiServer(createEcsProduct(scenario), policy);
  const send = (message: EmulatorReady | EmulatorFigures): void => void process.send?.(message);
  let started = process.cpuUsage();
  const gc = gcPauses();
  process.on('message', (message: { kind: string }) => {
    if (message.kind === 'start') {
      started = process.cpuUsage();
      gc.restart();
      return;
    }
    send({ kind: 'figures', cpu: process.cpuUsage(started), gcPauseMs: gc.stop(), connections: slb.connectionsAccepted() + ecs.connectionsAccepted(), stats: policy.stats() });
    void Promise.all([slb.stop(), ecs.stop()]).then(() => process.disconnect());
  });
  send({ kind: 'ready', slb: slb.endpoint, ecs: ecs.endpoint, credentials });
}

function nextMessage<T extends { kind: string }>(child: ChildProcess, kind: T['kind']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => reject(new Error(`the emulator process exited (${code}) before it sent "${kind}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** `A<separator>B`, two integers ≥ `min`; `ordered` also wants A ≤ B (a range). */
function parsePair(name: string, value: string | undefined, fallback: [number, number], separator: string, min: number, ordered: boolean): [number, number] {
  if (value === undefined) return fallback;
  const parts = value.split(separator).map(Number);
  const [a, b] = parts;
  if (parts.length !== 2 || a === undefined || b === undefined || !Number.isInteger(a) || !Number.isInteger(b) || a < min || b < min || (ordered && b < a)) {
    throw new RangeError(`--${name} takes two integers A${separator}B, each at least ${min}${ordered ? ', A ≤ B' : ''}; got ${JSON.stringify(value)}`);
  }
  return [a, b];
}

export async function runApiBenchCommand(argv: string[], io: CliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const { values } = parseFlags('api-cpu', argv, { lbs: { type: 'string' }, seed: { type: 'string' }, quota: { type: 'string' }, latency: { type: 'string' } });
  const [calls, perSeconds] = parsePair('quota', values.quota, [3000, 60], '/', 1, false);
  const settings: EmulatorSettings = {
    loadBalancers: parsePositiveInt('lbs', values.lbs, 1000, MAX_FLEET_LOAD_BALANCERS),
    seed: parsePositiveInt('seed', values.seed, DEFAULT_SEED, 2 ** 32 - 1),
    quota: { calls, perSeconds },
    latencyMs: parsePair('latency', values.latency, [20, 50], '-', 0, true),
  };
  const child = fork(__filename, [CHILD_FLAG, JSON.stringify(settings)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage<EmulatorReady>(child, 'ready');
    const clients = createCloudClients({
      regionId: 'cn-hangzhou',
      credentials: { accessKeyId: ready.credentials.accessKeyId, accessKeySecret: ready.credentials.accessKeySecret },
      endpoints: { slb: `http://${ready.slb}`, ecs: `http://${ready.ecs}` },
      defaultRateLimit: { count: settings.quota.calls, perMs: settings.quota.perSeconds * 1000 },
    });
    const load = loadavg()[0] ?? 0;
    child.send({ kind: 'start' });
    const gc = gcPauses();
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const inventory = await collectInventory(clients, { regionId: 'cn-hangzhou' });
    const wallMs = performance.now() - wallStart;
    const clientCpu = process.cpuUsage(cpuStart);
    const clientGcPauseMs = gc.stop();
    const figures = nextMessage<EmulatorFigures>(child, 'figures');
    child.send({ kind: 'stop' });
    const emulator = await figures;
    // The child stops its servers and exits by itself (a --cpu-prof run writes its profile then).
    await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, CHILD_EXIT_GRACE_MS).unref())]);
    const total = clients.counters.total();
    const perCall = (micros: number): string => (micros / 1000 / total.calls).toFixed(3);
    const split = (usage: { user: number; system: number }, gcPauseMs: number): string =>
      `user ${perCall(usage.user)} + system ${perCall(usage.system)}; GC pauses ${perCall(gcPauseMs * 1000)}`;
    io.stdout(
      [
        `api-cpu: ${inventory.loadBalancers.length} load balancers, ${total.calls} API calls (${total.throttled} throttled, ${total.retries} retried), quota ${settings.quota.calls}/${settings.quota.perSeconds} s, latency ${settings.latencyMs.join('-')} ms, load average ${load.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}`,
        `  wall ${(wallMs / 1000).toFixed(2)} s, ${((total.calls * 1000) / wallMs).toFixed(0)} calls/s`,
        `  client   CPU ${perCall(clientCpu.user + clientCpu.system)} ms per call (${split(clientCpu, clientGcPauseMs)}; ${((clientCpu.user + clientCpu.system) / 1000).toFixed(0)} ms in all)`,
        `  emulator CPU ${perCall(emulator.cpu.user + emulator.cpu.system)} ms per call (${split(emulator.cpu, emulator.gcPauseMs)}; ${((emulator.cpu.user + emulator.cpu.system) / 1000).toFixed(0)} ms in all), ${emulator.connections} TCP connections accepted, ${emulator.stats.total} requests`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

if (process.argv[2] === CHILD_FLAG) {
  runEmulator(JSON.parse(process.argv[3] ?? '{}') as EmulatorSettings).catch((err: unknown) => {
    process.stderr.write(`api-bench emulator: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
