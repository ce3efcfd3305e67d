// The names of a backend on a listener of a load balancer, built in this one place and never parsed back: whoever
// needs the load balancer, the listener or the backend reads the typed fields (`ProbeJob.target`, `evidence.target`).
import type { ListenerProtocol } from './inventory';

export interface ListenerRef {
  protocol: ListenerProtocol;
  port: number;
}

export interface BackendRef {
  ip: string;
  port: number;
}

/** One backend (its traffic port) on one listener of one load balancer: what a probe job examines. */
export interface BackendTarget {
  loadBalancerId: string;
  listener: ListenerRef;
  backend: BackendRef;
}

/**
 * `${protocol}:${listenerPort}/${address}:${port}`: a backend on a listener, as SLB's DescribeHealthStatus reports it
 * (the address is the backend's IP, or its server id when SLB lists no IP).
 */
export function listenerBackendKey(listener: ListenerRef, backend: BackendRef): string {
  return `${listener.protocol}:${listener.port}/${backend.ip}:${backend.port}`;
}

/** `${loadBalancerId}/${protocol}:${listenerPort}/${ip}:${port}`: a probe job's id, unique within a region. */
export function targetKey(target: BackendTarget): string {
  return `${target.loadBalancerId}/${listenerBackendKey(target.listener, target.backend)}`;
}
