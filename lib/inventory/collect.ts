// Region → normalized Inventory with the fewest calls: load balancers (pages of 100), listeners (10 load balancers per
// call), then per load balancer one DescribeLoadBalancerAttribute (only when a listener uses the default group), one
// DescribeHealthStatus and one call per server group; then ECS for the instances and their security groups.
// A load balancer whose calls fail for good becomes an InventoryError and the rest completes; credential and
// permission errors are fatal and thrown.
import {
  CloudApiError,
  INSTANCE_BATCH_SIZE,
  isKnown,
  type DroppedItem,
  type Spelled,
  LISTENER_BATCH_SIZE,
  callsSince,
  type ApiCounters,
  type EcsClient,
  type SlbClient,
  type SlbDefaultBackendServer,
  type SlbGroupBackendServer,
  type SlbHealthCheckConfig,
  type SlbListener,
  type SlbLoadBalancerSummary,
  type SlbMasterSlaveBackendServer,
  type SlbTag,
} from '../cloud';
import type {
  Backend,
  EcsInstanceFacts,
  Inventory,
  InventoryError,
  InventoryFilter,
  ListenerProtocol,
  Listener,
  LoadBalancer,
  SecurityGroupRule,
  SlbHealthStatus,
} from '../model';
import { mapLimit } from '../util/concurrency';
import { checkHostFor, readHealthCheck } from './health-check';
import { HealthIndex, fetchHealthStatus } from './health-status';

// 64 calls in flight at 20–50 ms each stay far below the per-action quota (3000 per 60 s) for fleets of up to
// 3,000 load balancers, where the token bucket takes over.
export const DEFAULT_INVENTORY_CONCURRENCY = 64;

export interface InventoryClients {
  slb: SlbClient;
  ecs: EcsClient;
  counters: ApiCounters;
}

export interface CollectInventoryOptions {
  regionId: string;
  filter?: InventoryFilter;
  /** API calls in flight at once; default 64. */
  concurrency?: number;
}

/** A listener with everything needed to find its backends and its check. */
interface ListenerPlan {
  loadBalancerId: string;
  port: number;
  protocol: ListenerProtocol;
  status: string;
  backendServerPort: number | null;
  vServerGroupId: string | null;
  masterSlaveServerGroupId: string | null;
  config: SlbHealthCheckConfig;
  /** Spellings we did not know, each with the default used. */
  warnings: string[];
}

/** A listener entry with its protocol read: an unknown spelling gets the protocol its config object tells, else tcp. */
interface ReadListener {
  entry: SlbListener;
  protocol: ListenerProtocol;
  warnings: string[];
}

/** What each load balancer's detail calls brought back. */
interface LoadBalancerDetails {
  defaultServers: SlbDefaultBackendServer[];
  attributeTags: SlbTag[] | undefined;
  health: HealthIndex;
}

interface BackendSource {
  server: { ServerId: string; Weight?: number; Type?: Spelled<Backend['type']>; ServerIp?: string };
  port: number;
  group: Backend['group'];
  action: string;
}

const CONFIG_KEY: Record<ListenerProtocol, 'HTTPListenerConfig' | 'HTTPSListenerConfig' | 'TCPListenerConfig' | 'UDPListenerConfig'> = {
  http: 'HTTPListenerConfig',
  https: 'HTTPSListenerConfig',
  tcp: 'TCPListenerConfig',
  udp: 'UDPListenerConfig',
};

function readListener(entry: SlbListener): ReadListener {
  const reported = entry.ListenerProtocol;
  if (isKnown(reported)) return { entry, protocol: reported, warnings: [] };
  // The batched reply puts the settings under <PROTOCOL>ListenerConfig: that key names the protocol SLB checks with.
  const byConfig = (Object.keys(CONFIG_KEY) as ListenerProtocol[]).find((protocol) => entry[CONFIG_KEY[protocol]] !== undefined);
  const protocol = byConfig ?? 'tcp';
  return { entry, protocol, warnings: [`ListenerProtocol '${reported.unknown}' is unknown; checking it as ${protocol}`] };
}

/** The listener's Status as SLB spelled it; an unknown one is kept, noted, and audited like a running listener. */
function statusOf(status: Spelled<string> | undefined, warnings: string[]): string {
  if (status === undefined) return '';
  if (isKnown(status)) return status;
  warnings.push(`Status '${status.unknown}' is unknown; auditing the listener as running`);
  return status.unknown;
}

