// The contract every fault-zoo behaviour module implements: start one real server for one scenario endpoint.
import type * as net from 'node:net';
import type { BehaviourName, BehaviourOptions } from '../scenario/types';
import { BackendConfigError } from './config-error';
import { PythonBatcher } from './python-helper';

export { BackendConfigError };

/** One endpoint to serve, with its options already defaulted to `{}`. */
export interface EndpointSpec {
  ip: string;
  port: number;
  behaviour: BehaviourName;
  options: BehaviourOptions;
  /** The host's declared firewall, applied to the listening socket right after it listens (lib/sandbox/hosts). */
  hostFirewall?: (server: net.Server) => Promise<void>;
}

/** A started server. `stop` closes it and destroys every socket (and helper process) it still holds. */
export interface RunningBackend {
  /** `tcp://ip:port` or `udp://ip:port`. */
  readonly address: string;
  stop(): Promise<void>;
  /** TCP servers: the most connections from one client address that were ever open at once, per client address. */
  peakConnectionsByClient?(): ReadonlyMap<string, number>;
}

/** Shared by every endpoint started together. */
export class StartContext {
  private readonly batchers = new Map<string, PythonBatcher>();

  /** The batcher for a python3 script: jobs joined in the same turn of the event loop share one process. */
  python(script: string): PythonBatcher {
    let batcher = this.batchers.get(script);
    if (!batcher) this.batchers.set(script, (batcher = new PythonBatcher(script)));
    return batcher;
  }
}

export interface Behaviour {
  readonly protocol: 'tcp' | 'udp';
  /** Resolves `null` for behaviours whose fault is that nothing listens. Rejects with a `BackendConfigError` on bad options. */
  start(spec: EndpointSpec, context: StartContext): Promise<RunningBackend | null>;
}

export function describeEndpoint(spec: EndpointSpec): string {
  return `endpoint ${spec.ip}:${spec.port} (${spec.behaviour})`;
}

/** Reads a non-negative whole number of milliseconds from the options, with a default. */
export function delayOption(spec: EndpointSpec, fallbackMs: number): number {
  const value = spec.options.delayMs ?? fallbackMs;
  if (!Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw new BackendConfigError(`${describeEndpoint(spec)}: options.delayMs must be a whole number of ms in 0..3600000, got ${String(value)}`);
  }
  return value;
}
