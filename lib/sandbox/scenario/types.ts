// The sandbox scenario's types, inferred from its one schema (schema.ts, where every field is documented). The
// sandbox is separate code from the product: nothing under lib/ outside lib/sandbox imports it, and it imports
// nothing from the product.
import type * as v from 'valibot';
import type { schemas, scenarioSchema } from './schema';

export type { BehaviourName } from './schema';
export type Scenario = v.InferOutput<typeof scenarioSchema>;
export type ScenarioVpc = v.InferOutput<typeof schemas.vpc>;
export type ScenarioInstance = v.InferOutput<typeof schemas.instance>;
/** A sandbox host: OS, Cloud Assistant agent, firewall declared once (drives the data plane and the tools' output). */
export type ScenarioHost = v.InferOutput<typeof schemas.host>;
export type ScenarioHostFirewall = v.InferOutput<typeof schemas.hostFirewall>;
export type ScenarioSecurityGroup = v.InferOutput<typeof schemas.securityGroup>;
export type ScenarioSecurityGroupRule = v.InferOutput<typeof schemas.securityGroupRule>;
/** One listening endpoint: a built-in behaviour, or `external: true` (already running, not started by the sandbox). */
export type ScenarioEndpoint = v.InferOutput<typeof schemas.endpoint>;
export type BehaviourOptions = v.InferOutput<typeof schemas.behaviourOptions>;
export type ScenarioBackendServer = v.InferOutput<typeof schemas.backendServer>;
export type ScenarioHealthCheck = v.InferOutput<typeof schemas.healthCheck>;
export type ScenarioListener = v.InferOutput<typeof schemas.listener>;
export type ScenarioReplyFields = v.InferOutput<typeof schemas.replyFields>;
export type ReplyFieldValue = NonNullable<ScenarioReplyFields['listener']>[string];
export type ScenarioLoadBalancer = v.InferOutput<typeof schemas.loadBalancer>;
export type ScenarioApiFault = v.InferOutput<typeof schemas.apiFault>;
export type ScenarioAccessKey = v.InferOutput<typeof schemas.accessKey>;
export type ScenarioApiSettings = v.InferOutput<typeof schemas.apiSettings>;
export type ScenarioHealthCheckerSettings = v.InferOutput<typeof schemas.healthCheckerSettings>;
