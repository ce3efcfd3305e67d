// SLB's own verdict per backend (DescribeHealthStatus): one call per load balancer covers every listener; when SLB
// answers TooManyListeners (a port used by two protocols) it is asked once per listener instead.
import { CloudApiError, isKnown, type DroppedItem, type SlbBackendHealth, type SlbClient, type Spelled } from '../cloud';
import { listenerBackendKey, type ListenerProtocol, type SlbHealthStatus } from '../model';
import type { PriorityGate } from './call-order';

export interface ListenerKey {
  port: number;
  protocol: ListenerProtocol;
}

/** The key of `readHealthStatus`'s map: `listenerBackendKey` (lib/model/keys.ts) for SLB's protocol, ports and address. */
function healthKey(protocol: ListenerProtocol, listenerPort: number, address: string, port: number): string {
  return listenerBackendKey({ protocol, port: listenerPort }, { ip: address, port });
}

/**
 * Every backend's status on every listener of one load balancer (or only `only`). Entries come back with `Protocol`
 * filled in wherever the listeners tell it; `listeners` is asked only when needed.
 */
export async function fetchHealthStatus(
  slb: SlbClient,
  regionId: string,
  loadBalancerId: string,
  listeners: () => Promise<ListenerKey[]>,
  only?: { port: number; protocol?: ListenerProtocol },
  dropped: DroppedItem[] = [],
): Promise<SlbBackendHealth[]> {
  let entries: SlbBackendHealth[];
  const keepDropped = (items: DroppedItem[]): void => {
    dropped.push(...items.map((item) => ({ ...item, loadBalancerId: item.loadBalancerId ?? loadBalancerId })));
  };
  try {
    const reply = await slb.describeHealthStatus({ RegionId: regionId, LoadBalancerId: loadBalancerId, ListenerPort: only?.port, ListenerProtocol: only?.protocol });
    keepDropped(reply.dropped);
    entries = reply.BackendServers.BackendServer;
  } catch (err) {
    if (!(err instanceof CloudApiError && err.apiCode === 'TooManyListeners')) throw err;
    const targets = (await listeners()).filter((l) => only === undefined || (l.port === only.port && (only.protocol === undefined || l.protocol === only.protocol)));
    const perListener: SlbBackendHealth[] = [];
    for (const listener of targets) {
      const reply = await slb.describeHealthStatus({
        RegionId: regionId,
        LoadBalancerId: loadBalancerId,
        ListenerPort: listener.port,
        ListenerProtocol: listener.protocol,
      });
      keepDropped(reply.dropped);
      for (const entry of reply.BackendServers.BackendServer) perListener.push({ ...entry, Protocol: entry.Protocol ?? listener.protocol });
    }
    return perListener;
  }
  if (entries.every((entry) => entry.Protocol !== undefined)) return entries;
  // A reply without the listener protocol: a port that only one listener uses tells it.
  const protocolsByPort = new Map<number, Set<ListenerProtocol>>();
  for (const listener of await listeners()) {
    const protocols = protocolsByPort.get(listener.port) ?? new Set<ListenerProtocol>();
    protocols.add(listener.protocol);
    protocolsByPort.set(listener.port, protocols);
  }
  return entries.map((entry) => {
    const protocols = protocolsByPort.get(entry.ListenerPort);
    if (entry.Protocol !== undefined || protocols?.size !== 1) return entry;
    return { ...entry, Protocol: [...protocols][0] };
  });
}

/** A backend as DescribeHealthStatus names it. */
export interface ReportedBackend {
  serverId: string;
  ip: string;
  port: number;
}

/** Looks up SLB's verdicts of one load balancer by listener and backend (by IP, or by server id when SLB gave no IP). */
export class HealthIndex {
  private readonly byIp = new Map<string, Spelled<SlbHealthStatus>>();
  private readonly byServerId = new Map<string, Spelled<SlbHealthStatus>>();
  private readonly ips = new Map<string, string>();
  private readonly byListener = new Map<string, Map<string, ReportedBackend>>();

