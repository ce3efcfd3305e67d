// Scenarios for integration tests: the built-in default moved to a test's own loopback range, and a small one-VPC
// builder. Every suite uses its own 127.N.M.0/24 so suites running in parallel never share a backend address.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../lib/sandbox/scenario/load';
import type { Scenario, ScenarioInstance } from '../../lib/sandbox/scenario/types';

const DEFAULT_SCENARIO_FILE = join(__dirname, '../../lib/sandbox/default-scenario.json');
/** The default scenario's addresses all start with this (both VPCs are halves of 127.0.0.0/24). */
const DEFAULT_PREFIX = '127.0.0.';

/** The built-in default scenario with every 127.0.0.x address moved to `${net}.x` (e.g. net "127.61.0"). */
export function relocatedDefaultScenario(net: string): Scenario {
  const text = readFileSync(DEFAULT_SCENARIO_FILE, 'utf8');
  return loadScenario(JSON.parse(text.replaceAll(DEFAULT_PREFIX, `${net}.`)) as unknown);
}


export const TEST_VPC = 'vpc-test';
export const TEST_SECURITY_GROUP = 'sg-test';

export function instance(instanceId: string, privateIp: string, status: ScenarioInstance['status'] = 'Running'): ScenarioInstance {
  return { instanceId, status, vpcId: TEST_VPC, privateIp, securityGroupIds: [TEST_SECURITY_GROUP] };
}

/** One VPC `${net}.0/24` with one permissive security group; the caller brings instances, endpoints and load balancers. */
export function oneVpcScenario(net: string, parts: Pick<Scenario, 'instances' | 'endpoints' | 'loadBalancers'> & Partial<Scenario>): Scenario {
  return loadScenario({
    regionId: 'cn-hangzhou',
    accountId: '1688000000000002',
    vpcs: [{ vpcId: TEST_VPC, cidr: `${net}.0/24`, vSwitchId: 'vsw-test' }],
    securityGroups: [
      {
        securityGroupId: TEST_SECURITY_GROUP,
        vpcId: TEST_VPC,
        rules: [{ direction: 'ingress', policy: 'accept', priority: 1, ipProtocol: 'ALL', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0' }],
      },
    ],
    ...parts,
  });
}
