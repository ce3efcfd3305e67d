// The sandbox cloud: one scenario brought to life on loopback — the backend fault zoo, SLB's own health checker, and
// the API servers (SLB, ECS; FC, OSS and webhook sinks plug in as more SandboxServiceFactory entries).
// `slb-doctor sandbox` runs it and prints ONE JSON line with everything a client needs.

import { BackendConfigError, isAddressInUse } from './backends';
import { startBackendsOnThread, type BackendsOnThread } from './backends/thread';
import { startHealthChecker, type HealthChecker } from './healthcheck';
import { claimSourceSlice } from './healthcheck/sources';
import { createCloudAssistant, createEcsProduct } from './ecs';
import { prepareHostTools } from './hosts/tools';
import { AccessKeyRegistry, generateSandboxCredentials, type SandboxCredentials } from './openapi/credentials';
import { createOpenApiPolicy, startOpenApiServer, type ApiStats, type OpenApiPolicy } from './openapi/server';
import { loadScenario } from './scenario/load';
import { ScenarioError, validateScenario } from './scenario/validate';
import type { Scenario } from './scenario/types';
import type { SandboxService } from './service';
import { createSlbProduct } from './slb';
import {
  describeMoves,
  pickTargetBlocks,
  relocateScenario,
  relocateText,
  scenarioBlocks,
  whyNotRelocatable,
  type BlockMoves,
  type SandboxRelocation,
} from './relocation';
import defaultScenarioJson from './default-scenario.json';

export type { SandboxService } from './service';
export type { SandboxCredentials } from './openapi/credentials';
export type { ApiStats } from './openapi/server';
export type { SandboxRelocation } from './relocation';

/** Placements tried after the scenario's own addresses (each is one round of binds; the second nearly always works). */
const MAX_RELOCATIONS = 8;

/** What a service needs to start: the scenario, the keys it must accept, the shared API policy, the checker. */
export interface SandboxContext {
  readonly scenario: Scenario;
  readonly credentials: SandboxCredentials;
  readonly keys: AccessKeyRegistry;
  /** Shared by every OpenAPI-style server: nonces, quotas, faults, latency, call counts. */
  readonly policy: OpenApiPolicy;
  readonly checker: HealthChecker;
}

export type SandboxServiceFactory = (context: SandboxContext) => Promise<SandboxService>;

/** The services every sandbox runs, in start order. Add new ones (FC, OSS, webhook sinks) here. */
export const BUILT_IN_SERVICES: readonly SandboxServiceFactory[] = [
  (context) => startOpenApiServer(createSlbProduct(context.scenario, context.checker), context.policy),
  (context) => startEcsService(context),
];

/** The ECS API with Cloud Assistant: scripts run on this machine with each sandbox host's firewall tools on PATH. */
async function startEcsService(context: SandboxContext): Promise<SandboxService> {
  const tools = prepareHostTools(context.scenario.instances);
  const cloudAssistant = createCloudAssistant(context.scenario, { tools });
  try {
    const server = await startOpenApiServer(createEcsProduct(context.scenario, cloudAssistant), context.policy);
    return {
      ...server,
      stop: async () => {
        await server.stop();
        await cloudAssistant.stop();
        tools.remove();
      },
    };
  } catch (err) {
    await cloudAssistant.stop();
    tools.remove();
    throw err;
  }
}

export interface SandboxCloudOptions {
  /** Fixed credentials; default: freshly generated ones. */
  credentials?: SandboxCredentials;
  /** Services started after the built-in ones (and stopped before them). */
  extraServices?: readonly SandboxServiceFactory[];
  /** The API servers' wall clock in ms (tests skew it to provoke IllegalTimestamp). */
  now?: () => number;
  /** Randomness for API latency and fault probabilities. */
  random?: () => number;
  /**
   * When a scenario address is taken: 'move' (default) moves the scenario to free loopback blocks and says so in
   * `relocation`; 'fail' fails the start (for scenarios whose addresses are promised to someone).
   */
  onAddressInUse?: 'move' | 'fail';
}