  constructor(entries: readonly SlbBackendHealth[]) {
    for (const entry of entries) {
      if (entry.ServerIp !== undefined) this.ips.set(`${entry.ServerId}:${entry.Port}`, entry.ServerIp);
      if (entry.Protocol === undefined) continue;
      this.byServerId.set(healthKey(entry.Protocol, entry.ListenerPort, entry.ServerId, entry.Port), entry.ServerHealthStatus);
      if (entry.ServerIp === undefined) continue;
      this.byIp.set(healthKey(entry.Protocol, entry.ListenerPort, entry.ServerIp, entry.Port), entry.ServerHealthStatus);
      const listener = `${entry.Protocol}:${entry.ListenerPort}`;
      const reported = this.byListener.get(listener) ?? new Map<string, ReportedBackend>();
      reported.set(`${entry.ServerIp}:${entry.Port}`, { serverId: entry.ServerId, ip: entry.ServerIp, port: entry.Port });
      this.byListener.set(listener, reported);
    }
  }

  /** SLB's verdict (an unknown spelling kept raw), or 'unknown' when SLB listed none. */
  status(listener: ListenerKey, serverId: string, ip: string, port: number): Spelled<SlbHealthStatus> | 'unknown' {
    return (
      this.byIp.get(healthKey(listener.protocol, listener.port, ip, port)) ??
      this.byServerId.get(healthKey(listener.protocol, listener.port, serverId, port)) ??
      'unknown'
    );
  }

  /** The backends SLB reported on this listener with an IP, each address and port once. */
  reported(listener: ListenerKey): ReportedBackend[] {
    return [...(this.byListener.get(`${listener.protocol}:${listener.port}`)?.values() ?? [])];
  }

  /** The private IP SLB reported for this backend, if any (master-slave groups carry none of their own). */
  ipOf(serverId: string, port: number): string | undefined {
    return this.ips.get(`${serverId}:${port}`);
  }
}

/**
 * SLB's current verdicts for one load balancer, keyed `${protocol}:${listenerPort}/${ip}:${port}` (for the diagnosis
 * re-check). Entries SLB gave without an IP, whose listener protocol cannot be told, or whose status we do not know,
 * are left out.
 */
export async function readHealthStatus(
  clients: { slb: SlbClient },
  regionId: string,
  loadBalancerId: string,
): Promise<Map<string, SlbHealthStatus>> {
  let listeners: ListenerKey[] | null = null;
  const loadListeners = async (): Promise<ListenerKey[]> => {
    listeners ??= (await clients.slb.collectListeners({ RegionId: regionId, LoadBalancerId: [loadBalancerId] })).flatMap((l) =>
      isKnown(l.ListenerProtocol) ? [{ port: l.ListenerPort, protocol: l.ListenerProtocol }] : [],
    );
    return listeners;
  };
  const statuses = new Map<string, SlbHealthStatus>();
  for (const entry of await fetchHealthStatus(clients.slb, regionId, loadBalancerId, loadListeners)) {
    // A status we do not know is no verdict to re-check against.
    if (entry.Protocol === undefined || entry.ServerIp === undefined || !isKnown(entry.ServerHealthStatus)) continue;
    statuses.set(healthKey(entry.Protocol, entry.ListenerPort, entry.ServerIp, entry.Port), entry.ServerHealthStatus);
  }
  return statuses;
}

/**
 * SLB's re-check of one load balancer (`readHealthStatus`) through the inventory's call slots, at the re-check's
 * priority (./call-order.ts). A streaming audit re-checks while the inventory is still being read; outside the slots
 * its calls would go out beside the inventory's 64, at once whenever a DescribeHealthStatus quota window rolls.
 */
export function recheckThrough(slots: PriorityGate, clients: { slb: SlbClient }, regionId: string): (loadBalancerId: string) => Promise<Map<string, SlbHealthStatus>> {
  const slb = clients.slb.admittedBy((send) => slots('recheck', send));
  return (loadBalancerId) => readHealthStatus({ slb }, regionId, loadBalancerId);
}
