// Where the SLB and ECS OpenAPIs answer: the SDKs' own region tables, or an override URL (the sandbox).
import { parseEndpointOverride, type ApiEndpoint } from '../util/endpoint';
import { UserFacingError } from '../util/errors';
import { REGION_ID } from '../util/region';
import type { CloudProduct } from './errors';

export { parseEndpointOverride, type ApiEndpoint };

// Regions the SLB SDK (slb-20140515 client.ts `_endpointMap`) sends to the central endpoint.
const SLB_CENTRAL_REGIONS = new Set([
  'cn-qingdao', 'cn-beijing', 'cn-hangzhou', 'cn-shanghai', 'cn-shenzhen', 'cn-hongkong', 'ap-southeast-1', 'us-east-1',
  'us-west-1', 'cn-shanghai-finance-1', 'cn-shenzhen-finance-1', 'cn-north-2-gov-1', 'ap-northeast-2-pop',
  'cn-beijing-finance-pop', 'cn-beijing-gov-1', 'cn-beijing-nu16-b01', 'cn-edge-1', 'cn-fujian', 'cn-haidian-cm12-c01',
  'cn-hangzhou-bj-b01', 'cn-hangzhou-finance', 'cn-hangzhou-internal-prod-1', 'cn-hangzhou-internal-test-1',
  'cn-hangzhou-internal-test-2', 'cn-hangzhou-internal-test-3', 'cn-hangzhou-test-306', 'cn-hongkong-finance-pop',
  'cn-shanghai-et15-b01', 'cn-shanghai-et2-b01', 'cn-shanghai-inner', 'cn-shanghai-internal-test-1', 'cn-shenzhen-inner',
  'cn-shenzhen-st4-d01', 'cn-shenzhen-su18-b01', 'cn-wuhan', 'cn-yushanfang', 'cn-zhangbei', 'cn-zhangbei-na61-b01',
  'cn-zhangjiakou-na62-a01', 'cn-zhengzhou-nebula-1', 'eu-west-1-oxs', 'rus-west-1-pop',
]);
const SLB_SPECIAL_HOSTS: Record<string, string> = { 'cn-huhehaote-nebula-1': 'slb-api.cn-qingdao-nebula.aliyuncs.com' };

// The ECS SDK's (@alicloud/ecs20140526 client `_endpointMap`) exceptions to `ecs.{region}.aliyuncs.com`.
const ECS_CENTRAL = 'ecs.aliyuncs.com';
const ECS_HANGZHOU = 'ecs-cn-hangzhou.aliyuncs.com';
const ECS_NEBULA = 'ecs.cn-qingdao-nebula.aliyuncs.com';
const ECS_SPECIAL_HOSTS: Record<string, string> = {
  'cn-hangzhou': ECS_HANGZHOU, 'cn-shanghai-finance-1': ECS_HANGZHOU, 'cn-shenzhen-finance-1': ECS_HANGZHOU,
  'cn-north-2-gov-1': ECS_CENTRAL, 'ap-northeast-2-pop': ECS_CENTRAL, 'cn-beijing-finance-pop': ECS_CENTRAL,
  'cn-beijing-gov-1': ECS_CENTRAL, 'cn-beijing-nu16-b01': ECS_HANGZHOU, 'cn-edge-1': ECS_NEBULA, 'cn-fujian': ECS_HANGZHOU,
  'cn-haidian-cm12-c01': ECS_HANGZHOU, 'cn-hangzhou-bj-b01': ECS_HANGZHOU, 'cn-hangzhou-finance': ECS_CENTRAL,
  'cn-hangzhou-internal-prod-1': ECS_HANGZHOU, 'cn-hangzhou-internal-test-1': ECS_HANGZHOU,
  'cn-hangzhou-internal-test-2': ECS_HANGZHOU, 'cn-hangzhou-internal-test-3': ECS_HANGZHOU,
  'cn-hangzhou-test-306': ECS_HANGZHOU, 'cn-hongkong-finance-pop': ECS_CENTRAL, 'cn-huhehaote-nebula-1': ECS_NEBULA,
  'cn-shanghai-et15-b01': ECS_HANGZHOU, 'cn-shanghai-et2-b01': ECS_HANGZHOU, 'cn-shanghai-inner': ECS_CENTRAL,
  'cn-shanghai-internal-test-1': ECS_HANGZHOU, 'cn-shenzhen-inner': ECS_CENTRAL, 'cn-shenzhen-st4-d01': ECS_HANGZHOU,
  'cn-shenzhen-su18-b01': ECS_HANGZHOU, 'cn-wuhan': ECS_CENTRAL, 'cn-yushanfang': ECS_CENTRAL, 'cn-zhangbei': ECS_CENTRAL,
  'cn-zhangbei-na61-b01': ECS_HANGZHOU, 'cn-zhangjiakou-na62-a01': 'ecs.cn-zhangjiakou.aliyuncs.com',
  'cn-zhengzhou-nebula-1': ECS_NEBULA, 'eu-west-1-oxs': 'ecs.cn-shenzhen-cloudstone.aliyuncs.com', 'rus-west-1-pop': ECS_CENTRAL,
};

export function assertRegionId(regionId: string): void {
  if (!REGION_ID.test(regionId)) {
    throw new UserFacingError(`'${regionId}' is not an Alibaba Cloud region id (like cn-hangzhou): set --region or SLB_DOCTOR_REGION.`, 'CONFIG_INVALID');
  }
}

export function defaultHost(product: CloudProduct, regionId: string): string {
  assertRegionId(regionId);
  if (product === 'slb') return SLB_SPECIAL_HOSTS[regionId] ?? (SLB_CENTRAL_REGIONS.has(regionId) ? 'slb.aliyuncs.com' : `slb.${regionId}.aliyuncs.com`);
  return ECS_SPECIAL_HOSTS[regionId] ?? `ecs.${regionId}.aliyuncs.com`;
}

/**
 * The endpoint to call: the override the entry point decoded (a flag or SLB_DOCTOR_SLB_ENDPOINT / SLB_DOCTOR_ECS_ENDPOINT,
 * already checked there and named in its errors), else the SDK's region table.
 */
export function resolveEndpoint(product: CloudProduct, regionId: string, override: string | undefined): ApiEndpoint {
  if (override !== undefined && override.trim() !== '') return parseEndpointOverride(override.trim(), `The ${product.toUpperCase()} endpoint`);
  return { protocol: 'https', host: defaultHost(product, regionId) };
}
