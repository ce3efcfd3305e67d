// Which probe function serves which VPC: SLB_DOCTOR_PROBE_FUNCTIONS = {"vpc-…": {"service": "…", "function": "…"}}.
import * as v from 'valibot';
import { UserFacingError } from '../util/errors';
import { FC_NAME } from '../util/fc-name';
import { isJsonObject } from '../util/schema';

const probeFunctionRefSchema = v.object({ service: v.pipe(v.string(), v.regex(FC_NAME)), function: v.pipe(v.string(), v.regex(FC_NAME)) });

export type ProbeFunctionRef = v.InferOutput<typeof probeFunctionRefSchema>;

/** VPC id → the probe function attached to that VPC. */
export type VpcProbeMap = Readonly<Record<string, ProbeFunctionRef>>;

export function parseVpcProbeMap(raw: string, source: string): VpcProbeMap {
  const example = `e.g. {"vpc-abc": {"service": "slb-doctor-probe-abc", "function": "probe"}}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UserFacingError(`${source} is not valid JSON (${err instanceof Error ? err.message : String(err)}); ${example}.`, 'CONFIG_INVALID');
  }
  if (!isJsonObject(parsed)) {
    throw new UserFacingError(`${source} must be a JSON object mapping VPC ids to probe functions, ${example}.`, 'CONFIG_INVALID');
  }
  const map: Record<string, ProbeFunctionRef> = {};
  for (const [vpcId, value] of Object.entries(parsed)) {
    if (!/^vpc-[A-Za-z0-9-]+$/.test(vpcId)) {
      throw new UserFacingError(`${source} has key '${vpcId}', which is not a VPC id like vpc-bp1…; ${example}.`, 'CONFIG_INVALID');
    }
    const ref = isJsonObject(value) ? v.safeParse(probeFunctionRefSchema, value) : null;
    if (!ref?.success) {
      throw new UserFacingError(`${source} entry '${vpcId}' must be {"service": "<FC service>", "function": "<FC function>"} with valid FC names.`, 'CONFIG_INVALID');
    }
    map[vpcId] = ref.output;
  }
  return map;
}
