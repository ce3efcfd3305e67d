// The probe function's settings: which targets it may probe (required: no default allows everything), how many probes
// it runs at once, and its own deadline.
import { parseCidrList } from '../../lib/fanout/cidr';
import type { Ipv4Cidr } from '../../lib/util/ipv4';
import { readEnv, readIntEnv } from '../../lib/config/env';
import { functionDeadline, type FunctionRuntime } from '../function-runtime';

export interface ProbeSettings {
  allowedCidrs: Ipv4Cidr[];
  concurrency: number;
  deadlineAt: number;
}

export function readProbeSettings(runtime: FunctionRuntime, env: NodeJS.ProcessEnv): ProbeSettings {
  return {
    allowedCidrs: parseCidrList(readEnv('SLB_DOCTOR_PROBE_ALLOWED_CIDRS', env), 'SLB_DOCTOR_PROBE_ALLOWED_CIDRS'),
    concurrency: readIntEnv('SLB_DOCTOR_PROBE_CONCURRENCY', env, 1, 256),
    deadlineAt: functionDeadline(runtime.startedAt, runtime.timeoutSeconds),
  };
}