/** Entries SLB returned that cannot be audited (no LoadBalancerId, no ListenerPort …): each is reported, only it is lost. */
function droppedErrors(dropped: readonly DroppedItem[]): InventoryError[] {
  return dropped.map((item) => ({ loadBalancerId: item.loadBalancerId, action: item.action, code: 'EntryUnreadable', message: item.reason }));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** The first failure of each load balancer; once failed, its remaining calls are skipped. */
class FailedLoadBalancers {
  private readonly failures = new Map<string, InventoryError>();

  has(loadBalancerId: string): boolean {
    return this.failures.has(loadBalancerId);
  }

  record(loadBalancerId: string, err: CloudApiError): void {
    if (!this.failures.has(loadBalancerId)) {
      this.failures.set(loadBalancerId, { loadBalancerId, action: err.action, code: err.apiCode, message: err.message });
    }
  }

  errors(): InventoryError[] {
    return [...this.failures.values()];
  }

  /** Runs one call on behalf of a load balancer: a CloudApiError marks it failed; anything else (auth, bugs) is thrown. */
  async run<T>(loadBalancerId: string, call: () => Promise<T>): Promise<T | undefined> {
    if (this.has(loadBalancerId)) return undefined;
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof CloudApiError)) throw err;
      this.record(loadBalancerId, err);
      return undefined;
    }
  }
}

/** A backend Type we do not know is noted and examined like an ECS instance (the default when Type is absent). */
function backendTypeOf(type: Spelled<Backend['type']> | undefined, warnings: string[], backend?: string): Backend['type'] {
  if (type === undefined) return 'ecs';
  if (isKnown(type)) return type;
  if (backend !== undefined) warnings.push(`Type '${type.unknown}' of backend ${backend} is unknown; examining it as ecs`);
  return 'ecs';
}

/** SLB's verdict; one we do not know is reported as SLB spelled it, and the backend is examined as not known healthy. */
function slbStatusOf(
  status: Spelled<SlbHealthStatus> | 'unknown' | undefined,
  warnings: string[],
  backend: string,
): Pick<Backend, 'slbStatus' | 'slbStatusReported'> {
  if (status === undefined) return { slbStatus: 'unknown' };
  if (typeof status === 'string') return { slbStatus: status };
  warnings.push(`ServerHealthStatus '${status.unknown}' of ${backend} is unknown; examining the backend as not known healthy`);
  return { slbStatus: 'unknown', slbStatusReported: status.unknown };
}

function tagsOf(tags: SlbTag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.TagKey, tag.TagValue]));
}

function matchesTags(lb: SlbLoadBalancerSummary, wanted: Record<string, string> | undefined): boolean {
  // Without Tags in the reply the service's own Tag.N filter is all we have.
  if (wanted === undefined || lb.Tags === undefined) return true;
  const have = tagsOf(lb.Tags.Tag);
  return Object.entries(wanted).every(([key, value]) => have[key] === value);
}

function matchesListener(filter: InventoryFilter['listener'], port: number, protocol: ListenerProtocol): boolean {
  return filter === undefined || (filter.port === port && (filter.protocol === undefined || filter.protocol === protocol));
}

async function listLoadBalancers(
  slb: SlbClient,
  regionId: string,
  filter: InventoryFilter,
  limit: number,
  errors: InventoryError[],
  dropped: DroppedItem[],
): Promise<SlbLoadBalancerSummary[]> {
  const tagEntries = Object.entries(filter.tags ?? {});
  const base = { RegionId: regionId, ...(tagEntries.length > 0 ? { Tag: tagEntries.map(([Key, Value]) => ({ Key, Value })) } : {}) };
  const requested = filter.loadBalancerIds?.length ? [...new Set(filter.loadBalancerIds)] : null;
  const found = requested
    ? (await mapLimit(chunks(requested, LISTENER_BATCH_SIZE), limit, (ids) => slb.collectLoadBalancers({ ...base, LoadBalancerId: ids.join(',') }, dropped))).flat()
    : await slb.collectLoadBalancers(base, dropped);
  const wanted = requested ? new Set(requested) : null;
  const byId = new Map<string, SlbLoadBalancerSummary>();
  for (const lb of found) {
    if (byId.has(lb.LoadBalancerId) || (wanted && !wanted.has(lb.LoadBalancerId)) || !matchesTags(lb, filter.tags)) continue;
    byId.set(lb.LoadBalancerId, lb);
  }
  for (const id of requested ?? []) {
    if (byId.has(id)) continue;
    errors.push({
      loadBalancerId: id,
      action: 'DescribeLoadBalancers',
      code: 'InvalidLoadBalancerId.NotFound',
      message: `Load balancer ${id} was not found in region ${regionId}${tagEntries.length > 0 ? ' with the requested tags' : ''}: check the id and the region.`,
    });
  }
  return [...byId.values()];
}

