// Judges one observation against the listener's settings: success or failure, with the reason in words.
import type { Observation } from './checks/observation';
import type { CheckPlan } from './plan';

export interface CheckResult {
  ok: boolean;
  reason: string;
}

export function judge(plan: CheckPlan, observation: Observation): CheckResult {
  switch (observation.kind) {
    case 'failed':
      return { ok: false, reason: observation.reason };
    case 'connected':
      return { ok: true, reason: 'connected' };
    case 'http-status': {
      const statusClass = Math.floor(observation.status / 100);
      const accepted = plan.acceptedClasses.includes(statusClass);
      const codes = plan.acceptedClasses.map((digit) => `http_${digit}xx`).join(',');
      return { ok: accepted, reason: `HTTP ${observation.status} ${accepted ? 'is' : 'is not'} in ${codes}` };
    }
    case 'udp-reply':
      if (plan.expect === undefined) return { ok: true, reason: 'reply received' };
      return plan.expect && observation.reply.includes(plan.expect)
        ? { ok: true, reason: `reply contains "${plan.expect}"` }
        : { ok: false, reason: `reply ${JSON.stringify(observation.reply.slice(0, 40))} does not contain "${plan.expect}"` };
    case 'udp-silence':
      return plan.expect === undefined
        ? { ok: true, reason: `no reply and no ICMP error within ${plan.probe.timeoutMs} ms` }
        : { ok: false, reason: `no reply within ${plan.probe.timeoutMs} ms (expected "${plan.expect}")` };
  }
}