export interface SandboxCloud {
  /** The scenario as served: the one given, or its relocated copy when its addresses were taken. */
  readonly scenario: Scenario;
  /** Null when the scenario's own addresses are served; otherwise which blocks moved where, and why. */
  readonly relocation: SandboxRelocation | null;
  /**
   * Any text written against the given scenario (an address, `ip:port`, a CIDR, a checker key) as this sandbox
   * serves it: the identity unless the scenario was relocated.
   */
  actual(text: string): string;
  /** `host:port` per service that has an endpoint; SDKs take it as `endpoint` with protocol "http". */
  readonly endpoints: { readonly slb: string; readonly ecs: string; readonly [service: string]: string };
  readonly credentials: SandboxCredentials;
  readonly regionId: string;
  readonly accountId: string;
  readonly checker: HealthChecker;
  readonly services: readonly SandboxService[];
  /** Calls per "product:Action" with their outcomes (for the benchmark). */
  apiStats(): ApiStats;
  /**
   * The most connections one client address ever held open at once to one backend endpoint, SLB's own checker (its
   * 127.100.64.0/24 sources) left out: how hard the product's probes pressed any one backend.
   */
  peakProbeConnectionsToOneBackend(): Promise<number>;
  /** Stops every service, the health checker and the backends. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a whole sandbox from a scenario (validated again here: a bad one fails with one ScenarioError). */
export async function startSandboxCloud(scenario: Scenario, options: SandboxCloudOptions = {}): Promise<SandboxCloud> {
  const valid = validateScenario(scenario);
  const credentials = options.credentials ?? generateSandboxCredentials();
  const keys = AccessKeyRegistry.forScenario(valid.api, credentials);
  const policy = createOpenApiPolicy({ api: valid.api, keys, accountId: valid.accountId, now: options.now, random: options.random });

  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse start order: clients of the backends (services, checker) go first.
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    // The checker's sources first: a host's declared firewall refuses some of them in the backends' kernel filters.
    // A scenario that names its checker's source addresses keeps them; otherwise this sandbox claims its own slice.
    const named = valid.healthChecker?.sourceIps;
    const sources = named === undefined ? await claimSourceSlice() : null;
    if (sources) stoppers.push(() => sources.release());
    const { backends, served, moves, relocation } = await placeBackends(valid, options.onAddressInUse ?? 'move', sources?.sourceIps ?? named ?? []);
    stoppers.push(() => backends.stop());
    const checker = startHealthChecker(served, sources ? { sourceIps: sources.sourceIps } : {});
    stoppers.push(() => checker.stop());
    const context: SandboxContext = { scenario: served, credentials, keys, policy, checker };
    const services: SandboxService[] = [];
    for (const factory of [...BUILT_IN_SERVICES, ...(options.extraServices ?? [])]) {
      const service = await factory(context);
      services.push(service);
      stoppers.push(() => service.stop());
    }
    const endpoints: Record<string, string> = {};
    for (const service of services) {
      const endpoint = service.describe().endpoint;
      if (typeof endpoint === 'string') endpoints[service.name] = endpoint;
    }
    const { slb, ecs } = endpoints;
    if (slb === undefined || ecs === undefined) throw new Error('the SLB and ECS services must describe their endpoint');
    let stopping: Promise<void> | undefined;
    return {
      scenario: served,
      relocation,
      actual: (text) => relocateText(text, moves),
      endpoints: { ...endpoints, slb, ecs },
      credentials,
      regionId: valid.regionId,
      accountId: valid.accountId,
      checker,
      services,
      apiStats: () => policy.stats(),
      peakProbeConnectionsToOneBackend: async () => {
        let peak = 0;
        for (const [client, n] of await backends.peakConnectionsByClient()) {
          if (!client.replace(/^::ffff:/, '').startsWith('127.100.64.')) peak = Math.max(peak, n);
        }
        return peak;
      },
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface Placement {
  backends: BackendsOnThread;
  served: Scenario;
  moves: BlockMoves;
  relocation: SandboxRelocation | null;
}

/**
 * Starts the backends at the scenario's own addresses or, when one is taken, at the same addresses moved to other
 * loopback blocks (the bind itself is the test, so two sandboxes starting together cannot both win one block).
 */
async function placeBackends(scenario: Scenario, onAddressInUse: 'move' | 'fail', checkerSourceIps: readonly string[]): Promise<Placement> {
  let firstConflict: string | undefined;
  let moves: BlockMoves = new Map();
  const tried = new Set<number>();
  for (let attempt = 0; ; attempt += 1) {
    const served = moves.size === 0 ? scenario : validateScenario(relocateScenario(scenario, moves));
    try {
      const backends = await startBackendsOnThread(served, { checkerSourceIps });
      const relocation = firstConflict === undefined ? null : describeMoves(firstConflict, moves);
      return { backends, served, moves, relocation };
    } catch (err) {
      if (!isAddressInUse(err) || !(err instanceof BackendConfigError)) throw err;
      firstConflict ??= err.taken ?? err.message;
      const cannotMove = onAddressInUse === 'fail' ? 'the sandbox was asked not to move it' : whyNotRelocatable(scenario);
      if (cannotMove !== null) throw new Error(`${err.message} (${cannotMove})`, { cause: err });
      if (attempt === MAX_RELOCATIONS) {
        throw new Error(`${firstConflict}; ${MAX_RELOCATIONS} other loopback blocks were taken too: stop other sandboxes or free the addresses`, { cause: err });
      }
      for (const target of moves.values()) tried.add(target);
      moves = pickTargetBlocks(scenarioBlocks(scenario), tried);
    }
  }
}

/** The one JSON object `slb-doctor sandbox` prints: endpoints, keys, STS token, region, and each service's facts. */
export function describeSandbox(cloud: SandboxCloud): Record<string, unknown> {
  return {
    sandbox: 'slb-doctor',
    ...(cloud.scenario.description !== undefined && { description: cloud.scenario.description }),
    regionId: cloud.regionId,
    accountId: cloud.accountId,
    protocol: 'http',
    endpoints: cloud.endpoints,
    // Present when the scenario's addresses were taken: the SLB and ECS APIs report the moved ones.
    ...(cloud.relocation !== null && { relocated: cloud.relocation }),
    checkerSourceIps: cloud.checker.sourceIps,
    accessKeyId: cloud.credentials.accessKeyId,
    accessKeySecret: cloud.credentials.accessKeySecret,
    sts: cloud.credentials.sts,
    services: Object.fromEntries(cloud.services.map((service) => [service.name, service.describe()])),
  };
}

/** Structurally the CLI's CliIo: raw text writers (this command adds the newlines). */
export interface SandboxCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves when the sandbox should stop; default: the first SIGINT or SIGTERM. */
  untilStopped?(): Promise<void>;
}

const USAGE = 'usage: slb-doctor sandbox [--scenario FILE]';

/**
 * `slb-doctor sandbox [--scenario FILE]`: prints one JSON line, runs until SIGINT/SIGTERM, stops cleanly.
 * Returns the exit code: 0, or 2 for bad usage, a bad scenario or a sandbox that cannot start (e.g. a port in use).
 */
/** A running sandbox as the command sees it: the banner to print and how to stop it. */
export interface RunningSandbox {
  banner(): Record<string, unknown>;
  stop(): Promise<void>;
}

async function startCloudOnly(scenario: Scenario): Promise<RunningSandbox> {
  const cloud = await startSandboxCloud(scenario);
  return { banner: () => describeSandbox(cloud), stop: () => cloud.stop() };
}

export async function runSandboxCommand(
  argv: readonly string[],
  io: SandboxCommandIo,
  start: (scenario: Scenario) => Promise<RunningSandbox> = startCloudOnly,
): Promise<number> {
  let scenarioFile: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (arg === '--scenario' && index + 1 < argv.length) scenarioFile = argv[++index];
    else if (arg.startsWith('--scenario=') && arg.length > '--scenario='.length) scenarioFile = arg.slice('--scenario='.length);
    else {
      io.stderr(`slb-doctor sandbox: unexpected argument "${arg}"; ${USAGE}\n`);
      return 2;
    }
  }

  let scenario: Scenario;
  try {
    scenario = loadScenario(scenarioFile ?? (defaultScenarioJson as unknown));
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    io.stderr(`slb-doctor sandbox: invalid scenario ${scenarioFile ?? '(built-in default)'}: ${err.message}\n`);
    return 2;
  }

  let sandbox: RunningSandbox;
  try {
    sandbox = await start(scenario);
  } catch (err) {
    io.stderr(`slb-doctor sandbox: cannot start the sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const banner = sandbox.banner();
  io.stdout(`${JSON.stringify(banner)}\n`);
  const relocation = banner.relocated as SandboxRelocation | undefined;
  if (relocation) {
    const moves = relocation.blocks.map((block) => `${block.from} → ${block.to}`).join(', ');
    io.stderr(`slb-doctor sandbox: ${relocation.reason}; serving the scenario at other addresses instead (${moves}), as "relocated" in the line above says\n`);
  }
  await (io.untilStopped ?? untilSignal)();
  await sandbox.stop();
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
