// The backend fault zoo: one real server per scenario endpoint, each on its own loopback address and port.
import * as net from 'node:net';
import type { BehaviourName, Scenario, ScenarioEndpoint } from '../scenario/types';
import { DEFAULT_SOURCE_IPS } from '../healthcheck/plan';
import { applySourceVerdicts, hostSourceVerdicts } from '../hosts/dataplane';
import { BackendConfigError, StartContext, type Behaviour, type EndpointSpec, type RunningBackend } from './behaviour';
import { blackhole } from './behaviours/blackhole';
import { closeSilently } from './behaviours/close-silently';
import { defaultServer } from './behaviours/default-server';
import { endlessHeaders } from './behaviours/endless-headers';
import { flapping } from './behaviours/flapping';
import { garbage } from './behaviours/garbage';
import { hang } from './behaviours/hang';
import { headHangs } from './behaviours/head-hangs';
import { headRefused } from './behaviours/head-refused';
import { healthy } from './behaviours/healthy';
import { needsHost } from './behaviours/needs-host';
import { notFound } from './behaviours/not-found';
import { redirect } from './behaviours/redirect';
import { refused } from './behaviours/refused';
import { reset } from './behaviours/reset';
import { deadUpstreamMember } from './behaviours/dead-upstream-member';
import { forbiddenWithoutUserAgent } from './behaviours/forbidden-without-user-agent';
import { otherService } from './behaviours/other-service';
import { rateLimited } from './behaviours/rate-limited';
import { siteFailing } from './behaviours/site-failing';
import { slbSourceBlocked } from './behaviours/slb-source-blocked';
import { slbSourceForbidden } from './behaviours/slb-source-forbidden';
import { slow } from './behaviours/slow';
import { status } from './behaviours/status';
import { tlsOnly } from './behaviours/tls-only';
import { trickle } from './behaviours/trickle';
import { udpClosed } from './behaviours/udp-closed';
import { udpEcho } from './behaviours/udp-echo';
import { udpSilent } from './behaviours/udp-silent';

export { BackendConfigError } from './behaviour';

export const BEHAVIOURS: Readonly<Record<BehaviourName, Behaviour>> = {
  healthy,
  'not-found': notFound,
  refused,
  blackhole,
  reset,
  'close-silently': closeSilently,
  hang,
  slow,
  'head-refused': headRefused,
  'head-hangs': headHangs,
  'default-server': defaultServer,
  'needs-host': needsHost,
  redirect,
  status,
  'tls-only': tlsOnly,
  trickle,
  'endless-headers': endlessHeaders,
  garbage,
  flapping,
  'slb-source-blocked': slbSourceBlocked,
  'slb-source-forbidden': slbSourceForbidden,
  'site-failing': siteFailing,
  'forbidden-without-user-agent': forbiddenWithoutUserAgent,
  'rate-limited': rateLimited,
  'dead-upstream-member': deadUpstreamMember,
  'other-service': otherService,
  'udp-echo': udpEcho,
  'udp-silent': udpSilent,
  'udp-closed': udpClosed,
};

export interface RunningBackends {
  /** Stops every server, destroys every socket and ends every helper process. Safe to call twice. */
  stop(): Promise<void>;
  /** The endpoints that listen, as `tcp://ip:port` / `udp://ip:port` (refused, udp-closed and external ones excluded). */
  addresses(): string[];
  /** Per client address, the most connections it ever held open at once to any one TCP endpoint. */
  peakConnectionsByClient(): Map<string, number>;
}

/** Starts every non-external endpoint of the scenario. On any failure it stops what it started and rejects. */
export interface StartBackendsOptions {
  /** Where SLB's checker sends from (the slice this sandbox claimed), unless the scenario names its sources. */
  checkerSourceIps?: readonly string[];
}

