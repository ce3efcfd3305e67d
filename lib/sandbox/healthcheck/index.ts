// SLB's own health checker, for the sandbox: the reference the product's diagnosis is judged against. Independent of
// the product's prober on purpose. One loop per listener × backend; checks come from 127.100.64.0/24 (standing for
// 100.64.0.0/10); statuses follow SLB's thresholds and are what the SLB emulator's DescribeHealthStatus reports.
import type { Scenario } from '../scenario/types';
import type { Observation } from './checks/observation';
import { judge } from './judge';
import { DEFAULT_SOURCE_IPS, HealthCheckConfigError, planChecks, type CheckPlan, type HealthStatus } from './plan';
import { ProbeRunner } from './probe-runner';
import { ThresholdState, type Transition } from './thresholds';

export { HealthCheckConfigError, planChecks, type CheckPlan, type HealthStatus, type PlannedPair } from './plan';

export const DEFAULT_MAX_IN_FLIGHT = 256;

export interface HealthCheckDetail {
  key: string;
  status: HealthStatus;
  /** What SLB sends for this backend, or why it does not check it. */
  check: string;
  checked: boolean;
  /** The latest result in words, e.g. "HTTP 404 is not in http_2xx,http_3xx"; undefined before the first check. */
  lastResult?: string;
  lastOk?: boolean;
  checks: number;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  transitions: readonly Transition[];
}

export interface HealthChecker {
  /** key = `${LoadBalancerId}/${listenerProtocol}:${listenerPort}/${serverIp}:${backendPort}`; unknown keys are 'unavailable'. */
  status(key: string): HealthStatus;
  /** Resolves true once every checked backend has left 'unavailable', false on timeout or stop. */
  settled(timeoutMs: number): Promise<boolean>;
  /**
   * Resolves true as soon as `key` reports `status` (at once when it already does), false on timeout or stop: woken
   * by the checker's own transitions, so a test waits for the event, never polls.
   */
  waitForStatus(key: string, status: HealthStatus, timeoutMs: number): Promise<boolean>;
  /** Resolves true once `key` has been checked `count` times, false on timeout or stop (woken by each check). */
  waitForChecks(key: string, count: number, timeoutMs: number): Promise<boolean>;
  /** The checked backends that have no verdict yet (still 'unavailable'). */
  unsettledKeys(): string[];
  /** Check loops still running; 0 once stop() has resolved, so no check can start after that. */
  runningLoops(): number;
  stop(): Promise<void>;
  /** Debugging detail for one key. */
  detail(key: string): HealthCheckDetail | undefined;
  keys(): string[];
  /** Probe attempts actually sent so far (identical checks share attempts). */
  attemptsSent(): number;
  /** The addresses the checks come from. */
  readonly sourceIps: readonly string[];
}

interface Checked {
  plan: CheckPlan;
  state: ThresholdState;
  lastResult?: string;
  lastOk?: boolean;
}

export interface HealthCheckerOptions {
  /** Source addresses when the scenario names none (a sandbox passes the slice it claimed); default 127.100.64.1–8. */
  sourceIps?: readonly string[];
}