async function listListeners(
  slb: SlbClient,
  regionId: string,
  loadBalancerIds: string[],
  filter: InventoryFilter,
  limit: number,
  failed: FailedLoadBalancers,
  dropped: DroppedItem[],
): Promise<Map<string, Map<string, ReadListener>>> {
  const byLoadBalancer = new Map(loadBalancerIds.map((id) => [id, new Map<string, ReadListener>()]));
  const narrowing = {
    ...(filter.listener ? { ListenerPort: filter.listener.port } : {}),
    ...(filter.listener?.protocol ? { ListenerProtocol: filter.listener.protocol } : {}),
  };
  const keep = (listeners: SlbListener[]): void => {
    for (const entry of listeners) {
      const listener = readListener(entry);
      if (!matchesListener(filter.listener, entry.ListenerPort, listener.protocol)) continue;
      byLoadBalancer.get(entry.LoadBalancerId)?.set(`${listener.protocol}:${entry.ListenerPort}`, listener);
    }
  };
  await mapLimit(chunks(loadBalancerIds, LISTENER_BATCH_SIZE), limit, async (batch) => {
    try {
      keep(await slb.collectListeners({ RegionId: regionId, LoadBalancerId: batch, ...narrowing }, dropped));
    } catch (err) {
      if (!(err instanceof CloudApiError)) throw err;
      // One load balancer can spoil a whole batch: ask for each alone, so that only the culprit is reported.
      for (const id of batch) {
        if (batch.length === 1) failed.record(id, err);
        else keep((await failed.run(id, () => slb.collectListeners({ RegionId: regionId, LoadBalancerId: [id], ...narrowing }, dropped))) ?? []);
      }
    }
  });
  return byLoadBalancer;
}

function planOf(
  { entry, protocol, warnings: protocolWarnings }: ReadListener,
  config: SlbHealthCheckConfig,
  fallback?: { BackendServerPort?: number; VServerGroupId?: string; Status?: Spelled<string> },
): ListenerPlan {
  const warnings = [...protocolWarnings];
  return {
    loadBalancerId: entry.LoadBalancerId,
    port: entry.ListenerPort,
    protocol,
    status: statusOf(entry.Status ?? fallback?.Status, warnings),
    backendServerPort: entry.BackendServerPort ?? fallback?.BackendServerPort ?? null,
    vServerGroupId: entry.VServerGroupId ?? fallback?.VServerGroupId ?? null,
    masterSlaveServerGroupId: config.MasterSlaveServerGroupId ?? null,
    config,
    warnings,
  };
}

/** Listener plans per load balancer; the per-listener describe is used only for entries that lack their config object. */
async function planListeners(
  slb: SlbClient,
  regionId: string,
  listeners: Map<string, Map<string, ReadListener>>,
  limit: number,
  failed: FailedLoadBalancers,
): Promise<Map<string, ListenerPlan[]>> {
  const plans = new Map<string, ListenerPlan[]>();
  const incomplete: ReadListener[] = [];
  for (const [id, byKey] of listeners) {
    const complete: ListenerPlan[] = [];
    for (const listener of byKey.values()) {
      const config = listener.entry[CONFIG_KEY[listener.protocol]];
      if (config) complete.push(planOf(listener, config));
      // A protocol we do not know has no attribute action to ask: its check gets the documented defaults.
      else if (!isKnown(listener.entry.ListenerProtocol)) complete.push(planOf(listener, {}));
      else incomplete.push(listener);
    }
    plans.set(id, complete);
  }
  await mapLimit(incomplete, limit, async (listener) => {
    const { LoadBalancerId, ListenerPort } = listener.entry;
    const reply = await failed.run(LoadBalancerId, () => slb.describeListenerAttribute(listener.protocol, { RegionId: regionId, LoadBalancerId, ListenerPort }));
    if (reply) plans.get(LoadBalancerId)?.push(planOf(listener, reply, reply));
  });
  for (const list of plans.values()) list.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  return plans;
}

