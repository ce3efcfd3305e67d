// Findings keyed like a scenario's expectedFindings: `lbId/protocol:port/ip:port`. A listener-level finding (stopped
// listener, checks off) stands for every backend of that listener.
import type { Finding, Inventory } from '../../lib/model';

export function backendKey(loadBalancerId: string, listener: { protocol: string; port: number }, backend: { ip: string; port: number }): string {
  return `${loadBalancerId}/${listener.protocol}:${listener.port}/${backend.ip}:${backend.port}`;
}

/** Keys a finding covers; a finding with no listener (INVENTORY_ERROR) covers `lbId` alone. */
export function keysOf(finding: Finding, inventory: Inventory): string[] {
  const { loadBalancerId, listener, backend } = finding.subject;
  if (listener === null) return [loadBalancerId];
  if (backend !== null) return [backendKey(loadBalancerId, listener, backend)];
  const owner = inventory.loadBalancers.find((lb) => lb.id === loadBalancerId)?.listeners.find((l) => l.port === listener.port && l.protocol === listener.protocol);
  return (owner?.backends ?? []).map((b) => backendKey(loadBalancerId, listener, b));
}

/** key → the codes reported for it, sorted (so that two findings for one backend show up as a list). */
export function codesByKey(findings: readonly Finding[], inventory: Inventory): Record<string, string> {
  const codes = new Map<string, string[]>();
  for (const finding of findings) {
    for (const key of keysOf(finding, inventory)) codes.set(key, [...(codes.get(key) ?? []), finding.code]);
  }
  return Object.fromEntries([...codes].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => [key, list.sort().join(',')]));
}
