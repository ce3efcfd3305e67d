// An empty scope is never silent: a filter that matched nothing is named, so that "findings: none" is not mistaken
// for "all healthy".
import type { AuditScope } from '../audit/types';
import type { Inventory } from '../model';

function describeListener(listener: NonNullable<AuditScope['listener']>): string {
  return `${listener.port}${listener.protocol ? `/${listener.protocol}` : ''}`;
}

function describeTags(tags: Record<string, string>): string {
  const entries = Object.entries(tags).map(([key, value]) => `${key}=${value}`);
  return `${entries.length > 1 ? 'tags' : 'tag'} ${entries.join(' and ')}`;
}

/** Warnings for the filters that left nothing to examine; none when a listing error explains the emptiness. */
export function emptyScopeWarnings(scope: AuditScope, inventory: Inventory): string[] {
  if (inventory.loadBalancers.length > 0) return [];
  // The listing itself failed: the uncovered load balancers and INVENTORY_ERROR say why, not the filter.
  if (inventory.errors.some((error) => error.loadBalancerId === null)) return [];
  const tags = scope.tags && Object.keys(scope.tags).length > 0 ? scope.tags : null;
  const where = `in ${scope.regionId}${tags ? ` with ${describeTags(tags)}` : ''}`;
  if (scope.listener) return [`no listener ${describeListener(scope.listener)} on any load balancer ${where}`];
  if (tags) return [`no load balancer in ${scope.regionId} has ${describeTags(tags)}`];
  if (scope.loadBalancerIds?.length) return [];
  return [`no load balancer in ${scope.regionId}`];
}
