// Scenario API faults: which calls get extra latency, a 5xx, a throttle or a broken body. Faults are checked in
// scenario order; latencies add up, the first failure that fires wins (later failures are not consumed).

import { actionMatches } from './limits';
import type { ScenarioApiFault } from '../scenario/types';

export type FaultFailure = 'http5xx' | 'internal-error' | 'throttle-burst' | 'malformed-body';

export interface FaultDecision {
  extraLatencyMs: number;
  failure?: { kind: FaultFailure; variant: 'truncated-json' | 'html-502' };
}

interface FaultState {
  fault: ScenarioApiFault;
  /** Calls still to affect; Infinity without a count. */
  remaining: number;
}

export class FaultInjector {
  private readonly states: FaultState[];

  constructor(
    faults: readonly ScenarioApiFault[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.states = faults.map((fault) => ({ fault, remaining: fault.count ?? Infinity }));
  }

  /** `loadBalancerIdsOf` is asked only when a fault is scoped to load balancers (most calls meet no such fault). */
  decide(product: string, action: string, loadBalancerIdsOf: () => readonly string[]): FaultDecision {
    const decision: FaultDecision = { extraLatencyMs: 0 };
    let loadBalancerIds: readonly string[] | undefined;
    for (const state of this.states) {
      const { fault } = state;
      if (state.remaining <= 0 || !actionMatches(fault.action, product, action)) continue;
      if (fault.loadBalancerIds) {
        const ids = (loadBalancerIds ??= loadBalancerIdsOf());
        if (!fault.loadBalancerIds.some((id) => ids.includes(id))) continue;
      }
      if (fault.kind !== 'latency' && decision.failure) continue;
      if (this.random() >= (fault.probability ?? 1)) continue;
      state.remaining -= 1;
      if (fault.kind === 'latency') decision.extraLatencyMs += fault.latencyMs ?? 0;
      else decision.failure = { kind: fault.kind, variant: fault.variant ?? 'truncated-json' };
    }
    return decision;
  }
}
