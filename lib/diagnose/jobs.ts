// Which backends to probe, with SLB's check resolved to concrete values. Backends whose state the control plane
// already explains (listener stopped, checks off, pending, instance stopped, weight 0, security group drop) get no probe.
import { targetKey, type Backend, type Inventory, type Listener, type LoadBalancer, type ProbeJob, type RegionFacts } from '../model';
import { backendControlPlaneCause, listenerControlPlaneCause } from './control-plane';

export function jobFor(lb: LoadBalancer, listener: Listener, backend: Backend, sweep: boolean): ProbeJob {
  const check = listener.healthCheck;
  const target = { loadBalancerId: lb.id, listener: { protocol: listener.protocol, port: listener.port }, backend: { ip: backend.ip, port: backend.port } };
  return {
    id: targetKey(target),
    target,
    vpcId: lb.vpcId,
    ip: backend.ip,
    checkPort: backend.checkPort,
    checkType: check.type,
    listenerProtocol: listener.protocol,
    method: check.method,
    uri: check.uri,
    httpVersion: check.httpVersion,
    host: check.type === 'http' ? backend.checkHost : null,
    domain: check.domain,
    acceptedCodes: check.acceptedCodes,
    timeoutMs: check.timeoutSeconds * 1000,
    udpRequest: check.udpRequest,
    udpExpect: check.udpExpect,
    slbStatus: backend.slbStatus,
    sweep,
  };
}

/**
 * Jobs for every backend that SLB does not report healthy (abnormal, or not listed at all) and whose state the control
 * plane cannot explain; with `all`, also a sweep job per healthy backend (its latency against the timeout: TIMEOUT_RISK).
 */
export function jobsFromInventory(inventory: RegionFacts & Pick<Inventory, 'loadBalancers'>, options: { all?: boolean } = {}): ProbeJob[] {
  const jobs: ProbeJob[] = [];
  for (const lb of inventory.loadBalancers) {
    for (const listener of lb.listeners) {
      if (listenerControlPlaneCause(listener) !== null) continue;
      for (const backend of listener.backends) {
        if (backend.slbStatus === 'normal') {
          if (options.all) jobs.push(jobFor(lb, listener, backend, true));
          continue;
        }
        const job = jobFor(lb, listener, backend, false);
        if (backendControlPlaneCause(inventory, listener, backend, job) === null) jobs.push(job);
      }
    }
  }
  return jobs;
}