export function startHealthChecker(scenario: Scenario, options: HealthCheckerOptions = {}): HealthChecker {
  const sourceIps = scenario.healthChecker?.sourceIps ?? options.sourceIps ?? DEFAULT_SOURCE_IPS;
  if (sourceIps.length === 0 || !sourceIps.every(isLoopbackIpv4)) {
    throw new HealthCheckConfigError(`healthChecker.sourceIps must be non-empty 127.x.y.z addresses, got ${JSON.stringify(sourceIps)}`);
  }
  const maxInFlight = scenario.healthChecker?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 10_000) {
    throw new HealthCheckConfigError(`healthChecker.maxInFlight must be a whole number 1–10000, got ${String(maxInFlight)}`);
  }

  const checked = new Map<string, Checked>();
  const notChecked = new Map<string, string>();
  for (const pair of planChecks(scenario)) {
    if ('check' in pair) checked.set(pair.key, { plan: pair.check, state: new ThresholdState(pair.check.healthyThreshold, pair.check.unhealthyThreshold) });
    else notChecked.set(pair.key, pair.notChecked);
  }

  const runner = new ProbeRunner(sourceIps, maxInFlight);
  const sleeper = new Sleeper();
  let stopped = false;
  let unsettled = checked.size;
  const settleWaiters = new Set<(settled: boolean) => void>();
  // Each waiter says whether its wait is over for `key`'s entry; woken after every check of that key.
  const waiters = new Set<{ key: string; reached: (entry: Checked) => boolean; done: (reached: boolean) => void }>();
  let running = 0;

  const record = (entry: Checked, observation: Observation): void => {
    if (stopped) return;
    const result = judge(entry.plan, observation);
    const wasUnavailable = entry.state.status === 'unavailable';
    entry.lastResult = result.reason;
    entry.lastOk = result.ok;
    const changed = entry.state.record(result.ok, Date.now());
    for (const waiter of [...waiters]) if (waiter.key === entry.plan.key && waiter.reached(entry)) waiter.done(true);
    if (changed && wasUnavailable) {
      unsettled -= 1;
      if (unsettled === 0) for (const resolve of [...settleWaiters]) resolve(true);
    }
  };

  const loop = async (entry: Checked): Promise<void> => {
    running += 1;
    try {
      await checkForever(entry);
    } finally {
      running -= 1;
    }
  };
  const checkForever = async (entry: Checked): Promise<void> => {
    const { plan } = entry;
    await sleeper.sleep(Math.random() * plan.intervalMs); // jitter, so thousands of checks do not start together
    let lastSequence = 0;
    while (!stopped) {
      const startedAt = Date.now();
      let observation: Observation;
      if (plan.instanceDown) {
        observation = { kind: 'failed', reason: plan.instanceDown };
      } else {
        const attempt = runner.observe(plan.probe, plan.intervalMs, lastSequence);
        lastSequence = attempt.sequence;
        observation = await attempt.observation;
      }
      record(entry, observation);
      // The next check is due one interval after this one started; a check never overlaps its predecessor.
      await sleeper.sleep(Math.max(0, plan.intervalMs - (Date.now() - startedAt)));
    }
  };
  const loops = [...checked.values()].map((entry) => loop(entry));

  const waitUntil = (key: string, reached: (entry: Checked) => boolean, timeoutMs: number): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        key,
        reached,
        done: (result: boolean): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(result);
        },
      };
      const timer = setTimeout(() => waiter.done(false), timeoutMs);
      waiters.add(waiter);
    });
  };

  let stopping: Promise<void> | undefined;
  return {
    status: (key) => checked.get(key)?.state.status ?? 'unavailable',
    settled(timeoutMs) {
      if (unsettled === 0) return Promise.resolve(true);
      if (stopped) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const done = (settled: boolean): void => {
          clearTimeout(timer);
          settleWaiters.delete(done);
          resolve(settled);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        settleWaiters.add(done);
      });
    },
    waitForStatus(key, status, timeoutMs) {
      if ((checked.get(key)?.state.status ?? 'unavailable') === status) return Promise.resolve(true);
      return waitUntil(key, (entry) => entry.state.status === status, timeoutMs);
    },
    waitForChecks(key, count, timeoutMs) {
      const entry = checked.get(key);
      if (entry && entry.state.checks >= count) return Promise.resolve(true);
      return waitUntil(key, (each) => each.state.checks >= count, timeoutMs);
    },
    unsettledKeys: () => [...checked].filter(([, entry]) => entry.state.status === 'unavailable').map(([key]) => key),
    runningLoops: () => running,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        for (const resolve of [...settleWaiters]) resolve(false);
        for (const waiter of [...waiters]) waiter.done(false);
        runner.stop();
        sleeper.wakeAll();
        await Promise.allSettled(loops);
      })();
      return stopping;
    },
    detail(key) {
      const entry = checked.get(key);
      if (!entry) {
        const reason = notChecked.get(key);
        if (reason === undefined) return undefined;
        const check = `not checked: ${reason}`;
        return { key, status: 'unavailable', check, checked: false, checks: 0, consecutiveSuccesses: 0, consecutiveFailures: 0, transitions: [] };
      }
      return {
        key,
        status: entry.state.status,
        check: entry.plan.description,
        checked: true,
        ...(entry.lastResult === undefined ? {} : { lastResult: entry.lastResult }),
        ...(entry.lastOk === undefined ? {} : { lastOk: entry.lastOk }),
        checks: entry.state.checks,
        consecutiveSuccesses: entry.state.consecutiveSuccesses,
        consecutiveFailures: entry.state.consecutiveFailures,
        transitions: [...entry.state.transitions],
      };
    },
    keys: () => [...checked.keys(), ...notChecked.keys()],
    attemptsSent: () => runner.sent,
    sourceIps,
  };
}

/** Cancellable sleeps without one abort listener per sleeper (thousands of loops sleep at once). */
class Sleeper {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private awake = false;

  sleep(ms: number): Promise<void> {
    if (this.awake) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  wakeAll(): void {
    this.awake = true;
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve();
    }
    this.pending.clear();
  }
}

function isLoopbackIpv4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