export async function startBackends(scenario: Scenario, options: StartBackendsOptions = {}): Promise<RunningBackends> {
  const specs = endpointSpecs(scenario.endpoints);
  // All at once, so that python3 work is coalesced into one helper per script (binds are cheap: ~0.1 ms each).
  const context = new StartContext();
  // Each host's declared firewall decides what SLB's checker sources get from that host's TCP endpoints.
  const firewalled = hostSourceVerdicts(scenario, scenario.healthChecker?.sourceIps ?? options.checkerSourceIps ?? DEFAULT_SOURCE_IPS);
  for (const spec of specs) {
    const verdicts = firewalled.get(`${spec.ip}:${spec.port}`);
    if (verdicts) spec.hostFirewall = (server) => applySourceVerdicts(spec, server, verdicts, context);
  }
  const started = await Promise.allSettled(specs.map((spec) => startOne(spec, context)));
  const running = started.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
  const failures = started.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  // A real configuration error wins over a taken address: moving the scenario elsewhere would not fix it.
  const failure = failures.find((result) => !isAddressInUse(result.reason)) ?? failures[0];
  // "Nothing listens" is a fault only while it stays true: someone else's server on that address would answer for it.
  const squatted = failure ? undefined : await firstListening(specs.filter((spec) => spec.behaviour === 'refused'));
  if (failure || squatted) {
    await Promise.all(running.map((backend) => backend.stop()));
    if (failure) throw failure.reason;
    const where = `${squatted?.ip ?? ''}:${String(squatted?.port ?? '')}`;
    const taken = `tcp ${where} must refuse connections (behaviour refused), but another process listens there`;
    throw new BackendConfigError(`endpoint ${where} (refused): another process listens there, so it would not refuse connections`, { taken });
  }
  let stopping: Promise<void> | undefined;
  return {
    stop: () => (stopping ??= Promise.all(running.map((backend) => backend.stop())).then(() => undefined)),
    addresses: () => running.map((backend) => backend.address),
    peakConnectionsByClient: () => {
      const peaks = new Map<string, number>();
      for (const backend of running) {
        for (const [client, n] of backend.peakConnectionsByClient?.() ?? []) peaks.set(client, Math.max(peaks.get(client) ?? 0, n));
      }
      return peaks;
    },
  };
}

/** Async so that a behaviour's synchronous option check becomes a rejection like any other start failure. */
async function startOne(spec: EndpointSpec, context: StartContext): Promise<RunningBackend | null> {
  return BEHAVIOURS[spec.behaviour].start(spec, context);
}

/** Validates the scenario's endpoints and turns the served ones into specs; identical duplicates are served once. */
function endpointSpecs(endpoints: readonly ScenarioEndpoint[]): EndpointSpec[] {
  const byAddress = new Map<string, { spec: EndpointSpec; fingerprint: string }>();
  for (const endpoint of endpoints) {
    if ('external' in endpoint) continue;
    const behaviour = BEHAVIOURS[endpoint.behaviour];
    if (!behaviour) throw new BackendConfigError(`endpoint ${endpoint.ip}:${endpoint.port}: unknown behaviour "${String(endpoint.behaviour)}"; use one of ${Object.keys(BEHAVIOURS).join(', ')}`);
    const where = `endpoint ${endpoint.ip}:${endpoint.port} (${endpoint.behaviour})`;
    if (!isLoopbackIpv4(endpoint.ip)) throw new BackendConfigError(`${where}: ip must be a 127.x.y.z loopback address`);
    if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65535) {
      throw new BackendConfigError(`${where}: port must be 1–65535`);
    }
    if (endpoint.protocol && endpoint.protocol !== behaviour.protocol) {
      throw new BackendConfigError(`${where}: the behaviour is ${behaviour.protocol}, but the endpoint says protocol ${endpoint.protocol}`);
    }
    const spec: EndpointSpec = { ip: endpoint.ip, port: endpoint.port, behaviour: endpoint.behaviour, options: endpoint.options ?? {} };
    const address = `${behaviour.protocol}://${endpoint.ip}:${endpoint.port}`;
    const fingerprint = JSON.stringify([spec.behaviour, spec.options]);
    const previous = byAddress.get(address);
    if (previous && previous.fingerprint !== fingerprint) {
      throw new BackendConfigError(`${address} is declared twice with different behaviours (${previous.spec.behaviour}, ${spec.behaviour}); keep one`);
    }
    byAddress.set(address, { spec, fingerprint });
  }
  return [...byAddress.values()].map((entry) => entry.spec);
}

const REFUSED_CHECK_TIMEOUT_MS = 1_000;

/** The first of these endpoints that accepts a TCP connection (one short connect each, all at once), if any. */
async function firstListening(specs: readonly EndpointSpec[]): Promise<EndpointSpec | undefined> {
  const accepted = await Promise.all(
    specs.map(
      (spec) =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect({ host: spec.ip, port: spec.port });
          const done = (connected: boolean): void => {
            clearTimeout(timer);
            socket.destroy();
            resolve(connected);
          };
          const timer = setTimeout(() => done(false), REFUSED_CHECK_TIMEOUT_MS);
          socket.once('connect', () => done(true));
          socket.once('error', () => done(false));
        }),
    ),
  );
  return specs.find((_, index) => accepted[index]);
}

/** Whether a start failure only means that an endpoint's address is taken by someone else. */
export function isAddressInUse(err: unknown): boolean {
  return err instanceof BackendConfigError && err.addressInUse;
}

function isLoopbackIpv4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