export async function collectInventory(clients: InventoryClients, options: CollectInventoryOptions): Promise<Inventory> {
  const { slb, ecs, counters } = clients;
  const { regionId } = options;
  const filter = options.filter ?? {};
  const limit = Math.max(1, options.concurrency ?? DEFAULT_INVENTORY_CONCURRENCY);
  const callsBefore = counters.calls();
  const errors: InventoryError[] = [];
  const failed = new FailedLoadBalancers();

  const dropped: DroppedItem[] = [];
  const summaries = await listLoadBalancers(slb, regionId, filter, limit, errors, dropped);
  const listeners = await listListeners(slb, regionId, summaries.map((lb) => lb.LoadBalancerId), filter, limit, failed, dropped);
  const plans = await planListeners(slb, regionId, listeners, limit, failed);

  // With a listener filter, load balancers without such a listener are out of scope; say so for those asked for by id.
  const explicitlyRequested = new Set(filter.loadBalancerIds ?? []);
  const inScope = summaries.filter((lb) => {
    if (filter.listener === undefined || failed.has(lb.LoadBalancerId) || (plans.get(lb.LoadBalancerId)?.length ?? 0) > 0) return true;
    if (explicitlyRequested.has(lb.LoadBalancerId)) {
      const { port, protocol } = filter.listener;
      errors.push({
        loadBalancerId: lb.LoadBalancerId,
        action: 'DescribeLoadBalancerListeners',
        code: 'ListenerNotFound',
        message: `Load balancer ${lb.LoadBalancerId} has no ${protocol ?? ''}${protocol ? ' ' : ''}listener on port ${port}: check --listener.`,
      });
    }
    return false;
  });

  // Per load balancer: default-group backends, SLB's verdicts, and each server group once.
  const details = new Map<string, LoadBalancerDetails>();
  const vServerGroups = new Map<string, SlbGroupBackendServer[]>();
  const masterSlaveGroups = new Map<string, SlbMasterSlaveBackendServer[]>();
  const tasks: (() => Promise<void>)[] = [];
  for (const lb of inScope) {
    const id = lb.LoadBalancerId;
    const lbPlans = plans.get(id) ?? [];
    if (failed.has(id) || lbPlans.length === 0) continue;
    const detail: LoadBalancerDetails = { defaultServers: [], attributeTags: undefined, health: new HealthIndex([]) };
    details.set(id, detail);
    if (lbPlans.some((plan) => plan.vServerGroupId === null && plan.masterSlaveServerGroupId === null)) {
      tasks.push(async () => {
        const reply = await failed.run(id, () => slb.describeLoadBalancerAttribute({ RegionId: regionId, LoadBalancerId: id }));
        if (!reply) return;
        dropped.push(...reply.dropped);
        detail.defaultServers = reply.BackendServers.BackendServer;
        detail.attributeTags = reply.Tags?.Tag;
      });
    }
    tasks.push(async () => {
      const keys = lbPlans.map((plan) => ({ port: plan.port, protocol: plan.protocol }));
      const entries = await failed.run(id, () => fetchHealthStatus(slb, regionId, id, async () => keys, filter.listener, dropped));
      if (entries) detail.health = new HealthIndex(entries);
    });
    for (const groupId of new Set(lbPlans.map((plan) => plan.vServerGroupId).filter((g): g is string => g !== null))) {
      tasks.push(async () => {
        const reply = await failed.run(id, () => slb.describeVServerGroupAttribute({ RegionId: regionId, VServerGroupId: groupId }));
        if (!reply) return;
        dropped.push(...reply.dropped.map((item) => ({ ...item, loadBalancerId: item.loadBalancerId ?? id })));
        vServerGroups.set(groupId, reply.BackendServers.BackendServer);
      });
    }
    for (const groupId of new Set(lbPlans.map((plan) => plan.masterSlaveServerGroupId).filter((g): g is string => g !== null))) {
      tasks.push(async () => {
        const reply = await failed.run(id, () => slb.describeMasterSlaveServerGroupAttribute({ RegionId: regionId, MasterSlaveServerGroupId: groupId }));
        if (!reply) return;
        dropped.push(...reply.dropped.map((item) => ({ ...item, loadBalancerId: item.loadBalancerId ?? id })));
        masterSlaveGroups.set(groupId, reply.MasterSlaveBackendServers.MasterSlaveBackendServer);
      });
    }
  }
  await mapLimit(tasks, limit, (task) => task());

  const sourcesOf = (plan: ListenerPlan, detail: LoadBalancerDetails): BackendSource[] => {
    if (plan.masterSlaveServerGroupId !== null) {
      const id = plan.masterSlaveServerGroupId;
      return (masterSlaveGroups.get(id) ?? []).map((server) => ({
        server,
        port: server.Port,
        group: { kind: 'master-slave', id, role: server.ServerType },
        action: 'DescribeMasterSlaveServerGroupAttribute',
      }));
    }
    if (plan.vServerGroupId !== null) {
      const id = plan.vServerGroupId;
      return (vServerGroups.get(id) ?? []).map((server) => ({ server, port: server.Port, group: { kind: 'vserver', id }, action: 'DescribeVServerGroupAttribute' }));
    }
    const port = plan.backendServerPort ?? plan.port;
    return detail.defaultServers.map((server) => ({ server, port, group: { kind: 'default' }, action: 'DescribeLoadBalancerAttribute' }));
  };

  // ECS: every ECS-type backend once (100 per call), then each of their security groups once.
  const instanceIds = new Set<string>();
  for (const [id, detail] of details) {
    if (failed.has(id)) continue;
    for (const plan of plans.get(id) ?? []) {
      for (const source of sourcesOf(plan, detail)) if (backendTypeOf(source.server.Type, []) === 'ecs') instanceIds.add(source.server.ServerId);
    }
  }
  const recordGlobal = (err: unknown): undefined => {
    if (!(err instanceof CloudApiError)) throw err;
    errors.push({ loadBalancerId: null, action: err.action, code: err.apiCode, message: err.message });
    return undefined;
  };
  const instances: Record<string, EcsInstanceFacts> = {};
  await mapLimit(chunks([...instanceIds], INSTANCE_BATCH_SIZE), limit, async (batch) => {
    const found = await ecs.describeInstances({ RegionId: regionId, InstanceIds: batch }).catch(recordGlobal);
    for (const instance of found ?? []) instances[instance.instanceId] = instance;
  });
  const securityGroupRules: Record<string, SecurityGroupRule[]> = {};
  const groupIds = [...new Set(Object.values(instances).flatMap((instance) => instance.securityGroupIds))];
  await mapLimit(groupIds, limit, async (groupId) => {
    const rules = await ecs.describeSecurityGroupAttribute({ RegionId: regionId, SecurityGroupId: groupId, Direction: 'ingress' }).catch(recordGlobal);
    if (rules) securityGroupRules[groupId] = rules;
  });

  // Assemble.
  const loadBalancers: LoadBalancer[] = [];
  for (const lb of inScope) {
    const id = lb.LoadBalancerId;
    if (failed.has(id)) continue;
    const detail = details.get(id);
    const unresolved = new Map<string, InventoryError>();
    const lbListeners: Listener[] = (plans.get(id) ?? []).map((plan) => {
      const { spec: healthCheck, warnings: checkWarnings } = readHealthCheck(plan.protocol, plan.config);
      const warnings = [...plan.warnings, ...checkWarnings];
      const backends: Backend[] = [];
      for (const source of detail ? sourcesOf(plan, detail) : []) {
        const { server, port } = source;
        const ip = server.ServerIp ?? detail?.health.ipOf(server.ServerId, port) ?? instances[server.ServerId]?.privateIps[0];
        if (ip === undefined) {
          unresolved.set(`${server.ServerId}:${port}`, {
            loadBalancerId: id,
            action: source.action,
            code: 'BackendIpUnknown',
            message: `Backend ${server.ServerId}:${port} of ${id} has no IP in SLB's replies and ECS did not list it, so it cannot be examined.`,
          });
          continue;
        }
        backends.push({
          serverId: server.ServerId,
          ip,
          port,
          checkPort: healthCheck.connectPort ?? port,
          checkHost: checkHostFor(healthCheck, ip),
          weight: server.Weight ?? 100,
          type: backendTypeOf(server.Type, warnings, `${server.ServerId}:${port}`),
          group: source.group,
          ...slbStatusOf(detail?.health.status(plan, server.ServerId, ip, port), warnings, `${ip}:${port}`),
        });
      }
      return {
        loadBalancerId: id,
        port: plan.port,
        protocol: plan.protocol,
        status: plan.status,
        backendServerPort: plan.backendServerPort,
        vServerGroupId: plan.vServerGroupId,
        masterSlaveServerGroupId: plan.masterSlaveServerGroupId,
        healthCheck,
        backends,
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    });
    errors.push(...unresolved.values());
    loadBalancers.push({
      id,
      name: lb.LoadBalancerName,
      regionId: lb.RegionId || regionId,
      vpcId: lb.VpcId || null,
      vSwitchId: lb.VSwitchId || null,
      address: lb.Address,
      addressType: lb.AddressType,
      networkType: lb.NetworkType,
      status: lb.LoadBalancerStatus,
      tags: tagsOf(lb.Tags?.Tag ?? detail?.attributeTags),
      listeners: lbListeners,
    });
  }

  return {
    regionId,
    loadBalancers,
    errors: [...failed.errors(), ...errors, ...droppedErrors(dropped)],
    instances,
    securityGroupRules,
    apiCalls: callsSince(counters, callsBefore),
  };
}
