// The SLB emulator's view of a scenario: indexes by id and the backend list each listener health-checks.

import { formatIpv4, parseCidr } from '../scenario/ipv4';
import type {
  Scenario,
  ScenarioBackendServer,
  ScenarioInstance,
  ScenarioListener,
  ScenarioLoadBalancer,
} from '../scenario/types';

export type ServerHealthStatus = 'normal' | 'abnormal' | 'unavailable';

/** Where DescribeHealthStatus gets its verdicts: SLB's own health checker, never a script. */
export interface HealthStatusSource {
  status(key: string): ServerHealthStatus;
}

/** A backend as a listener sees it: the server, its address and the port traffic (and checks) go to. */
export interface ListenerBackend {
  ServerId: string;
  ServerIp: string;
  Port: number;
  Weight: number;
  Type: 'ecs' | 'eni' | 'eci';
  ServerType?: 'Master' | 'Slave';
  Description?: string;
}

type VServerGroup = NonNullable<ScenarioLoadBalancer['VServerGroups']>[number];
type MasterSlaveGroup = NonNullable<ScenarioLoadBalancer['MasterSlaveServerGroups']>[number];

/** Key of one backend's verdict, shared with the health checker. */
export function healthKey(lb: ScenarioLoadBalancer, listener: ScenarioListener, backend: ListenerBackend): string {
  return `${lb.LoadBalancerId}/${listener.ListenerProtocol}:${listener.ListenerPort}/${backend.ServerIp}:${backend.Port}`;
}

export class SlbModel {
  readonly regionId: string;
  readonly loadBalancers: readonly ScenarioLoadBalancer[];
  private readonly byId = new Map<string, ScenarioLoadBalancer>();
  private readonly instances = new Map<string, ScenarioInstance>();
  private readonly vServerGroups = new Map<string, { lb: ScenarioLoadBalancer; group: VServerGroup }>();
  private readonly masterSlaveGroups = new Map<string, { lb: ScenarioLoadBalancer; group: MasterSlaveGroup }>();
  private readonly vpcs = new Map<string, { cidr: string; vSwitchId: string }>();
  private readonly createdAt = new Map<string, number>();

  constructor(scenario: Scenario) {
    this.regionId = scenario.regionId;
    this.loadBalancers = scenario.loadBalancers;
    for (const vpc of scenario.vpcs) this.vpcs.set(vpc.vpcId, { cidr: vpc.cidr, vSwitchId: vpc.vSwitchId });
    for (const instance of scenario.instances) this.instances.set(instance.instanceId, instance);
    // Fixed creation times keep answers reproducible from run to run.
    const epoch = Date.UTC(2024, 4, 1, 8, 0);
    scenario.loadBalancers.forEach((lb, index) => {
      this.byId.set(lb.LoadBalancerId, lb);
      this.createdAt.set(lb.LoadBalancerId, epoch + index * 60_000);
      for (const group of lb.VServerGroups ?? []) this.vServerGroups.set(group.VServerGroupId, { lb, group });
      for (const group of lb.MasterSlaveServerGroups ?? []) this.masterSlaveGroups.set(group.MasterSlaveServerGroupId, { lb, group });
    });
  }

  loadBalancer(id: string): ScenarioLoadBalancer | undefined {
    return this.byId.get(id);
  }

  vServerGroup(id: string): { lb: ScenarioLoadBalancer; group: VServerGroup } | undefined {
    return this.vServerGroups.get(id);
  }

  masterSlaveGroup(id: string): { lb: ScenarioLoadBalancer; group: MasterSlaveGroup } | undefined {
    return this.masterSlaveGroups.get(id);
  }

  createdAtMs(lb: ScenarioLoadBalancer): number {
    return this.createdAt.get(lb.LoadBalancerId) ?? 0;
  }

  serverIp(serverId: string): string {
    return this.instances.get(serverId)?.privateIp ?? '';
  }

  /** The LB's address: the scenario's, else the first host of its VPC (nothing ever connects to it). */
  address(lb: ScenarioLoadBalancer): string {
    if (lb.Address) return lb.Address;
    const cidr = parseCidr(this.vpcs.get(lb.VpcId)?.cidr ?? '');
    return cidr ? formatIpv4(cidr.base + 1) : '';
  }

  vSwitchId(lb: ScenarioLoadBalancer): string {
    return lb.VSwitchId ?? this.vpcs.get(lb.VpcId)?.vSwitchId ?? '';
  }

  /** The servers a listener forwards to: its VServer group, its master-slave group, or the default group. */
  listenerBackends(lb: ScenarioLoadBalancer, listener: ScenarioListener): ListenerBackend[] {
    if (listener.VServerGroupId !== undefined) return this.vServerGroupBackends(listener.VServerGroupId);
    if (listener.MasterSlaveServerGroupId !== undefined) return this.masterSlaveGroupBackends(listener.MasterSlaveServerGroupId);
    return (lb.BackendServers ?? []).map((server) => this.backend(server, listener.BackendServerPort ?? 0));
  }

  vServerGroupBackends(id: string): ListenerBackend[] {
    return (this.vServerGroups.get(id)?.group.BackendServers ?? []).map((server) => this.backend(server, server.Port ?? 0));
  }

  masterSlaveGroupBackends(id: string): ListenerBackend[] {
    return (this.masterSlaveGroups.get(id)?.group.BackendServers ?? []).map((server) => this.backend(server, server.Port ?? 0));
  }

  private backend(server: ScenarioBackendServer, port: number): ListenerBackend {
    return {
      ServerId: server.ServerId,
      ServerIp: this.serverIp(server.ServerId),
      Port: port,
      Weight: server.Weight,
      Type: server.Type ?? 'ecs',
      ...(server.ServerType !== undefined && { ServerType: server.ServerType }),
      ...(server.Description !== undefined && { Description: server.Description }),
    };
  }
}
