// Region → normalized Inventory with the fewest calls: load balancers (pages of 100), listeners (10 load balancers per
// call), per load balancer one DescribeHealthStatus, one DescribeLoadBalancerAttribute (only when a listener uses the
// default group) and one call per server group; then ECS for the instances and their security groups.
// Streamed: each page of load balancers goes on at once to its listener calls, and each load balancer to its
// DescribeHealthStatus as soon as its listeners are in. `onVerdicts` hands a load balancer over as soon as both are
// in: its listeners' checks and the backends SLB reports, with their verdicts, are all its probe jobs need. The
// attribute and group calls follow, and `onLoadBalancer` hands it over again once its SLB facts are complete. ECS
// facts (instance status, security groups) are only needed by the diagnosis: they are read alongside, 100 instances a
// call, and join in the returned Inventory. When every call slot is busy, calls go in the order that unblocks probes
// first (./call-order.ts), and the verdicts of the load balancers with the longest checks go first among theirs:
// an unhealthy backend's evidence chain lasts a few times its check's timeout (the extended wait is 3× it), so the
// chains that end last must start first. Waiting for the listeners costs the first verdicts one round trip; the
// listener calls take the free slots before any verdict, so every load balancer's checks are known early.
// A load balancer whose calls fail for good becomes an InventoryError and the rest completes; credential and
// permission errors are fatal and thrown.
import {
  CloudApiError,
  INSTANCE_BATCH_SIZE,
  isKnown,
  type DroppedItem,
  type Spelled,
  LISTENER_BATCH_SIZE,
  LOAD_BALANCER_PAGE_SIZE,
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
  HealthCheckSpec,
  EcsInstanceFacts,
  Inventory,
  InventoryError,
  InventoryFilter,
  ListenerProtocol,
  Listener,
  LoadBalancer,
  RegionFacts,
  SecurityGroupRule,
  SlbHealthStatus,
} from '../model';
import { concurrencyGate } from '../util/concurrency';
import { priorityGate, type CallPriority, type PriorityGate } from './call-order';
import { checkHostFor, readHealthCheck } from './health-check';
import { HealthIndex, fetchHealthStatus, type ListenerKey } from './health-status';

// 64 calls in flight at 20–50 ms each stay far below the per-action quota (3000 per 60 s) for fleets of up to
// 3,000 load balancers, where the token bucket takes over.
export const DEFAULT_INVENTORY_CONCURRENCY = 64;

/**
 * Listener batches (10 load balancers each) whose listeners and verdicts are read at once: 1,000 load balancers, far
 * more health reads than the 64 call slots finish while a new batch's listener call is on the wire, so the health
 * reads never wait for a batch to start, and fewer than a DescribeHealthStatus quota window admits (3,000 per 60 s)
 * wait for the next one.
 */
export const MAX_BATCHES_AWAITING_VERDICTS = 100;

export interface InventoryClients {
  slb: SlbClient;
  ecs: EcsClient;
  counters: ApiCounters;
}

export interface CollectInventoryOptions {
  regionId: string;
  filter?: InventoryFilter;
  /**
   * The call slots (API calls in flight at once, in priority order); default 64 of its own. A caller that sends calls
   * beside the inventory (SLB's re-checks, `recheckThrough`) shares them, so that those go in the same order and bound.
   */
  slots?: PriorityGate;
  /**
   * Called once per load balancer as soon as its listeners, backends and SLB verdicts are in, before the ECS facts:
   * the streaming audit starts its probes then. Backends whose IP only ECS knows are not in it yet (the returned
   * Inventory has them), and its `instances` are empty.
   */
  onLoadBalancer?: (loadBalancer: LoadBalancer) => void;
  /**
   * Called once per load balancer as soon as its listeners and SLB's verdicts are in, before its attribute and group
   * calls: the streaming audit builds its probe jobs from it. Its backends are the ones DescribeHealthStatus lists
   * with an IP (ServerId, ServerIp, Port, ListenerPort, Protocol, ServerHealthStatus), on default-group and VServer
   * group listeners; their weight and type are not known yet and carry SLB's defaults (100, ecs), so a backend the
   * complete facts explain (weight 0) may be probed for nothing. `onLoadBalancer` follows with the complete model.
   */
  onVerdicts?: (loadBalancer: LoadBalancer) => void;
  /**
   * Called once per load balancer whose model is complete before the ECS facts (every backend has its IP, and none of
   * its entries was unreadable), right after `onLoadBalancer`, with the ECS facts read so far (filled in as they come)
   * and a promise that settles once those its backends run on (their instances and security groups) are read or have
   * failed. Such a load balancer is handed over, not kept: the returned Inventory's `loadBalancers` holds only the
   * others, so that a caller that diagnoses it then can let it go.
   */
  onComplete?: (loadBalancer: LoadBalancer, facts: RegionFacts, factsRead: Promise<void>) => void;
}

