export * from './types';
export { loadScenario } from './load';
export { ScenarioError, validateScenario } from './validate';
export { resolveHealthCheck, HEALTH_CHECK_DEFAULTS, type ResolvedHealthCheck } from './health-check';
