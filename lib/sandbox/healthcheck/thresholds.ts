// SLB's status rule: a backend turns normal after HealthyThreshold consecutive successes and abnormal after
// UnhealthyThreshold consecutive failures; until one of them is first reached it is 'unavailable'.
import type { HealthStatus } from './plan';

/** Status changes kept per backend for debugging. */
const MAX_TRANSITIONS = 20;

export interface Transition {
  to: HealthStatus;
  /** How many checks had completed when the status changed. */
  afterChecks: number;
  at: number;
}

export class ThresholdState {
  status: HealthStatus = 'unavailable';
  checks = 0;
  consecutiveSuccesses = 0;
  consecutiveFailures = 0;
  readonly transitions: Transition[] = [];

  constructor(
    private readonly healthyThreshold: number,
    private readonly unhealthyThreshold: number,
  ) {}

  /** Records one result; returns true when the status changed. */
  record(ok: boolean, now: number): boolean {
    this.checks += 1;
    if (ok) {
      this.consecutiveSuccesses += 1;
      this.consecutiveFailures = 0;
      if (this.status !== 'normal' && this.consecutiveSuccesses >= this.healthyThreshold) return this.change('normal', now);
    } else {
      this.consecutiveFailures += 1;
      this.consecutiveSuccesses = 0;
      if (this.status !== 'abnormal' && this.consecutiveFailures >= this.unhealthyThreshold) return this.change('abnormal', now);
    }
    return false;
  }

  private change(to: HealthStatus, now: number): true {
    this.status = to;
    this.transitions.push({ to, afterChecks: this.checks, at: now });
    if (this.transitions.length > MAX_TRANSITIONS) this.transitions.shift();
    return true;
  }
}
