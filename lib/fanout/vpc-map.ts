// Which probe function serves which VPC: SLB_DOCTOR_PROBE_FUNCTIONS = {"vpc-…": {"service": "…", "function": "…"}}.
import { UserFacingError } from '../util/errors';

export interface ProbeFunctionRef {
  service: string;
  function: string;
}

/** VPC id → the probe function attached to that VPC. */
export type VpcProbeMap = Readonly<Record<string, ProbeFunctionRef>>;

// FC 2.0 service and function names: letters, digits, '_' and '-', starting with a letter or '_', at most 128 characters.
const FC_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

export function parseVpcProbeMap(raw: string, source: string): VpcProbeMap {
  const example = `e.g. {"vpc-abc": {"service": "slb-doctor-probe-abc", "function": "probe"}}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UserFacingError(`${source} is not valid JSON (${err instanceof Error ? err.message : String(err)}); ${example}.`, 'CONFIG_INVALID');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserFacingError(`${source} must be a JSON object mapping VPC ids to probe functions, ${example}.`, 'CONFIG_INVALID');
  }
  const map: Record<string, ProbeFunctionRef> = {};
  for (const [vpcId, value] of Object.entries(parsed)) {
    if (!/^vpc-[A-Za-z0-9-]+$/.test(vpcId)) {
      throw new UserFacingError(`${source} has key '${vpcId}', which is not a VPC id like vpc-bp1…; ${example}.`, 'CONFIG_INVALID');
    }
    const ref = value as { service?: unknown; function?: unknown } | null;
    if (typeof ref !== 'object' || ref === null || typeof ref.service !== 'string' || typeof ref.function !== 'string' || !FC_NAME.test(ref.service) || !FC_NAME.test(ref.function)) {
      throw new UserFacingError(`${source} entry '${vpcId}' must be {"service": "<FC service>", "function": "<FC function>"} with valid FC names.`, 'CONFIG_INVALID');
    }
    map[vpcId] = { service: ref.service, function: ref.function };
  }
  return map;
}
