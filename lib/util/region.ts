// What an Alibaba Cloud region id looks like (cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1): the one pattern
// every input that names a region is checked against.
export const REGION_ID = /^[a-z]{2,}(-[a-z0-9]+)+$/;