/** The inventory, and the id of every load balancer in scope in listing order, kept or handed over (`onComplete`). */
export interface CollectedInventory extends Inventory {
  loadBalancerIds: string[];
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
  healthCheck: HealthCheckSpec;
  /** Spellings we did not know, each with the default used. */
  warnings: string[];
}

/**
 * One object per distinct health check, shared by the listeners that have it: a region's 30,000 listeners mostly
 * share a handful of settings, and the plans and the model hold one each.
 */
class HealthChecks {
  private readonly byValue = new Map<string, HealthCheckSpec>();

  shared(spec: HealthCheckSpec): HealthCheckSpec {
    const key = JSON.stringify(spec);
    const known = this.byValue.get(key);
    if (known) return known;
    this.byValue.set(key, spec);
    return spec;
  }
}

/** A listener of the model from its plan; `readBackends` gets the plan's health check and adds its warnings. */
function listenerOf(plan: ListenerPlan, readBackends: (healthCheck: HealthCheckSpec, warnings: string[]) => Backend[]): Listener {
  const { healthCheck } = plan;
  const warnings = [...plan.warnings];
  const backends = readBackends(healthCheck, warnings);
  return {
    loadBalancerId: plan.loadBalancerId,
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

/**
 * The load balancers in scope, handed to `onFound` page by page as they arrive (deduplicated, tag-filtered); the
 * first page tells the total, and the other pages are then asked for at once. Returns their ids in listing order.
 */
async function listLoadBalancers(
  slb: SlbClient,
  regionId: string,
  filter: InventoryFilter,
  errors: InventoryError[],
  dropped: DroppedItem[],
  onFound: (found: SlbLoadBalancerSummary[]) => void,
): Promise<string[]> {
  const tagEntries = Object.entries(filter.tags ?? {});
  const base = { RegionId: regionId, ...(tagEntries.length > 0 ? { Tag: tagEntries.map(([Key, Value]) => ({ Key, Value })) } : {}) };
  const requested = filter.loadBalancerIds?.length ? [...new Set(filter.loadBalancerIds)] : null;
  const wanted = requested ? new Set(requested) : null;
  const byId = new Map<string, SlbLoadBalancerSummary>();
  const pages: SlbLoadBalancerSummary[][] = [];
  const take = (page: number, found: SlbLoadBalancerSummary[]): void => {
    const fresh: SlbLoadBalancerSummary[] = [];
    for (const lb of found) {
      if (byId.has(lb.LoadBalancerId) || (wanted && !wanted.has(lb.LoadBalancerId)) || !matchesTags(lb, filter.tags)) continue;
      byId.set(lb.LoadBalancerId, lb);
      fresh.push(lb);
    }
    pages[page] = fresh;
    if (fresh.length > 0) onFound(fresh);
  };
  if (requested) {
    await Promise.all(
      chunks(requested, LISTENER_BATCH_SIZE).map(async (ids, index) => take(index, await slb.collectLoadBalancers({ ...base, LoadBalancerId: ids.join(',') }, dropped))),
    );
  } else {
    const first = await slb.describeLoadBalancers({ ...base, PageNumber: 1, PageSize: LOAD_BALANCER_PAGE_SIZE });
    dropped.push(...first.dropped);
    take(0, first.LoadBalancers.LoadBalancer);
    const firstCount = first.LoadBalancers.LoadBalancer.length + first.dropped.length;
    const pageCount = firstCount < LOAD_BALANCER_PAGE_SIZE ? 1 : Math.ceil(first.TotalCount / LOAD_BALANCER_PAGE_SIZE);
    await Promise.all(
      Array.from({ length: Math.max(0, pageCount - 1) }, async (_, i) => {
        const reply = await slb.describeLoadBalancers({ ...base, PageNumber: i + 2, PageSize: LOAD_BALANCER_PAGE_SIZE });
        dropped.push(...reply.dropped);
        take(i + 1, reply.LoadBalancers.LoadBalancer);
      }),
    );
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
  return pages.flat().map((lb) => lb.LoadBalancerId);
}

async function listListeners(
  slb: SlbClient,
  regionId: string,
  loadBalancerIds: string[],
  filter: InventoryFilter,
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
  await Promise.all(
    chunks(loadBalancerIds, LISTENER_BATCH_SIZE).map(async (batch) => {
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
    }),
  );
  return byLoadBalancer;
}

function planOf(
  { entry, protocol, warnings: protocolWarnings }: ReadListener,
  config: SlbHealthCheckConfig,
  checks: HealthChecks,
  fallback?: { BackendServerPort?: number; VServerGroupId?: string; Status?: Spelled<string> },
): ListenerPlan {
  const warnings = [...protocolWarnings];
  const status = statusOf(entry.Status ?? fallback?.Status, warnings);
  const { spec, warnings: checkWarnings } = readHealthCheck(protocol, config);
  warnings.push(...checkWarnings);
  return {
    loadBalancerId: entry.LoadBalancerId,
    port: entry.ListenerPort,
    protocol,
    status,
    backendServerPort: entry.BackendServerPort ?? fallback?.BackendServerPort ?? null,
    vServerGroupId: entry.VServerGroupId ?? fallback?.VServerGroupId ?? null,
    masterSlaveServerGroupId: config.MasterSlaveServerGroupId ?? null,
    healthCheck: checks.shared(spec),
    warnings,
  };
}

/** Listener plans per load balancer; the per-listener describe is used only for entries that lack their config object. */
async function planListeners(
  slb: SlbClient,
  regionId: string,
  listeners: Map<string, Map<string, ReadListener>>,
  failed: FailedLoadBalancers,
  checks: HealthChecks,
): Promise<Map<string, ListenerPlan[]>> {
  const plans = new Map<string, ListenerPlan[]>();
  const incomplete: ReadListener[] = [];
  for (const [id, byKey] of listeners) {
    const complete: ListenerPlan[] = [];
    for (const listener of byKey.values()) {
      const config = listener.entry[CONFIG_KEY[listener.protocol]];
      if (config) complete.push(planOf(listener, config, checks));
      // A protocol we do not know has no attribute action to ask: its check gets the documented defaults.
      else if (!isKnown(listener.entry.ListenerProtocol)) complete.push(planOf(listener, {}, checks));
      else incomplete.push(listener);
    }
    plans.set(id, complete);
  }
  await Promise.all(
    incomplete.map(async (listener) => {
      const { LoadBalancerId, ListenerPort } = listener.entry;
      const reply = await failed.run(LoadBalancerId, () => slb.describeListenerAttribute(listener.protocol, { RegionId: regionId, LoadBalancerId, ListenerPort }));
      if (reply) plans.get(LoadBalancerId)?.push(planOf(listener, reply, checks, reply));
    }),
  );
  for (const list of plans.values()) list.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  return plans;
}

/** The longest effective check timeout among a load balancer's listeners, in seconds: its verdicts' urgency. */
function longestCheckSeconds(plans: readonly ListenerPlan[]): number {
  return Math.max(0, ...plans.map((plan) => plan.healthCheck.timeoutSeconds));
}

/** The SLB and ECS facts read so far, from which load balancers are assembled. */
interface Gathered {
  regionId: string;
  plans: Map<string, ListenerPlan[]>;
  details: Map<string, LoadBalancerDetails>;
  vServerGroups: Map<string, SlbGroupBackendServer[]>;
  masterSlaveGroups: Map<string, SlbMasterSlaveBackendServer[]>;
}

// A listener's backends share their group object (one per role in a master-slave group): a region has some 100,000.
function sourcesOf(gathered: Gathered, plan: ListenerPlan, detail: LoadBalancerDetails): BackendSource[] {
  if (plan.masterSlaveServerGroupId !== null) {
    const id = plan.masterSlaveServerGroupId;
    const groups = { Master: { kind: 'master-slave', id, role: 'Master' }, Slave: { kind: 'master-slave', id, role: 'Slave' } } as const;
    return (gathered.masterSlaveGroups.get(id) ?? []).map((server) => ({
      server,
      port: server.Port,
      group: groups[server.ServerType],
      action: 'DescribeMasterSlaveServerGroupAttribute',
    }));
  }
  if (plan.vServerGroupId !== null) {
    const group = { kind: 'vserver', id: plan.vServerGroupId } as const;
    return (gathered.vServerGroups.get(plan.vServerGroupId) ?? []).map((server) => ({ server, port: server.Port, group, action: 'DescribeVServerGroupAttribute' }));
  }
  const port = plan.backendServerPort ?? plan.port;
  const group = { kind: 'default' } as const;
  return detail.defaultServers.map((server) => ({ server, port, group, action: 'DescribeLoadBalancerAttribute' }));
}

/** Drops SLB's replies for a load balancer whose model is complete. */
function forget(gathered: Gathered, loadBalancerId: string): void {
  for (const plan of gathered.plans.get(loadBalancerId) ?? []) {
    if (plan.vServerGroupId !== null) gathered.vServerGroups.delete(plan.vServerGroupId);
    if (plan.masterSlaveServerGroupId !== null) gathered.masterSlaveGroups.delete(plan.masterSlaveServerGroupId);
  }
  gathered.plans.delete(loadBalancerId);
  gathered.details.delete(loadBalancerId);
}

/** The ECS instances a load balancer's backends run on (ECS-type backends only). */
function instanceIdsOf(gathered: Gathered, loadBalancerId: string): string[] {
  const detail = gathered.details.get(loadBalancerId);
  if (!detail) return [];
  const ids: string[] = [];
  for (const plan of gathered.plans.get(loadBalancerId) ?? []) {
    for (const source of sourcesOf(gathered, plan, detail)) if (backendTypeOf(source.server.Type, []) === 'ecs') ids.push(source.server.ServerId);
  }
  return ids;
}

/** One load balancer from the facts gathered; backends whose IP nobody gave are reported in `unresolved`. */
function assembleLoadBalancer(
  gathered: Gathered,
  lb: SlbLoadBalancerSummary,
  instances: Readonly<Record<string, EcsInstanceFacts>>,
  unresolved: Map<string, InventoryError>,
): LoadBalancer {
  const id = lb.LoadBalancerId;
  const detail = gathered.details.get(id);
  const lbListeners: Listener[] = (gathered.plans.get(id) ?? []).map((plan) =>
    listenerOf(plan, (healthCheck, warnings) => {
      const backends: Backend[] = [];
      for (const source of detail ? sourcesOf(gathered, plan, detail) : []) {
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
      return backends;
    }),
  );
  return loadBalancerOf(gathered.regionId, lb, lb.Tags?.Tag ?? detail?.attributeTags, lbListeners);
}

function loadBalancerOf(regionId: string, lb: SlbLoadBalancerSummary, tags: SlbTag[] | undefined, listeners: Listener[]): LoadBalancer {
  return {
    id: lb.LoadBalancerId,
    name: lb.LoadBalancerName,
    regionId: lb.RegionId || regionId,
    vpcId: lb.VpcId || null,
    vSwitchId: lb.VSwitchId || null,
    address: lb.Address,
    addressType: lb.AddressType,
    networkType: lb.NetworkType,
    status: lb.LoadBalancerStatus,
    tags: tagsOf(tags),
    listeners,
  };
}

/** SLB's defaults for what only the attribute and group calls tell (CLB AddBackendServers: Weight 100, Type ecs). */
const UNREAD_WEIGHT = 100;
const UNREAD_TYPE: Backend['type'] = 'ecs';

/**
 * The load balancer as its listeners and SLB's verdicts tell it (for `onVerdicts`): on each default-group and
 * VServer-group listener, the backends DescribeHealthStatus lists with an IP. A master-slave listener's backends wait
 * for their group (each one's role is only known from it).
 */
function verdictsModel(regionId: string, lb: SlbLoadBalancerSummary, plans: readonly ListenerPlan[], health: HealthIndex): LoadBalancer {
  const listeners: Listener[] = plans.map((plan) =>
    listenerOf(plan, (healthCheck, warnings) => {
      const group: Backend['group'] | null =
        plan.masterSlaveServerGroupId !== null ? null : plan.vServerGroupId !== null ? { kind: 'vserver', id: plan.vServerGroupId } : { kind: 'default' };
      const backends: Backend[] =
        group === null
          ? []
          : health.reported(plan).map(({ serverId, ip, port }) => ({
              serverId,
              ip,
              port,
              checkPort: healthCheck.connectPort ?? port,
              checkHost: checkHostFor(healthCheck, ip),
              weight: UNREAD_WEIGHT,
              type: UNREAD_TYPE,
              group,
              ...slbStatusOf(health.status(plan, serverId, ip, port), warnings, `${ip}:${port}`),
            }));
      return backends;
    }),
  );
  return loadBalancerOf(regionId, lb, lb.Tags?.Tag, listeners);
}

/** A batch of instance ids waiting to be read, and the promise of its facts (and its security groups') being in. */
interface InstanceBatch {
  ids: string[];
  read: Promise<void>;
  start: () => void;
}

/**
 * ECS facts read while the SLB side streams in: instance ids are asked for 100 a call as soon as 100 new ones are
 * known (the rest when the SLB side is done), and each new security group once. `want` tells when the facts of the
 * instances it names are in: their batch's call, and the calls for their security groups, have settled.
 */
class EcsFactsReader {
  readonly instances: Record<string, EcsInstanceFacts> = {};
  readonly securityGroupRules: Record<string, SecurityGroupRule[]> = {};
  /** Per instance id asked for: its batch's facts being in. */
  private readonly known = new Map<string, Promise<void>>();
  private readonly groups = new Map<string, Promise<void>>();
  private filling: InstanceBatch | null = null;
  private readonly calls: Promise<void>[] = [];

  constructor(
    private readonly ecs: EcsClient,
    private readonly regionId: string,
    private readonly onError: (err: unknown) => undefined,
  ) {}

  want(instanceIds: readonly string[]): Promise<void> {
    const reads = new Set<Promise<void>>();
    for (const id of instanceIds) {
      let read = this.known.get(id);
      if (!read) {
        const batch = this.filling ?? this.newBatch();
        batch.ids.push(id);
        read = batch.read;
        this.known.set(id, read);
        if (batch.ids.length === INSTANCE_BATCH_SIZE) this.send();
      }
      reads.add(read);
    }
    return Promise.all(reads).then(() => undefined);
  }

  /** Reads what is still pending and waits for every call (security groups included). */
  async finish(): Promise<void> {
    if (this.filling) this.send();
    // Calls may add calls (instances → their security groups): wait until none is left.
    let waited = 0;
    while (waited < this.calls.length) {
      const batch = this.calls.slice(waited);
      waited = this.calls.length;
      await Promise.all(batch);
    }
  }

  private newBatch(): InstanceBatch {
    let start = (): void => undefined;
    const ids: string[] = [];
    const read = new Promise<void>((resolve, reject) => {
      start = () => this.read(ids).then(resolve, reject);
    });
    // A failure that nobody awaits (the SLB side threw first) is not unhandled; finish() still sees it.
    read.catch(() => undefined);
    this.filling = { ids, read, start };
    return this.filling;
  }

  private send(): void {
    const batch = this.filling;
    this.filling = null;
    batch?.start();
  }

  /** Keeps the call for finish(); a failure that finish() never sees (the SLB side threw first) is not unhandled. */
  private track(call: Promise<void>): Promise<void> {
    call.catch(() => undefined);
    this.calls.push(call);
    return call;
  }

  private read(batch: string[]): Promise<void> {
    return this.track(
      (async () => {
        const found = await this.ecs.describeInstances({ RegionId: this.regionId, InstanceIds: batch }).catch(this.onError);
        const groupReads = new Set<Promise<void>>();
        for (const instance of found ?? []) {
          this.instances[instance.instanceId] = instance;
          for (const groupId of instance.securityGroupIds) groupReads.add(this.readGroup(groupId));
        }
        await Promise.all(groupReads);
      })(),
    );
  }

  private readGroup(groupId: string): Promise<void> {
    const known = this.groups.get(groupId);
    if (known) return known;
    const read = this.track(
      (async () => {
        const rules = await this.ecs.describeSecurityGroupAttribute({ RegionId: this.regionId, SecurityGroupId: groupId, Direction: 'ingress' }).catch(this.onError);
        if (rules) this.securityGroupRules[groupId] = rules;
      })(),
    );
    this.groups.set(groupId, read);
    return read;
  }
}

export async function collectInventory(clients: InventoryClients, options: CollectInventoryOptions): Promise<CollectedInventory> {
  const { slb, ecs, counters } = clients;
  const { regionId } = options;
  const filter = options.filter ?? {};
  const slots: PriorityGate = options.slots ?? priorityGate(DEFAULT_INVENTORY_CONCURRENCY);
  // The slots are taken once each call's quota allows it (Admission): a call waiting for its window holds none.
  const admitted = (priority: CallPriority): SlbClient => slb.admittedBy((send) => slots(priority, send));
  const listenersSlb = admitted('listeners');
  const detailsSlb = admitted('details');
  // One client per urgency (a region has a few distinct check timeouts).
  const verdictClients = new Map<number, SlbClient>();
  const verdictsSlb = (urgency: number): SlbClient => {
    let client = verdictClients.get(urgency);
    if (!client) {
      client = slb.admittedBy((send) => slots('verdicts', send, urgency));
      verdictClients.set(urgency, client);
    }
    return client;
  };
  const callsBefore = counters.calls();
  const errors: InventoryError[] = [];
  const failed = new FailedLoadBalancers();
  const checks = new HealthChecks();
  const gathered: Gathered = { regionId, plans: new Map(), details: new Map(), vServerGroups: new Map(), masterSlaveGroups: new Map() };
  const recordGlobal = (err: unknown): undefined => {
    if (!(err instanceof CloudApiError)) throw err;
    errors.push({ loadBalancerId: null, action: err.action, code: err.apiCode, message: err.message });
    return undefined;
  };
  const ecsFacts = new EcsFactsReader(ecs.admittedBy((send) => slots('ecs', send)), regionId, recordGlobal);
  // The global errors as they are recorded: a load balancer handed over early is diagnosed against them.
  const facts: RegionFacts = { regionId, errors, instances: ecsFacts.instances, securityGroupRules: ecsFacts.securityGroupRules };
  const dropped: DroppedItem[] = [];
  // With a listener filter, load balancers without such a listener are out of scope; say so for those asked for by id.
  const explicitlyRequested = new Set(filter.loadBalancerIds ?? []);
  const outOfScope = new Set<string>();
  const listenerNotFound = new Map<string, InventoryError>();

  /** SLB's verdicts for one load balancer, asked with the urgency of its longest check. */
  const readVerdicts = async (id: string, lbPlans: readonly ListenerPlan[]): Promise<HealthIndex | undefined> => {
    const keys = (): Promise<ListenerKey[]> => Promise.resolve(lbPlans.map((plan) => ({ port: plan.port, protocol: plan.protocol })));
    const reply = await failed.run(id, () => fetchHealthStatus(verdictsSlb(longestCheckSeconds(lbPlans)), regionId, id, keys, filter.listener, dropped));
    return reply && new HealthIndex(reply);
  };

  /** Per load balancer, once its verdicts are in: default-group backends and each server group once, all at once. */
  const readDetails = async (id: string, lbPlans: ListenerPlan[], health: HealthIndex): Promise<void> => {
    const detail: LoadBalancerDetails = { defaultServers: [], attributeTags: undefined, health };
    gathered.details.set(id, detail);
    const calls: Promise<void>[] = [];
    if (lbPlans.some((plan) => plan.vServerGroupId === null && plan.masterSlaveServerGroupId === null)) {
      calls.push(
        (async () => {
          const reply = await failed.run(id, () => detailsSlb.describeLoadBalancerAttribute({ RegionId: regionId, LoadBalancerId: id }));
          if (!reply) return;
          dropped.push(...reply.dropped);
          detail.defaultServers = reply.BackendServers.BackendServer;
          detail.attributeTags = reply.Tags?.Tag;
        })(),
      );
    }
    for (const groupId of new Set(lbPlans.map((plan) => plan.vServerGroupId).filter((g): g is string => g !== null))) {
      calls.push(
        (async () => {
          const reply = await failed.run(id, () => detailsSlb.describeVServerGroupAttribute({ RegionId: regionId, VServerGroupId: groupId }));
          if (!reply) return;
          dropped.push(...reply.dropped.map((item) => ({ ...item, loadBalancerId: item.loadBalancerId ?? id })));
          gathered.vServerGroups.set(groupId, reply.BackendServers.BackendServer);
        })(),
      );
    }
    for (const groupId of new Set(lbPlans.map((plan) => plan.masterSlaveServerGroupId).filter((g): g is string => g !== null))) {
      calls.push(
        (async () => {
          const reply = await failed.run(id, () => detailsSlb.describeMasterSlaveServerGroupAttribute({ RegionId: regionId, MasterSlaveServerGroupId: groupId }));
          if (!reply) return;
          dropped.push(...reply.dropped.map((item) => ({ ...item, loadBalancerId: item.loadBalancerId ?? id })));
          gathered.masterSlaveGroups.set(groupId, reply.MasterSlaveBackendServers.MasterSlaveBackendServer);
        })(),
      );
    }
    await Promise.all(calls);
  };

  /**
   * Up to 10 load balancers: their listeners in one call, then each one's verdicts (with a listener filter, only when
   * its listeners show it in scope); each is handed over when its verdicts are in, and again when done.
   * `verdictsIn` is called once every one of them has its verdicts (or is out of the run).
   */
  const examineBatch = async (batch: SlbLoadBalancerSummary[], verdictsIn: () => void): Promise<void> => {
    let awaitingVerdicts = batch.length;
    const hasVerdicts = (): void => {
      awaitingVerdicts -= 1;
      if (awaitingVerdicts === 0) verdictsIn();
    };
    const listeners = await listListeners(listenersSlb, regionId, batch.map((lb) => lb.LoadBalancerId), filter, failed, dropped);
    const plans = await planListeners(listenersSlb, regionId, listeners, failed, checks);
    for (const [id, lbPlans] of plans) gathered.plans.set(id, lbPlans);
    await Promise.all(
      batch.map(async (lb) => {
        const id = lb.LoadBalancerId;
        const lbPlans = plans.get(id) ?? [];
        if (filter.listener !== undefined && !failed.has(id) && lbPlans.length === 0) {
          hasVerdicts();
          outOfScope.add(id);
          if (explicitlyRequested.has(id)) {
            const { port, protocol } = filter.listener;
            listenerNotFound.set(id, {
              loadBalancerId: id,
              action: 'DescribeLoadBalancerListeners',
              code: 'ListenerNotFound',
              message: `Load balancer ${id} has no ${protocol ?? ''}${protocol ? ' ' : ''}listener on port ${port}: check --listener.`,
            });
          }
          return;
        }
        if (failed.has(id) || lbPlans.length === 0) {
          hasVerdicts();
          return;
        }
        const health = await readVerdicts(id, lbPlans);
        hasVerdicts();
        if (!health) return;
        options.onVerdicts?.(verdictsModel(gathered.regionId, lb, lbPlans, health));
        await readDetails(id, lbPlans, health);
        if (failed.has(id)) return;
        const factsRead = ecsFacts.want(instanceIdsOf(gathered, id));
        // Without ECS facts yet: a backend whose IP only ECS knows joins in the final inventory.
        const unresolved = new Map<string, InventoryError>();
        const assembledNow = assembleLoadBalancer(gathered, lb, {}, unresolved);
        if (unresolved.size > 0) {
          options.onLoadBalancer?.(assembledNow);
          return;
        }
        // Complete already: let SLB's replies for it go, so that memory holds one copy of it, or none once handed over.
        forget(gathered, id);
        options.onLoadBalancer?.(assembledNow);
        // One whose unreadable entries are reported stays in the inventory, which names it in that error.
        if (options.onComplete && !dropped.some((item) => item.loadBalancerId === id)) {
          entries.delete(id);
          options.onComplete(assembledNow, facts, factsRead);
        } else {
          assembled.set(id, assembledNow);
        }
      }),
    );
  };
  // Batches whose listeners and verdicts are being read. Beyond these, a load balancer waits as its listing entry: the
  // health reads of a large region wait minutes for their quota's windows (10,000 load balancers: four), and each one
  // asked for early would hold its listeners' plans and its pending call all that time.
  const awaitingVerdicts = concurrencyGate(MAX_BATCHES_AWAITING_VERDICTS);
  const examine = (batch: SlbLoadBalancerSummary[]): Promise<void> => {
    let work: Promise<void> = Promise.resolve();
    // The room is held from the listener call until the batch's last verdict; the detail calls after it hold none.
    const admitted = awaitingVerdicts(
      () =>
        new Promise<void>((verdictsIn) => {
          work = examineBatch(batch, verdictsIn);
          work.then(verdictsIn, verdictsIn);
        }),
    );
    return admitted.then(() => work);
  };
  const assembled = new Map<string, LoadBalancer>();
  // The listing entries of the load balancers not handed over, for their final assembly.
  const entries = new Map<string, SlbLoadBalancerSummary>();
  const examined: Promise<void>[] = [];
  const listed = await listLoadBalancers(admitted('listing'), regionId, filter, errors, dropped, (found) => {
    for (const lb of found) entries.set(lb.LoadBalancerId, lb);
    for (const batch of chunks(found, LISTENER_BATCH_SIZE)) examined.push(examine(batch));
  });
  await Promise.all(examined);
  await ecsFacts.finish();
  // Errors in listing order, whatever order the calls finished in.
  for (const id of listed) {
    const error = listenerNotFound.get(id);
    if (error) errors.push(error);
  }

  const loadBalancers: LoadBalancer[] = [];
  const loadBalancerIds: string[] = [];
  for (const id of listed) {
    if (failed.has(id) || outOfScope.has(id)) continue;
    loadBalancerIds.push(id);
    const lb = entries.get(id);
    if (!lb) continue; // handed over
    const ready = assembled.get(id);
    if (ready) {
      loadBalancers.push(ready);
      continue;
    }
    const unresolved = new Map<string, InventoryError>();
    loadBalancers.push(assembleLoadBalancer(gathered, lb, ecsFacts.instances, unresolved));
    errors.push(...unresolved.values());
  }

  return {
    regionId,
    loadBalancers,
    errors: [...failed.errors(), ...errors, ...droppedErrors(dropped)],
    instances: ecsFacts.instances,
    securityGroupRules: ecsFacts.securityGroupRules,
    apiCalls: callsSince(counters, callsBefore),
    loadBalancerIds,
  };
}
